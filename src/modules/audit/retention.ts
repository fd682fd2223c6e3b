/**
 * What retention may delete (ADR 0009). Pure: settings, holds, partitions and the clock in,
 * decisions out. The retention service asks the database the same questions in SQL; the
 * integration test checks the two agree.
 */

export type RetentionLog = 'audit' | 'accessLog';

export interface RetentionDays {
  auditDays: number;
  accessLogDays: number;
}

/** What an organization keeps when nobody set anything (issue 4). */
export const RETENTION_DEFAULTS: RetentionDays = { auditDays: 400, accessLogDays: 90 };
/** The least anyone may set; compliance packs may raise these later. */
export const RETENTION_MINIMUMS: RetentionDays = { auditDays: 30, accessLogDays: 7 };
export const RETENTION_MAXIMUMS: RetentionDays = { auditDays: 36_500, accessLogDays: 3_650 };

export const DAY_MS = 86_400_000;

export interface WorkspaceRetention {
  workspaceId: string;
  auditDays: number | null;
  accessLogDays: number | null;
}

export interface OrgRetention extends RetentionDays {
  orgId: string;
  workspaces: WorkspaceRetention[];
}

export interface LegalHold {
  id: string;
  orgId: string;
  scope: { type: 'organization' | 'workspace'; id: string };
  until: Date | null;
  releasedAt: Date | null;
}

export function isHoldActive(hold: LegalHold, now: Date): boolean {
  return hold.releasedAt === null && (hold.until === null || hold.until.getTime() > now.getTime());
}

/** How one organization's records of one log are kept, at one moment. */
export interface OrgPolicy {
  orgId: string | null;
  /** An active organization hold: nothing of the org may go. */
  orgHeld: boolean;
  heldWorkspaces: ReadonlySet<string>;
  /** The active holds that apply (for the record of a run). */
  holdIds: string[];
  /** Records older than this may go, unless their workspace says otherwise. */
  cutoff: Date;
  workspaceCutoffs: ReadonlyMap<string, Date>;
}

export interface RetentionPlanInput {
  log: RetentionLog;
  now: Date;
  settings: OrgRetention[];
  holds: LegalHold[];
  defaults?: RetentionDays;
}

export interface RetentionPlan {
  log: RetentionLog;
  now: Date;
  policyFor(orgId: string | null): OrgPolicy;
  /** The oldest cutoff anywhere: a partition ending before it may be all deletable. */
  examineBefore: Date;
}

function daysOf(log: RetentionLog, days: RetentionDays | WorkspaceRetention): number | null {
  return log === 'audit' ? days.auditDays : days.accessLogDays;
}

export function cutoffOf(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export function planRetention(input: RetentionPlanInput): RetentionPlan {
  const { log, now } = input;
  const defaults = input.defaults ?? RETENTION_DEFAULTS;
  const settings = new Map(input.settings.map((s) => [s.orgId, s]));
  const active = input.holds.filter((h) => isHoldActive(h, now));
  const defaultDays = daysOf(log, defaults)!;

  const policyFor = (orgId: string | null): OrgPolicy => {
    const own = orgId === null ? undefined : settings.get(orgId);
    const holds = orgId === null ? [] : active.filter((h) => h.orgId === orgId);
    const orgDays = own ? daysOf(log, own)! : defaultDays;
    const workspaceCutoffs = new Map<string, Date>();
    for (const ws of own?.workspaces ?? []) {
      const days = daysOf(log, ws);
      if (days !== null) workspaceCutoffs.set(ws.workspaceId, cutoffOf(now, days));
    }
    return {
      orgId,
      orgHeld: holds.some((h) => h.scope.type === 'organization'),
      heldWorkspaces: new Set(holds.filter((h) => h.scope.type === 'workspace').map((h) => h.scope.id)),
      holdIds: holds.map((h) => h.id),
      cutoff: cutoffOf(now, orgDays),
      workspaceCutoffs,
    };
  };

  let longest = defaultDays;
  for (const s of input.settings) {
    longest = Math.max(longest, daysOf(log, s)!);
    for (const ws of s.workspaces) longest = Math.max(longest, daysOf(log, ws) ?? 0);
  }
  return { log, now, policyFor, examineBefore: cutoffOf(now, longest) };
}

export function cutoffFor(policy: OrgPolicy, workspaceId: string | null): Date {
  return (workspaceId !== null ? policy.workspaceCutoffs.get(workspaceId) : undefined) ?? policy.cutoff;
}

/** The newest of an org's cutoffs: everything retention removes of it happened before this. */
export function latestCutoff(policy: OrgPolicy): Date {
  return new Date(Math.max(policy.cutoff.getTime(), ...[...policy.workspaceCutoffs.values()].map((d) => d.getTime())));
}

export function isHeld(policy: OrgPolicy, workspaceId: string | null): boolean {
  return policy.orgHeld || (workspaceId !== null && policy.heldWorkspaces.has(workspaceId));
}

export interface RetainedRecord {
  orgId: string | null;
  workspaceId: string | null;
  at: Date;
  /** Audit events only: sealed into the org's tree (unsealed events never go). */
  sealed?: boolean;
}

/** May retention delete this record now? */
export function mayDelete(plan: RetentionPlan, record: RetainedRecord): boolean {
  if (plan.log === 'audit' && (record.sealed !== true || record.orgId === null)) return false;
  const policy = plan.policyFor(record.orgId);
  if (isHeld(policy, record.workspaceId)) return false;
  return record.at.getTime() < cutoffFor(policy, record.workspaceId).getTime();
}

export interface PartitionFacts {
  name: string;
  /** Inclusive lower and exclusive upper bound of the partition's time range. */
  from: Date;
  to: Date;
  /** Every (org, workspace) with records in the partition. */
  contents: { orgId: string | null; workspaceId: string | null }[];
  /** Audit partitions: every event in it is sealed. */
  allSealed?: boolean;
}

/** Partitions worth examining: those that end before the oldest cutoff. */
export function partitionCandidates<T extends Pick<PartitionFacts, 'to'>>(plan: RetentionPlan, partitions: T[]): T[] {
  return partitions.filter((p) => p.to.getTime() <= plan.examineBefore.getTime());
}

/**
 * May the whole partition be dropped? Only when every record it can hold could be deleted
 * one by one: for each (org, workspace) in it, no hold applies and the partition ends at or
 * before that workspace's cutoff (so its newest possible record is older), and, for the audit
 * log, every event in it is sealed.
 */
export function mayDropPartition(plan: RetentionPlan, partition: PartitionFacts): boolean {
  if (plan.log === 'audit' && partition.allSealed !== true) return false;
  return partition.contents.every(({ orgId, workspaceId }) => {
    if (plan.log === 'audit' && orgId === null) return false;
    const policy = plan.policyFor(orgId);
    return !isHeld(policy, workspaceId) && partition.to.getTime() <= cutoffFor(policy, workspaceId).getTime();
  });
}

export interface SeqRange {
  fromSeq: number;
  toSeq: number;
}

/** Sorted, merged, inclusive ranges of the given sequence numbers. */
export function seqRanges(seqs: Iterable<number>): SeqRange[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const ranges: SeqRange[] = [];
  for (const seq of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && seq === last.toSeq + 1) last.toSeq = seq;
    else ranges.push({ fromSeq: seq, toSeq: seq });
  }
  return ranges;
}

/** The time range of a partition named by ensure_audit_partitions / ensure_access_log_partitions. */
export function partitionRange(name: string): { from: Date; to: Date } | null {
  const month = /^audit_events_(\d{4})(\d{2})$/.exec(name);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]) - 1;
    return { from: new Date(Date.UTC(y, m, 1)), to: new Date(Date.UTC(y, m + 1, 1)) };
  }
  const day = /^access_log_(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (day) {
    const from = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
    return { from, to: new Date(from.getTime() + DAY_MS) };
  }
  return null;
}
