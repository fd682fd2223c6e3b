/**
 * From stored usage to `allocateCosts`: which workspace, project, team or label each pod's
 * cost belongs to, which price each cluster-hour pays, and the idle and shared rules. Pure.
 */
import { TZDate } from '@date-fns/tz';
import { addDays, format, startOfDay } from 'date-fns';
import { allocateCosts, IDLE, UNALLOCATED, type Allocation, type AllocationInput, type IdlePolicy, type Rates, type Segment, type Usage, type Workload } from './allocate.ts';
import { versionAt, type PriceVersion } from './prices.ts';
import type { CostSettings } from './schemas.ts';
import type { BillableRow, CapacityRow } from './store.ts';

export interface Directory {
  workspaces: Array<{ id: string; name: string; slug: string; labels: Record<string, string> }>;
  projects: Array<{ id: string; name: string; workspaceId: string }>;
}

export interface StoredInputs {
  settings: CostSettings;
  versions: readonly PriceVersion[];
  /** The window's start and the cut points the rows were bucketed by (see `cutsFor`). */
  from: Date;
  cuts: readonly Date[];
  /** The org's time zone when the rows are cut at its midnights (a day series); null otherwise. */
  dayZone: string | null;
  clusters: ReadonlyArray<{ cluster: string; provider: string; region: string }>;
  dir: Directory;
  labels: ReadonlyArray<{ cluster: string; namespace: string; pod: string; labels: Record<string, string> }>;
  usage: readonly BillableRow[];
  capacity: readonly CapacityRow[];
}

export interface NamedGroupCost {
  key: string;
  name: string;
  direct: number;
  idle: number;
  shared: number;
  total: number;
}

/** The namespace a workspace's workloads run in on every cluster (integrations/manifests.ts). */
export function namespaceOfSlug(slug: string): string {
  return `hx-${slug}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * Where the stored hours are cut: every price change, and with a time zone every midnight of it
 * inside the window. Within one bucket the price and the day are the same for every hour.
 */
export function cutsFor(from: Date, to: Date, versions: readonly PriceVersion[], dayZone: string | null): Date[] {
  const cuts = new Set(versions.map((v) => v.effectiveFrom.getTime()));
  if (dayZone) {
    for (let d = startOfDay(new TZDate(from.getTime(), dayZone)); d.getTime() < to.getTime(); d = addDays(d, 1)) cuts.add(d.getTime());
  }
  return [...cuts].sort((a, b) => a - b).map((t) => new Date(t));
}

/** kube-state-metrics turns `hexaplane.dev/project` into `label_hexaplane_dev_project`: look up both. */
const sanitized = (key: string) => key.replace(/[^A-Za-z0-9_]/g, '_');
function labelValue(labels: Record<string, string> | undefined, key: string): string | undefined {
  if (!labels) return undefined;
  return labels[key] ?? labels[sanitized(key)];
}

const ZERO: Rates = { cpuCoreHour: 0, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0, discountBp: 0 };

/** Not offered by the API: a pod label's value within its workspace (`<ws>|<value>`), for budgets. */
export const WORKSPACE_LABEL = 'workspace+label:';

/** How one allocation is grouped: the group of a pod, the group of a workspace, and display names. */
function grouping(inputs: StoredInputs, groupBy: string) {
  const { settings, dir } = inputs;
  const workspaces = new Map(dir.workspaces.map((w) => [w.id, w]));
  const projects = new Map(dir.projects.map((p) => [p.id, p]));
  const wsByNamespace = new Map<string, string>(dir.workspaces.map((w) => [namespaceOfSlug(w.slug), w.id]));
  for (const [ns, ws] of Object.entries(settings.namespaces)) wsByNamespace.set(ns, ws);
  const teamOf = (ws: string | null) => (ws ? (workspaces.get(ws)?.labels[settings.teamLabel] ?? null) : null);

  const podGroup = (namespace: string, ws: string | null, labels: Record<string, string> | undefined): string => {
    if (groupBy === 'workspace') return ws ?? UNALLOCATED;
    if (groupBy === 'namespace') return namespace;
    if (groupBy === 'team') return teamOf(ws) ?? UNALLOCATED;
    if (groupBy === 'project') {
      const id = labelValue(labels, settings.projectLabel);
      return id && projects.get(id)?.workspaceId === ws ? id : UNALLOCATED;
    }
    if (groupBy.startsWith(WORKSPACE_LABEL)) {
      // Internal grouping for budgets scoped to a label inside a workspace: `<ws>|<value>`.
      const value = labelValue(labels, groupBy.slice(WORKSPACE_LABEL.length));
      return ws && value ? `${ws}|${value}` : UNALLOCATED;
    }
    return labelValue(labels, groupBy.slice('label:'.length)) ?? UNALLOCATED;
  };
  const workspaceGroup = (ws: string): string | null => (groupBy === 'workspace' ? ws : groupBy === 'team' ? teamOf(ws) : null);
  const nameOf = (key: string): string => {
    if (key === UNALLOCATED) return 'Unallocated';
    if (key === IDLE) return 'Idle capacity';
    if (groupBy === 'workspace') return workspaces.get(key)?.name ?? key;
    if (groupBy === 'project') return projects.get(key)?.name ?? key;
    return key;
  };
  const idle: IdlePolicy =
    settings.idle.mode === 'owner'
      ? { mode: 'owner', group: workspaceGroup(settings.idle.workspaceId) ?? IDLE, workspaceId: settings.idle.workspaceId }
      : { mode: 'proportional' };
  return { wsByNamespace, podGroup, workspaceGroup, nameOf, idle };
}

/** Splits the stored rows into one AllocationInput per day (key '' when not split by day). */
function inputsByDay(inputs: StoredInputs, groupBy: string) {
  const g = grouping(inputs, groupBy);
  const shared = new Set(inputs.settings.shared.map((r) => r.namespace));
  const labels = new Map(inputs.labels.map((l) => [`${l.cluster}\u0000${l.namespace}\u0000${l.pod}`, l.labels]));
  const clusters = new Map(inputs.clusters.map((c) => [c.cluster, c]));
  const versionsOf = new Map<string, PriceVersion[]>();
  for (const v of inputs.versions) {
    const key = `${v.provider}\u0000${v.region}`;
    versionsOf.set(key, [...(versionsOf.get(key) ?? []), v]);
  }
  /** A bucket's start (the window's start for bucket 0), its day and, per cluster, its price. */
  const bucketStart = (b: number) => (b === 0 ? inputs.from : inputs.cuts[b - 1]!);
  // Both are asked once per row and answer per bucket: memoised (a time-zone format costs microseconds).
  const dayCache = new Map<number, string>();
  const dayOfBucket = (b: number) => {
    let day = dayCache.get(b);
    if (day === undefined) {
      day = inputs.dayZone ? format(new TZDate(Math.max(bucketStart(b).getTime(), inputs.from.getTime()), inputs.dayZone), 'yyyy-MM-dd') : '';
      dayCache.set(b, day);
    }
    return day;
  };
  const priceCache = new Map<string, { key: string; rates: Rates }>();
  const unpriced = new Set<string>();
  const priceOf = (cluster: string, b: number): { key: string; rates: Rates } => {
    const cacheKey = `${cluster}\u0000${b}`;
    const hit = priceCache.get(cacheKey);
    if (hit) return hit;
    const c = clusters.get(cluster);
    const v = c ? versionAt(versionsOf.get(`${c.provider}\u0000${c.region}`) ?? [], bucketStart(b)) : null;
    const price = v ? { key: `${cluster}\u0000${v.effectiveFrom.getTime()}`, rates: { ...v.rates, discountBp: v.discountBp } } : { key: `${cluster}\u0000none`, rates: ZERO };
    if (!v) unpriced.add(cluster);
    priceCache.set(cacheKey, price);
    return price;
  };

  const days = new Map<string, { workloads: Workload[]; workloadIndex: Map<string, number>; segments: Segment[]; segmentKeys: string[]; segmentIndex: Map<string, number>; usage: Usage[] }>();
  const dayOf = (day: string) => {
    let d = days.get(day);
    if (!d) days.set(day, (d = { workloads: [], workloadIndex: new Map(), segments: [], segmentKeys: [], segmentIndex: new Map(), usage: [] }));
    return d;
  };
  /** Segments are a cluster under one price version: idle is worked out per segment. */
  const segmentOf = (d: ReturnType<typeof dayOf>, cluster: string, bucket: number) => {
    const price = priceOf(cluster, bucket);
    let i = d.segmentIndex.get(price.key);
    if (i === undefined) {
      i = d.segments.length;
      d.segmentIndex.set(price.key, i);
      d.segmentKeys.push(price.key);
      d.segments.push({ rates: price.rates, capacity: null });
    }
    return i;
  };
  for (const r of inputs.usage) {
    const bucket = Number(r.bucket);
    const d = dayOf(dayOfBucket(bucket));
    const podKey = `${r.cluster}\u0000${r.namespace}\u0000${r.pod}`;
    let w = d.workloadIndex.get(podKey);
    if (w === undefined) {
      const ws = g.wsByNamespace.get(r.namespace) ?? null;
      w = d.workloads.length;
      d.workloadIndex.set(podKey, w);
      d.workloads.push({ group: g.podGroup(r.namespace, ws, labels.get(podKey)), workspaceId: ws, sharedNamespace: shared.has(r.namespace) ? r.namespace : null });
    }
    d.usage.push({
      workload: w,
      segment: segmentOf(d, r.cluster, bucket),
      quantities: { cpuMcoreHours: Number(r.cpu), memoryMibHours: Number(r.mem), storageMibHours: Number(r.storage), gpuMilliHours: Number(r.gpu), egressMib: Number(r.egress) },
    });
  }
  for (const c of inputs.capacity) {
    const bucket = Number(c.bucket);
    const d = dayOf(dayOfBucket(bucket));
    const seg = d.segments[segmentOf(d, c.cluster, bucket)]!;
    const had = seg.capacity ?? { cpuMcoreHours: 0, memoryMibHours: 0, gpuMilliHours: 0 };
    seg.capacity = { cpuMcoreHours: had.cpuMcoreHours + Number(c.cpu), memoryMibHours: had.memoryMibHours + Number(c.mem), gpuMilliHours: had.gpuMilliHours + Number(c.gpu) };
  }
  const input = (day: string): DayInput => {
    const d = dayOf(day);
    return { workloads: d.workloads, segments: d.segments, segmentKeys: d.segmentKeys, usage: d.usage, idle: g.idle, shared: inputs.settings.shared, groupOfWorkspace: g.workspaceGroup };
  };
  return { days: [...days.keys()].sort(), input, nameOf: g.nameOf, unpriced: () => [...unpriced].sort() };
}

type DayInput = AllocationInput & { segmentKeys: string[] };

/**
 * Merges per-day inputs into one: workloads by the cell they fall in, segments by cluster and
 * price (capacity summed), so idle is worked out over the window exactly as without days.
 */
function mergeDays(parts: DayInput[]): AllocationInput {
  const workloads: Workload[] = [];
  const workloadIndex = new Map<string, number>();
  const segments: Segment[] = [];
  const segmentIndex = new Map<string, number>();
  const usage: Usage[] = [];
  for (const p of parts) {
    const wMap = p.workloads.map((w) => {
      const key = `${w.group}\u0000${w.workspaceId ?? ''}\u0000${w.sharedNamespace ?? ''}`;
      let i = workloadIndex.get(key);
      if (i === undefined) {
        i = workloads.length;
        workloadIndex.set(key, i);
        workloads.push(w);
      }
      return i;
    });
    const sMap = p.segments.map((seg, k) => {
      const key = p.segmentKeys[k]!;
      let i = segmentIndex.get(key);
      if (i === undefined) {
        i = segments.length;
        segmentIndex.set(key, i);
        segments.push({ rates: seg.rates, capacity: null });
      }
      if (seg.capacity) {
        const c = segments[i]!.capacity ?? { cpuMcoreHours: 0, memoryMibHours: 0, gpuMilliHours: 0 };
        segments[i]!.capacity = { cpuMcoreHours: c.cpuMcoreHours + seg.capacity.cpuMcoreHours, memoryMibHours: c.memoryMibHours + seg.capacity.memoryMibHours, gpuMilliHours: c.gpuMilliHours + seg.capacity.gpuMilliHours };
      }
      return i;
    });
    for (const u of p.usage) usage.push({ workload: wMap[u.workload]!, segment: sMap[u.segment]!, quantities: u.quantities });
  }
  return { ...parts[0]!, workloads, segments, usage };
}

const named = (a: Allocation, nameOf: (key: string) => string) => ({ total: a.total, idleTotal: a.idleTotal, groups: a.groups.map((g) => ({ key: g.group, name: nameOf(g.group), direct: g.direct, idle: g.idle, shared: g.shared, total: g.total })) });

/**
 * The window's allocation (rounded once, over the whole window) and, when the rows carry days,
 * one allocation per day (each rounded on its own: a day's groups sum to that day's total).
 */
export function buildAllocation(inputs: StoredInputs, groupBy: string) {
  const { days, input, nameOf, unpriced } = inputsByDay(inputs, groupBy);
  const perDay = days.map((day) => ({ day, input: input(day) }));
  const window = perDay.length === 0 ? input('') : perDay.length === 1 ? perDay[0]!.input : mergeDays(perDay.map((d) => d.input));
  const total = named(allocateCosts(window), nameOf);
  const series = days[0] === '' ? [] : perDay.map(({ day, input: dayInput }) => {
    const a = allocateCosts(dayInput);
    return { day, total: a.total, groups: Object.fromEntries(a.groups.map((g) => [g.group, g.total])) };
  });
  return { total, days: series, unpricedClusters: unpriced() };
}
