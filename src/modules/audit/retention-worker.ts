import { recordAudit } from '../../kernel/audit.ts';
import type { Queryable, Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { Kernel } from '../../kernel/index.ts';
import {
  DAY_MS,
  latestCutoff,
  mayDropPartition,
  partitionCandidates,
  partitionRange,
  planRetention,
  seqRanges,
  type OrgPolicy,
  type PartitionFacts,
  type RetentionLog,
  type RetentionPlan,
  type SeqRange,
} from './retention.ts';
import { retentionPrincipal } from './retention-service.ts';
import * as store from './retention-store.ts';

/**
 * Retention runs (ADR 0009): remove what retention allows, keep what legal holds cover, and
 * leave a record that makes every removal provable. One run at a time across replicas (a
 * session advisory lock); every deletion happens in a transaction that re-reads holds and
 * settings under a lock that placing a hold also takes.
 */

export type RetentionDeps = Pick<Kernel, 'db' | 'clock' | 'log'>;

/** Audit events one run removes per organization at most; the rest waits for the next run. */
export const MAX_PURGE_PER_ORG = 200_000;
/** Daily access log partitions kept ready ahead of time. */
const ACCESS_LOG_DAYS_AHEAD = 7;

export interface OrgOutcome {
  orgId: string;
  auditPurged: number;
  ranges: SeqRange[];
  auditBefore: string | null;
  accessLogDeleted: number;
  heldBy: string[];
  eventId: string | null;
}

export interface RetentionReport {
  runId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  orgs: OrgOutcome[];
  auditPartitionsDropped: { name: string; rows: number }[];
  accessLogPartitionsDropped: { name: string; rows: number }[];
  accessLogPartitionsCreated: number;
  /** Entries without an organization (sign-in, unauthenticated calls). */
  accessLogDeletedWithoutOrg: number;
}

async function loadPlan(db: Queryable, log: RetentionLog, now: Date): Promise<RetentionPlan> {
  const [settings, holds] = await Promise.all([store.allSettings(db), store.unreleasedHolds(db)]);
  return planRetention({ log, now, settings, holds });
}

async function partitionFacts(db: Queryable, parent: 'audit_events' | 'access_log', plan: RetentionPlan): Promise<PartitionFacts[]> {
  const named = (await store.partitionsOf(db, parent)).flatMap((name) => {
    const range = partitionRange(name);
    return range ? [{ name, ...range }] : [];
  });
  const facts: PartitionFacts[] = [];
  for (const p of partitionCandidates(plan, named)) {
    facts.push({
      ...p,
      contents: await store.partitionContents(db, p.name),
      ...(parent === 'audit_events' ? { allSealed: await store.auditPartitionAllSealed(db, p.name) } : {}),
    });
  }
  return facts;
}

function purgeRecord(runId: string, policy: OrgPolicy, seqs: number[]) {
  return {
    runId,
    count: seqs.length,
    ranges: seqRanges(seqs),
    before: latestCutoff(policy).toISOString(),
    cutoffs: {
      organization: policy.cutoff.toISOString(),
      workspaces: Object.fromEntries([...policy.workspaceCutoffs].map(([ws, at]) => [ws, at.toISOString()])),
    },
    heldBy: policy.holdIds,
  };
}

/** One org's share of a run, in one transaction: audit events listed, deleted and recorded; access log trimmed. */
async function retainOrg(deps: RetentionDeps, runId: string, orgId: string, now: Date, dryRun: boolean, keepForDrop: string[]): Promise<OrgOutcome> {
  return deps.db.transaction().execute(async (tx: Tx) => {
    await store.lockForDeletion(tx);
    const audit = (await loadPlan(tx, 'audit', now)).policyFor(orgId) as OrgPolicy & { orgId: string };
    const access = (await loadPlan(tx, 'accessLog', now)).policyFor(orgId);
    let seqs: number[] = [];
    let eventId: string | null = null;
    if (!audit.orgHeld) {
      if (dryRun) {
        seqs = await store.countEligibleAuditEvents(tx, audit, MAX_PURGE_PER_ORG);
      } else {
        await store.enterRetentionRun(tx, runId);
        seqs = await store.recordAuditPurge(tx, runId, audit, now, MAX_PURGE_PER_ORG);
        if (seqs.length) {
          await store.deletePurgedEvents(tx, runId, orgId, keepForDrop);
          // Sealed later like any event: a removal that no sealed retention:purge names is a finding.
          eventId = await recordAudit(tx, retentionPrincipal, {
            action: 'retention:purge',
            orgId,
            target: { type: 'organization', id: orgId },
            after: purgeRecord(runId, audit, seqs),
          });
        }
      }
    }
    const accessLogDeleted = await store.deleteAccessLog(tx, access, dryRun);
    const outcome: OrgOutcome = {
      orgId,
      auditPurged: seqs.length,
      ranges: seqRanges(seqs),
      auditBefore: seqs.length ? latestCutoff(audit).toISOString() : null,
      accessLogDeleted,
      heldBy: [...new Set([...audit.holdIds, ...access.holdIds])],
      eventId,
    };
    if (outcome.auditPurged || outcome.accessLogDeleted || outcome.heldBy.length) {
      await store.insertRunOrg(tx, { ...outcome, runId, auditBefore: seqs.length ? latestCutoff(audit) : null });
    }
    return outcome;
  });
}

/** Drops a whole partition after re-checking, under the lock, that the plan still allows it. */
async function dropIfStillAllowed(deps: RetentionDeps, parent: 'audit_events' | 'access_log', log: RetentionLog, name: string, now: Date): Promise<number | null> {
  return deps.db.transaction().execute(async (tx) => {
    await store.lockForDeletion(tx);
    const plan = await loadPlan(tx, log, now);
    const fact = (await partitionFacts(tx, parent, plan)).find((f) => f.name === name);
    if (!fact || !mayDropPartition(plan, fact)) return null;
    // Every event of an audit partition must have its purge record before the partition goes.
    if (parent === 'audit_events' && !(await store.auditPartitionAllPurged(tx, name))) return null;
    const rows = await store.partitionRowCount(tx, name);
    await store.dropPartition(tx, parent, name);
    return rows;
  });
}

async function droppable(deps: RetentionDeps, parent: 'audit_events' | 'access_log', log: RetentionLog, now: Date): Promise<{ name: string; rows: number }[]> {
  const plan = await loadPlan(deps.db, log, now);
  const out: { name: string; rows: number }[] = [];
  for (const fact of await partitionFacts(deps.db, parent, plan)) {
    if (mayDropPartition(plan, fact)) out.push({ name: fact.name, rows: await store.partitionRowCount(deps.db, fact.name) });
  }
  return out;
}

async function execute(deps: RetentionDeps, runId: string, now: Date, dryRun: boolean): Promise<Omit<RetentionReport, 'runId' | 'dryRun' | 'startedAt' | 'finishedAt'>> {
  const accessLogPartitionsCreated = dryRun ? 0 : await store.ensureAccessLogPartitions(deps.db, new Date(now.getTime() - DAY_MS), ACCESS_LOG_DAYS_AHEAD + 2);

  // Whole access log days first: what goes with a partition need not be deleted row by row.
  const accessLogPartitionsDropped: { name: string; rows: number }[] = [];
  for (const p of await droppable(deps, 'access_log', 'accessLog', now)) {
    const rows = dryRun ? p.rows : await dropIfStillAllowed(deps, 'access_log', 'accessLog', p.name, now);
    if (rows !== null) accessLogPartitionsDropped.push({ name: p.name, rows });
  }

  const auditDrops = await droppable(deps, 'audit_events', 'audit', now);
  const orgIds = [...new Set([...(await store.knownOrgs(deps.db)), ...(await store.allSettings(deps.db)).map((s) => s.orgId)])].sort();
  const orgs: OrgOutcome[] = [];
  for (const orgId of orgIds) {
    try {
      orgs.push(await retainOrg(deps, runId, orgId, now, dryRun, auditDrops.map((d) => d.name)));
    } catch (error) {
      deps.log.error({ err: error, orgId, runId }, 'retention of an organization failed');
      throw error;
    }
  }

  const auditPartitionsDropped: { name: string; rows: number }[] = [];
  for (const p of auditDrops) {
    const rows = dryRun ? p.rows : await dropIfStillAllowed(deps, 'audit_events', 'audit', p.name, now);
    if (rows !== null) auditPartitionsDropped.push({ name: p.name, rows });
  }

  const withoutOrg = (await loadPlan(deps.db, 'accessLog', now)).policyFor(null);
  const accessLogDeletedWithoutOrg = await store.deleteAccessLog(deps.db, withoutOrg, dryRun);
  return {
    orgs: orgs.filter((o) => o.auditPurged || o.accessLogDeleted || o.heldBy.length),
    auditPartitionsDropped,
    accessLogPartitionsDropped,
    accessLogPartitionsCreated,
    accessLogDeletedWithoutOrg,
  };
}

/**
 * One retention run over every organization. Returns null when another replica is running
 * one. A dry run changes nothing and reports what a run would remove.
 */
export async function runRetention(deps: RetentionDeps, options: { dryRun?: boolean } = {}): Promise<RetentionReport | null> {
  const dryRun = options.dryRun ?? false;
  return deps.db.connection().execute(async (conn) => {
    if (!(await store.tryLockRun(conn))) return null;
    const runId = newId('retentionRun');
    const now = deps.clock.now();
    try {
      await store.insertRun(deps.db, { id: runId, startedAt: now, dryRun });
      try {
        const result = await execute(deps, runId, now, dryRun);
        const report: RetentionReport = { runId, dryRun, startedAt: now.toISOString(), finishedAt: deps.clock.now().toISOString(), ...result };
        await store.finishRun(deps.db, runId, 'succeeded', deps.clock.now(), report, null);
        return report;
      } catch (error) {
        await store.finishRun(deps.db, runId, 'failed', deps.clock.now(), null, error instanceof Error ? error.message : String(error));
        throw error;
      }
    } finally {
      await store.unlockRun(conn);
    }
  });
}

export interface RetentionWorker {
  start(): void;
  stop(): Promise<void>;
}

/**
 * The daily worker. Every `checkEveryMs` (an hour) it makes sure the next days' access log
 * partitions exist, and runs retention when the last successful run is older than
 * `intervalMs` — so restarts and several replicas do not multiply runs.
 */
export function createRetentionWorker(deps: RetentionDeps, options: { intervalMs: number; checkEveryMs?: number; firstCheckMs?: number }): RetentionWorker {
  const checkEveryMs = Math.min(options.checkEveryMs ?? 3_600_000, options.intervalMs);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  async function tick(): Promise<void> {
    const now = deps.clock.now();
    await store.ensureAccessLogPartitions(deps.db, new Date(now.getTime() - DAY_MS), ACCESS_LOG_DAYS_AHEAD + 2);
    const last = await store.lastFinishedRun(deps.db);
    if (last && now.getTime() - last.getTime() < options.intervalMs) return;
    const report = await runRetention(deps);
    if (report) {
      const purged = report.orgs.reduce((n, o) => n + o.auditPurged, 0);
      deps.log.info({ runId: report.runId, auditPurged: purged, auditPartitionsDropped: report.auditPartitionsDropped.length, accessLogPartitionsDropped: report.accessLogPartitionsDropped.length }, 'retention run finished');
    }
  }

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => deps.log.error({ err: error }, 'retention run failed'))
        .then(() => schedule(checkEveryMs));
    }, delay);
    timer.unref();
  };
  return {
    start() {
      stopped = false;
      schedule(options.firstCheckMs ?? 30_000);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
