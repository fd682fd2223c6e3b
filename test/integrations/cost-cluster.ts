/**
 * A synthetic cluster for 30 days: its ground truth (integer millicores and MiB per pod-hour),
 * the same as OpenMetrics for promtool, and the expected allocation computed from the ground
 * truth alone (BigInt, written apart from src/modules/cost so the two can disagree).
 */

export const HOUR = 3600;
export const HOURS = 30 * 24;
export const MIB = 1024 * 1024;

export interface Pod {
  namespace: string;
  pod: string;
  labels: Record<string, string>;
  requestMcores: (h: number) => number;
  usageMcores: (h: number) => number;
  requestMib: (h: number) => number;
  usageMib: (h: number) => number;
  /** First hour the pod exists. */
  from: number;
}

const wobble = (h: number, k: number, span: number) => (h * 37 + k * 11) % span;

/** `projectId` is the Ledger project's id (pods carry it in hexaplane.dev/project). */
export function syntheticPods(projectId: string): Pod[] {
  const pod = (namespace: string, name: string, k: number, req: number, use: number, mem: number, labels: Record<string, string> = {}, from = 0): Pod => ({
    namespace,
    pod: name,
    labels,
    // Requests step up half-way (a re-deploy); usage wobbles around the request, above and below it.
    requestMcores: (h) => (h < 360 ? req : req + 250),
    usageMcores: (h) => use + wobble(h, k, 400),
    requestMib: () => mem,
    usageMib: (h) => mem - 256 + wobble(h, k + 3, 512),
    from,
  });
  return [
    pod('hx-finance', 'ledger-0', 1, 500, 350, 1024, { team: 'ledger', 'hexaplane.dev/project': projectId }),
    pod('hx-finance', 'ledger-1', 2, 500, 300, 1024, { team: 'ledger', 'hexaplane.dev/project': projectId }),
    pod('hx-finance', 'batch-0', 3, 1000, 900, 2048, { team: 'batch' }),
    pod('hx-sales', 'crm-0', 4, 750, 500, 1536, { team: 'crm' }),
    pod('hx-sales', 'crm-1', 5, 750, 500, 1536, { team: 'crm' }, 20 * 24),
    pod('monitoring', 'prometheus-0', 6, 1000, 800, 4096, { team: 'platform' }),
    pod('kube-system', 'coredns-0', 7, 100, 50, 128, {}),
    pod('legacy', 'old-app-0', 8, 250, 200, 512, { team: 'ledger' }),
  ];
}

/** One PVC in Finance: 10 GiB requested, the kubelet reports 12 GiB (billed on the larger). */
export const pvc = { namespace: 'hx-finance', claim: 'ledger-data', requestMib: 10 * 1024, capacityMib: 12 * 1024 };
/** Two nodes of 4 cores and 16 GiB. */
export const nodes = [{ node: 'node-a' }, { node: 'node-b' }];
export const NODE_CPU = 4;
export const NODE_MIB = 16 * 1024;

// Four samples an hour, 7.5 minutes off the hour marks: every [1h] window sees exactly its hour.
const OFFSETS = [450, 1350, 2250, 3150];

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const series = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;

/** The whole cluster as OpenMetrics (timestamps in seconds), series after series. */
export function openMetrics(pods: readonly Pod[], start: number): string {
  const lines: string[] = [];
  const gauge = (name: string, labels: Record<string, string>, value: (h: number) => number, from = 0) => {
    const s = series(name, labels);
    for (let h = from; h < HOURS; h++) for (const o of OFFSETS) lines.push(`${s} ${value(h)} ${start + h * HOUR + o}`);
  };
  for (const p of pods) {
    const id = { namespace: p.namespace, pod: p.pod };
    const c = { ...id, container: 'app' };
    // A counter of CPU seconds, linear within each hour at that hour's usage.
    const s = series('container_cpu_usage_seconds_total', c);
    let counter = 1_000_000;
    for (let h = p.from; h < HOURS; h++) {
      const perSecond = p.usageMcores(h) / 1000;
      for (const o of OFFSETS) lines.push(`${s} ${(counter + perSecond * o).toFixed(6)} ${start + h * HOUR + o}`);
      counter += perSecond * HOUR;
    }
    gauge('container_memory_working_set_bytes', c, (h) => p.usageMib(h) * MIB, p.from);
    gauge('kube_pod_container_resource_requests', { ...c, resource: 'cpu', unit: 'core' }, (h) => p.requestMcores(h) / 1000, p.from);
    gauge('kube_pod_container_resource_requests', { ...c, resource: 'memory', unit: 'byte' }, (h) => p.requestMib(h) * MIB, p.from);
    const labels = Object.fromEntries(Object.entries(p.labels).map(([k, v]) => [`label_${k.replace(/[^A-Za-z0-9_]/g, '_')}`, v]));
    gauge('kube_pod_labels', { ...id, ...labels }, () => 1, p.from);
  }
  gauge('kube_persistentvolumeclaim_resource_requests_storage_bytes', { namespace: pvc.namespace, persistentvolumeclaim: pvc.claim }, () => pvc.requestMib * MIB);
  gauge('kubelet_volume_stats_capacity_bytes', { namespace: pvc.namespace, persistentvolumeclaim: pvc.claim }, () => pvc.capacityMib * MIB);
  for (const n of nodes) {
    gauge('kube_node_status_capacity', { node: n.node, resource: 'cpu', unit: 'core' }, () => NODE_CPU);
    gauge('kube_node_status_capacity', { node: n.node, resource: 'memory', unit: 'byte' }, () => NODE_MIB * MIB);
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

// ---------------------------------------------------------------------------------------------
// The expectation, from the ground truth.

export interface Price {
  from: number; // epoch seconds
  cpu: bigint; // micro-units per vCPU-hour
  mem: bigint; // per GiB-hour
  storage: bigint; // per GiB-month (730 h)
  discountBp: bigint;
}

export interface ExpectedRules {
  /** The group a pod's cost is reported under (null: unallocated). */
  groupOf: (namespace: string, pod: string) => string | null;
  workspaceOf: (namespace: string) => string | null;
  shared: Record<string, { split: 'proportional' } | { split: 'fixed'; shares: Record<string, bigint> }>;
}

const SCALE = 1000n * 1024n * 730n * 10_000n;
const UNALLOCATED = 'unallocated';

/** Hamilton's method: floors, then one unit each to the largest remainders (ties: first listed). */
function hamilton(amount: bigint, weights: bigint[]): bigint[] {
  const total = weights.reduce((a, b) => a + b, 0n);
  const parts = weights.map((w) => (amount * w) / total);
  let left = amount - parts.reduce((a, b) => a + b, 0n);
  const order = weights.map((w, i) => ({ i, r: (amount * w) % total })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts;
}

/** The allocation the docs promise, for [start, start + 30 days), by the rules given. */
export function expectedAllocation(pods: readonly Pod[], start: number, prices: readonly Price[], rules: ExpectedRules) {
  const priceAt = (t: number) => [...prices].filter((p) => p.from <= t).sort((a, b) => b.from - a.from)[0]!;
  const segmentOf = (t: number) => prices.filter((p) => p.from <= t).length;
  // Exact costs (over SCALE) per cell: a cell is (group, workspace, shared namespace).
  const cells = new Map<string, { group: string; ws: string | null; shared: string | null; exact: bigint }>();
  const cell = (group: string, ws: string | null, shared: string | null) => {
    const key = `${group}|${ws}|${shared}`;
    if (!cells.has(key)) cells.set(key, { group, ws, shared, exact: 0n });
    return cells.get(key)!;
  };
  cell(UNALLOCATED, null, null);
  const used = new Map<number, { cpu: bigint; mem: bigint; price: Price }>();
  for (const p of pods) {
    const ws = rules.workspaceOf(p.namespace);
    const c = cell(rules.groupOf(p.namespace, p.pod) ?? UNALLOCATED, ws, p.namespace in rules.shared ? p.namespace : null);
    for (let h = p.from; h < HOURS; h++) {
      const t = start + h * HOUR;
      const price = priceAt(t);
      const cpu = BigInt(Math.max(p.requestMcores(h), p.usageMcores(h)));
      const mem = BigInt(Math.max(p.requestMib(h), p.usageMib(h)));
      c.exact += (cpu * price.cpu * 1024n * 730n + mem * price.mem * 1000n * 730n) * (10_000n - price.discountBp);
      const u = used.get(segmentOf(t)) ?? { cpu: 0n, mem: 0n, price };
      u.cpu += cpu;
      u.mem += mem;
      used.set(segmentOf(t), u);
    }
  }
  const storageCell = cell(rules.groupOf(pvc.namespace, `pvc/${pvc.claim}`) ?? UNALLOCATED, rules.workspaceOf(pvc.namespace), null);
  const capacity = new Map<number, { cpu: bigint; mem: bigint }>();
  for (let h = 0; h < HOURS; h++) {
    const t = start + h * HOUR;
    const price = priceAt(t);
    storageCell.exact += BigInt(pvc.capacityMib) * price.storage * 1000n * (10_000n - price.discountBp);
    const cap = capacity.get(segmentOf(t)) ?? { cpu: 0n, mem: 0n };
    cap.cpu += BigInt(nodes.length * NODE_CPU * 1000);
    cap.mem += BigInt(nodes.length * NODE_MIB);
    capacity.set(segmentOf(t), cap);
  }
  const idleExact = [...used.entries()].map(([seg, u]) => {
    const cap = capacity.get(seg)!;
    const freeCpu = cap.cpu > u.cpu ? cap.cpu - u.cpu : 0n;
    const freeMem = cap.mem > u.mem ? cap.mem - u.mem : 0n;
    return (freeCpu * u.price.cpu * 1024n * 730n + freeMem * u.price.mem * 1000n * 730n) * (10_000n - u.price.discountBp);
  });

  // One rounding to the total, then integers only.
  const list = [...cells.values()];
  const items = [...list.map((c) => c.exact), ...idleExact];
  const exactSum = items.reduce((a, b) => a + b, 0n);
  const total = (exactSum + SCALE / 2n) / SCALE;
  const floors = items.map((x) => x / SCALE);
  const rounded = [...floors];
  let left = total - floors.reduce((a, b) => a + b, 0n);
  const byRemainder = items.map((x, i) => ({ i, r: x % SCALE })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left === 0n) break;
    rounded[i]! += 1n;
    left -= 1n;
  }
  const direct = list.map((_, i) => rounded[i]!);
  const idleTotal = rounded.slice(list.length).reduce((a, b) => a + b, 0n);
  const idle = hamilton(idleTotal, direct);
  const amount = list.map((_, i) => direct[i]! + idle[i]!);
  const shared = list.map(() => 0n);
  const recipients = list.map((c, i) => (c.shared === null ? i : -1)).filter((i) => i >= 0);
  const extra = { unallocated: 0n };
  for (const [ns, rule] of Object.entries(rules.shared)) {
    const pool = list.reduce((s, c, i) => (c.shared === ns ? s + amount[i]! : s), 0n);
    if (rule.split === 'proportional') {
      hamilton(pool, recipients.map((i) => amount[i]!)).forEach((v, k) => (shared[recipients[k]!]! += v));
    } else {
      const wss = Object.keys(rule.shares);
      const given = wss.reduce((s, w) => s + rule.shares[w]!, 0n);
      const byWs = hamilton(pool, [...wss.map((w) => rule.shares[w]!), 10_000n - given]);
      extra.unallocated += byWs[wss.length]!;
      wss.forEach((w, k) => {
        const own = recipients.filter((i) => list[i]!.ws === w);
        hamilton(byWs[k]!, own.map((i) => amount[i]!)).forEach((v, j) => (shared[own[j]!]! += v));
      });
    }
  }
  const groups = new Map<string, bigint>();
  list.forEach((c, i) => {
    if (c.shared !== null) return;
    groups.set(c.group, (groups.get(c.group) ?? 0n) + amount[i]! + shared[i]!);
  });
  groups.set(UNALLOCATED, (groups.get(UNALLOCATED) ?? 0n) + extra.unallocated);
  return { total, idleTotal, groups };
}
