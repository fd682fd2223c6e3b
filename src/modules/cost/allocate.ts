/**
 * Cost allocation (ADR 0015, docs/cost.md): who spent what, reconciled to the micro-unit.
 * Pure: billable quantities and prices in, integer micro-unit amounts per group out.
 *
 * 1. Direct cost: each pod's billable quantities (already folded under the cost model, see
 *    `billable`) times the rates of its price segment, exact as a fraction over DENOMINATOR.
 * 2. Idle cost: per segment (a cluster under one price version), the capacity's cost minus
 *    the pods' compute cost (CPU, memory, GPU), per resource, never below zero.
 * 3. The exact amounts round once to the bill total (half up), split over the items by largest
 *    remainder. From here on every step moves integers, so the parts always sum to the total.
 * 4. Idle goes to every cell in proportion to its direct cost, or to one named owner.
 * 5. Each shared namespace's cost (its direct and idle) goes to the other cells: evenly by
 *    workspace, in proportion to cost, or by fixed percentages per workspace; what fixed
 *    percentages leave over goes to the unallocated bucket.
 */
import { HOURS_PER_MONTH, roundToTotal, splitByWeights, toSafeNumber } from './money.ts';

export const UNALLOCATED = 'unallocated';
export const IDLE = 'idle';

/** Micro-units per unit of each resource; `discountBp` in basis points (1/100 %) off everything. */
export interface Rates {
  cpuCoreHour: number;
  memoryGibHour: number;
  storageGibMonth: number;
  gpuHour: number;
  egressGib: number;
  discountBp: number;
}

/**
 * Billable quantities in integer base units: millicore-hours, MiB-hours, storage MiB-hours,
 * milli-GPU-hours and MiB sent. Sums of hourly samples: safe integers for any real window.
 */
export interface Quantities {
  cpuMcoreHours: number;
  memoryMibHours: number;
  storageMibHours: number;
  gpuMilliHours: number;
  egressMib: number;
}

export type CostModel = 'max' | 'request' | 'usage';

/** One hour of one pod, as collected. */
export interface HourlySample {
  cpuRequestMcores: number;
  cpuUsageMcores: number;
  memoryRequestMib: number;
  memoryUsageMib: number;
  storageMib: number;
  gpuMilli: number;
  egressMib: number;
}

const pick = (model: CostModel, request: number, usage: number) => (model === 'max' ? Math.max(request, usage) : model === 'request' ? request : usage);

/** Adds one hourly sample's billable quantities to `into` under the cost model. */
export function addBillable(into: Quantities, s: HourlySample, model: CostModel): void {
  into.cpuMcoreHours += pick(model, s.cpuRequestMcores, s.cpuUsageMcores);
  into.memoryMibHours += pick(model, s.memoryRequestMib, s.memoryUsageMib);
  into.storageMibHours += s.storageMib;
  into.gpuMilliHours += s.gpuMilli;
  into.egressMib += s.egressMib;
}

export const zeroQuantities = (): Quantities => ({ cpuMcoreHours: 0, memoryMibHours: 0, storageMibHours: 0, gpuMilliHours: 0, egressMib: 0 });

// cpu: /1000 (millicores), memory: /1024 (MiB per GiB), storage: /(1024 × 730), gpu: /1000,
// egress: /1024; the discount: /10000 (basis points). One denominator keeps every sum exact.
const D_CPU = 1000n;
const D_MIB = 1024n;
const D_MONTH = BigInt(HOURS_PER_MONTH);
const D_DISCOUNT = 10_000n;
export const DENOMINATOR = D_CPU * D_MIB * D_MONTH * D_DISCOUNT;

const big = (n: number) => BigInt(n);

/** The exact cost of quantities at rates, as a numerator over DENOMINATOR. */
export function costNumerator(q: Quantities, r: Rates, only?: 'compute'): bigint {
  const compute =
    big(q.cpuMcoreHours) * big(r.cpuCoreHour) * D_MIB * D_MONTH +
    big(q.memoryMibHours) * big(r.memoryGibHour) * D_CPU * D_MONTH +
    big(q.gpuMilliHours) * big(r.gpuHour) * D_MIB * D_MONTH;
  const rest = only === 'compute' ? 0n : big(q.storageMibHours) * big(r.storageGibMonth) * D_CPU + big(q.egressMib) * big(r.egressGib) * D_CPU * D_MONTH;
  return (compute + rest) * (D_DISCOUNT - big(r.discountBp));
}

/** Cluster capacity over a segment: millicore-hours, MiB-hours, milli-GPU-hours. */
export interface Capacity {
  cpuMcoreHours: number;
  memoryMibHours: number;
  gpuMilliHours: number;
}

/** A cluster under one price version: the unit idle cost is worked out in. */
export interface Segment {
  rates: Rates;
  capacity: Capacity | null;
}

/** A pod (or a PVC) and where its cost goes. */
export interface Workload {
  /** The group it is reported under: a workspace id, project id, label value, team, or UNALLOCATED. */
  group: string;
  /** The workspace that owns it (even and fixed shared splits go by workspace); null when unmapped. */
  workspaceId: string | null;
  /** Set when the workload runs in a shared namespace: its cost is redistributed by that rule. */
  sharedNamespace: string | null;
}

/** Billable quantities of one workload in one segment. */
export interface Usage {
  workload: number;
  segment: number;
  quantities: Quantities;
}

export type SharedSplit =
  | { namespace: string; split: 'even' }
  | { namespace: string; split: 'proportional' }
  /** Basis points per workspace id (10000 = 100 %); at most 10000 in all. */
  | { namespace: string; split: 'fixed'; shares: Record<string, number> };

export type IdlePolicy =
  | { mode: 'proportional' }
  /** All idle cost to one group (and workspace). */
  | { mode: 'owner'; group: string; workspaceId: string | null };

export interface AllocationInput {
  workloads: readonly Workload[];
  segments: readonly Segment[];
  usage: readonly Usage[];
  idle: IdlePolicy;
  shared: readonly SharedSplit[];
  /** For fixed shares of a workspace without workloads in the window: the group it reports under. */
  groupOfWorkspace?: (workspaceId: string) => string | null;
}

export interface GroupCost {
  group: string;
  direct: number;
  idle: number;
  shared: number;
  total: number;
}

export interface Allocation {
  /** The bill: every group's total sums to it exactly. */
  total: number;
  /** Idle cost before it was spread (part of `total`). */
  idleTotal: number;
  /** By total, largest first; the unallocated bucket is always present. */
  groups: GroupCost[];
}

interface Cell {
  group: string;
  workspaceId: string | null;
  sharedNamespace: string | null;
  direct: bigint;
  idle: bigint;
  shared: bigint;
}

const amountOf = (c: Cell) => c.direct + c.idle + c.shared;

class Cells {
  readonly list: Cell[] = [];
  private readonly index = new Map<string, number>();

  of(group: string, workspaceId: string | null, sharedNamespace: string | null): number {
    const key = `${group}\u0000${workspaceId ?? ''}\u0000${sharedNamespace ?? ''}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(key, i);
      this.list.push({ group, workspaceId, sharedNamespace, direct: 0n, idle: 0n, shared: 0n });
    }
    return i;
  }
}

/** Exact direct cost per cell and idle per segment, as numerators over DENOMINATOR. */
function exactCosts(input: AllocationInput, cells: Cells): { direct: bigint[]; idle: bigint[] } {
  const cellOf = input.workloads.map((w) => cells.of(w.group, w.workspaceId, w.sharedNamespace));
  const direct: bigint[] = [];
  const usedCompute = input.segments.map(() => zeroQuantities());
  for (const u of input.usage) {
    const c = cellOf[u.workload]!;
    direct[c] = (direct[c] ?? 0n) + costNumerator(u.quantities, input.segments[u.segment]!.rates);
    const used = usedCompute[u.segment]!;
    used.cpuMcoreHours += u.quantities.cpuMcoreHours;
    used.memoryMibHours += u.quantities.memoryMibHours;
    used.gpuMilliHours += u.quantities.gpuMilliHours;
  }
  for (let i = 0; i < cells.list.length; i++) direct[i] ??= 0n;
  const idle = input.segments.map((s, i) => {
    if (!s.capacity) return 0n;
    const u = usedCompute[i]!;
    // Per resource: unused CPU is idle even when memory is overcommitted, and the other way round.
    const free: Quantities = {
      cpuMcoreHours: Math.max(0, s.capacity.cpuMcoreHours - u.cpuMcoreHours),
      memoryMibHours: Math.max(0, s.capacity.memoryMibHours - u.memoryMibHours),
      gpuMilliHours: Math.max(0, s.capacity.gpuMilliHours - u.gpuMilliHours),
      storageMibHours: 0,
      egressMib: 0,
    };
    return costNumerator(free, s.rates, 'compute');
  });
  return { direct, idle };
}

function spreadIdle(cells: Cells, idle: bigint, policy: IdlePolicy): void {
  if (idle === 0n) return;
  if (policy.mode === 'owner') {
    cells.list[cells.of(policy.group, policy.workspaceId, null)]!.idle += idle;
    return;
  }
  const parts = splitByWeights(idle, cells.list.map((c) => c.direct));
  if (!parts) {
    cells.list[cells.of(UNALLOCATED, null, null)]!.idle += idle;
    return;
  }
  cells.list.forEach((c, i) => (c.idle += parts[i]!));
}

/** Splits `amount` over cells (indices) in proportion to `weights`; to unallocated when all are zero. */
function giveProportionally(cells: Cells, amount: bigint, indices: readonly number[], weights: readonly bigint[]): void {
  if (amount === 0n) return;
  const parts = indices.length ? splitByWeights(amount, weights) : null;
  if (!parts) {
    cells.list[cells.of(UNALLOCATED, null, null)]!.shared += amount;
    return;
  }
  indices.forEach((ci, k) => (cells.list[ci]!.shared += parts[k]!));
}

/** Splits an amount over workspaces by weights, then within each workspace by its cells' amounts. */
function giveByWorkspace(cells: Cells, amount: bigint, shares: Map<string | null, bigint>, recipients: readonly number[], snapshot: readonly bigint[], input: AllocationInput): void {
  const keys = [...shares.keys()];
  const parts = splitByWeights(amount, keys.map((k) => shares.get(k)!));
  if (!parts) {
    giveProportionally(cells, amount, [], []);
    return;
  }
  keys.forEach((ws, k) => {
    const part = parts[k]!;
    if (ws === null) return giveProportionally(cells, part, [], []);
    const own = recipients.filter((ci) => cells.list[ci]!.workspaceId === ws);
    const weights = own.map((ci) => snapshot[ci]!);
    if (own.length && weights.some((w) => w > 0n)) return giveProportionally(cells, part, own, weights);
    const group = input.groupOfWorkspace?.(ws) ?? null;
    cells.list[group ? cells.of(group, ws, null) : cells.of(UNALLOCATED, null, null)]!.shared += part;
  });
}

function spreadShared(cells: Cells, rules: readonly SharedSplit[], input: AllocationInput): void {
  const ruleOf = new Map(rules.map((r) => [r.namespace, r]));
  // Weights are read once, before any shared cost moves, so the rules' order does not matter.
  const snapshot = cells.list.map(amountOf);
  const recipients = cells.list.map((c, i) => (c.sharedNamespace === null ? i : -1)).filter((i) => i >= 0);
  const pools = new Map<string, bigint>();
  for (const c of cells.list) {
    if (c.sharedNamespace === null) continue;
    pools.set(c.sharedNamespace, (pools.get(c.sharedNamespace) ?? 0n) + amountOf(c));
    c.direct = 0n;
    c.idle = 0n;
    c.shared = 0n;
  }
  for (const [namespace, pool] of pools) {
    const rule = ruleOf.get(namespace) ?? { namespace, split: 'proportional' as const };
    if (rule.split === 'proportional') {
      giveProportionally(cells, pool, recipients, recipients.map((i) => snapshot[i]!));
    } else if (rule.split === 'even') {
      const workspaces = new Map<string | null, bigint>();
      for (const i of recipients) {
        const ws = cells.list[i]!.workspaceId;
        if (ws !== null && snapshot[i]! > 0n) workspaces.set(ws, 1n);
      }
      giveByWorkspace(cells, pool, workspaces, recipients, snapshot, input);
    } else {
      const shares = new Map<string | null, bigint>(Object.entries(rule.shares).map(([ws, bp]) => [ws, BigInt(bp)]));
      const given = [...shares.values()].reduce((a, b) => a + b, 0n);
      if (given < 10_000n) shares.set(null, 10_000n - given);
      giveByWorkspace(cells, pool, shares, recipients, snapshot, input);
    }
  }
}

/** The whole allocation: see the steps at the top of this file. */
export function allocateCosts(input: AllocationInput): Allocation {
  const cells = new Cells();
  cells.of(UNALLOCATED, null, null);
  const exact = exactCosts(input, cells);
  const rounded = roundToTotal([...exact.direct, ...exact.idle], DENOMINATOR);
  cells.list.forEach((c, i) => (c.direct = rounded.parts[i]!));
  const idleTotal = rounded.parts.slice(cells.list.length).reduce((a, b) => a + b, 0n);
  spreadIdle(cells, idleTotal, input.idle);
  spreadShared(cells, input.shared, input);

  const groups = new Map<string, { direct: bigint; idle: bigint; shared: bigint }>();
  for (const c of cells.list) {
    if (c.sharedNamespace !== null) continue;
    const g = groups.get(c.group) ?? { direct: 0n, idle: 0n, shared: 0n };
    g.direct += c.direct;
    g.idle += c.idle;
    g.shared += c.shared;
    groups.set(c.group, g);
  }
  const out: GroupCost[] = [...groups].map(([group, g]) => ({
    group,
    direct: toSafeNumber(g.direct),
    idle: toSafeNumber(g.idle),
    shared: toSafeNumber(g.shared),
    total: toSafeNumber(g.direct + g.idle + g.shared),
  }));
  out.sort((a, b) => b.total - a.total || (a.group < b.group ? -1 : 1));
  return { total: toSafeNumber(rounded.total), idleTotal: toSafeNumber(idleTotal), groups: out };
}
