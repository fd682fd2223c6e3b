/**
 * Imported FOCUS bill lines in Hexaplane's allocation. Pure. A bill line is direct cost of the
 * workspace (and project) its tag rule mapped it to, on the local day its charge period starts;
 * a line no rule mapped is unallocated. Bills carry no pod labels or namespaces: grouped by
 * those, bill cost is unallocated. Bill cost does not weigh the idle spread (idle is capacity
 * of the clusters Hexaplane meters, not of the provider's other services).
 */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { UNALLOCATED } from './allocate.ts';
import type { Directory, NamedGroupCost } from './allocation-input.ts';

export interface BillCost {
  chargeStart: Date;
  workspaceId: string | null;
  projectId: string | null;
  costMicros: bigint;
}

export interface AllocationResult {
  total: { total: number; groups: NamedGroupCost[] };
  days: Array<{ day: string; total: number; groups: Record<string, number> }>;
}

/** The group of a bill line under `groupBy`; `teamOf` gives a workspace's team (or null). */
export function billGroup(groupBy: string, line: Pick<BillCost, 'workspaceId' | 'projectId'>, teamOf: (workspaceId: string) => string | null): string {
  if (groupBy === 'workspace') return line.workspaceId ?? UNALLOCATED;
  if (groupBy === 'project') return line.projectId ?? UNALLOCATED;
  if (groupBy === 'team') return (line.workspaceId && teamOf(line.workspaceId)) || UNALLOCATED;
  return UNALLOCATED;
}

/** Adds bill lines to an allocation's groups (direct) and day series, in place; totals stay the sums of their parts. */
export function addBillCosts(result: AllocationResult, lines: readonly BillCost[], options: { groupBy: string; dir: Directory; dayZone: string | null; teamOf: (workspaceId: string) => string | null }): void {
  if (lines.length === 0) return;
  const workspaces = new Map(options.dir.workspaces.map((w) => [w.id, w.name]));
  const projects = new Map(options.dir.projects.map((p) => [p.id, p.name]));
  const nameOf = (key: string) => (key === UNALLOCATED ? 'Unallocated' : options.groupBy === 'workspace' ? (workspaces.get(key) ?? key) : options.groupBy === 'project' ? (projects.get(key) ?? key) : key);
  const groups = new Map(result.total.groups.map((g) => [g.key, g]));
  const days = new Map(result.days.map((d) => [d.day, d]));
  for (const line of lines) {
    const key = billGroup(options.groupBy, line, options.teamOf);
    const cost = Number(line.costMicros);
    let group = groups.get(key);
    if (!group) {
      group = { key, name: nameOf(key), direct: 0, idle: 0, shared: 0, total: 0 };
      groups.set(key, group);
      // New groups go before the unallocated bucket, which stays last.
      const at = result.total.groups.findIndex((g) => g.key === UNALLOCATED);
      result.total.groups.splice(at < 0 ? result.total.groups.length : at, 0, group);
    }
    group.direct += cost;
    group.total += cost;
    result.total.total += cost;
    if (options.dayZone) {
      const day = format(new TZDate(line.chargeStart.getTime(), options.dayZone), 'yyyy-MM-dd');
      let entry = days.get(day);
      if (!entry) {
        entry = { day, total: 0, groups: {} };
        days.set(day, entry);
        result.days.push(entry);
      }
      entry.total += cost;
      entry.groups[key] = (entry.groups[key] ?? 0) + cost;
    }
  }
  result.days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}
