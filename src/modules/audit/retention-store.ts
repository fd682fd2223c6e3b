import { sql, type ColumnType, type Insertable, type Selectable } from 'kysely';
import type { Queryable, Tx } from '../../kernel/db/index.ts';
import { latestCutoff, type LegalHold, type OrgPolicy, type OrgRetention, type SeqRange } from './retention.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type RetentionTables = {
  retention_settings: {
    org_id: string;
    audit_days: number;
    access_log_days: number;
    version: ColumnType<number, number | undefined, number>;
    updated_at: Timestamp;
    updated_by: string;
  };
  retention_workspace_settings: {
    org_id: string;
    workspace_id: string;
    audit_days: number | null;
    access_log_days: number | null;
  };
  legal_holds: {
    id: string;
    org_id: string;
    name: string;
    reason: string;
    scope_type: 'organization' | 'workspace';
    scope_id: string;
    until: Date | null;
    created_at: Timestamp;
    created_by: string;
    released_at: Date | null;
    released_by: string | null;
    release_reason: string | null;
    version: ColumnType<number, number | undefined, number>;
  };
  retention_runs: {
    id: string;
    started_at: Timestamp;
    finished_at: Date | null;
    dry_run: boolean;
    status: 'running' | 'succeeded' | 'failed';
    summary: ColumnType<unknown, string | null, string | null>;
    error: string | null;
  };
  retention_run_orgs: {
    run_id: string;
    org_id: string;
    audit_purged: ColumnType<string, number, never>;
    audit_ranges: ColumnType<SeqRange[], string, never>;
    audit_before: Date | null;
    access_log_deleted: ColumnType<string, number, never>;
    held_by: string[];
    event_id: string | null;
  };
  audit_trees: { org_id: string };
};

export type SettingsRow = Selectable<RetentionTables['retention_settings']>;
export type WorkspaceSettingsRow = Selectable<RetentionTables['retention_workspace_settings']>;
export type HoldRow = Selectable<RetentionTables['legal_holds']>;

function r(db: Queryable) {
  return db.withTables<RetentionTables>();
}

// ---- locks ----

const RETENTION_LOCK_CLASS = 727_102;

/**
 * Deletions take this lock shared, and a new hold or a settings change takes it exclusively:
 * a hold placed while a run is going waits for the run's open transaction, and every later
 * deletion sees it.
 */
export async function lockForDeletion(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock_shared(${RETENTION_LOCK_CLASS}, 0)`.execute(tx);
}

export async function lockAgainstDeletion(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${RETENTION_LOCK_CLASS}, 0)`.execute(tx);
}

/** One retention run at a time across replicas (a session lock, on the connection given). */
export async function tryLockRun(db: Queryable): Promise<boolean> {
  const result = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${RETENTION_LOCK_CLASS}, 1) AS locked`.execute(db);
  return result.rows[0]?.locked === true;
}

export async function unlockRun(db: Queryable): Promise<void> {
  await sql`SELECT pg_advisory_unlock(${RETENTION_LOCK_CLASS}, 1)`.execute(db);
}

// ---- settings ----

export async function findSettings(db: Queryable, orgId: string): Promise<{ row: SettingsRow; workspaces: WorkspaceSettingsRow[] } | null> {
  const row = await r(db).selectFrom('retention_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return null;
  const workspaces = await r(db).selectFrom('retention_workspace_settings').selectAll().where('org_id', '=', orgId).orderBy('workspace_id').execute();
  return { row, workspaces };
}

export async function saveSettings(
  tx: Tx,
  input: { orgId: string; auditDays: number; accessLogDays: number; updatedBy: string; at: Date; expectedVersion: number | undefined },
  workspaces: { workspaceId: string; auditDays: number | null; accessLogDays: number | null }[],
): Promise<SettingsRow | null> {
  const current = await r(tx).selectFrom('retention_settings').select('version').where('org_id', '=', input.orgId).forUpdate().executeTakeFirst();
  const version = current?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== version) return null;
  const values = { audit_days: input.auditDays, access_log_days: input.accessLogDays, updated_at: input.at, updated_by: input.updatedBy };
  const row = current
    ? await r(tx).updateTable('retention_settings').set({ ...values, version: version + 1 }).where('org_id', '=', input.orgId).returningAll().executeTakeFirstOrThrow()
    : await r(tx).insertInto('retention_settings').values({ org_id: input.orgId, ...values, version: 1 }).returningAll().executeTakeFirstOrThrow();
  await r(tx).deleteFrom('retention_workspace_settings').where('org_id', '=', input.orgId).execute();
  if (workspaces.length) {
    await r(tx)
      .insertInto('retention_workspace_settings')
      .values(workspaces.map((w) => ({ org_id: input.orgId, workspace_id: w.workspaceId, audit_days: w.auditDays, access_log_days: w.accessLogDays })))
      .execute();
  }
  return row;
}

/** Every organization's settings (small: one row per org that changed the defaults). */
export async function allSettings(db: Queryable): Promise<OrgRetention[]> {
  const rows = await r(db).selectFrom('retention_settings').selectAll().execute();
  const workspaces = await r(db).selectFrom('retention_workspace_settings').selectAll().execute();
  return rows.map((row) => ({
    orgId: row.org_id,
    auditDays: row.audit_days,
    accessLogDays: row.access_log_days,
    workspaces: workspaces
      .filter((w) => w.org_id === row.org_id)
      .map((w) => ({ workspaceId: w.workspace_id, auditDays: w.audit_days, accessLogDays: w.access_log_days })),
  }));
}

// ---- legal holds ----

export async function insertHold(tx: Tx, row: Omit<Insertable<RetentionTables['legal_holds']>, 'version' | 'released_at' | 'released_by' | 'release_reason'>): Promise<HoldRow> {
  return r(tx).insertInto('legal_holds').values({ ...row, released_at: null, released_by: null, release_reason: null }).returningAll().executeTakeFirstOrThrow();
}

export async function findHold(db: Queryable, orgId: string, holdId: string, forUpdate = false): Promise<HoldRow | undefined> {
  const query = r(db).selectFrom('legal_holds').selectAll().where('org_id', '=', orgId).where('id', '=', holdId);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function releaseHold(tx: Tx, holdId: string, at: Date, by: string, reason: string): Promise<HoldRow> {
  return r(tx)
    .updateTable('legal_holds')
    .set((eb) => ({ released_at: at, released_by: by, release_reason: reason, version: eb('version', '+', 1) }))
    .where('id', '=', holdId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listHolds(db: Queryable, orgId: string, filter: { status?: 'active' | 'expired' | 'released' }, now: Date, before: string | null, limit: number): Promise<HoldRow[]> {
  let query = r(db).selectFrom('legal_holds').selectAll().where('org_id', '=', orgId);
  if (filter.status === 'released') query = query.where('released_at', 'is not', null);
  if (filter.status === 'active') query = query.where('released_at', 'is', null).where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]));
  if (filter.status === 'expired') query = query.where('released_at', 'is', null).where('until', '<=', now);
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit + 1).execute();
}

/** Holds that are not released (expiry is decided by the caller's clock). */
export async function unreleasedHolds(db: Queryable): Promise<LegalHold[]> {
  const rows = await r(db).selectFrom('legal_holds').selectAll().where('released_at', 'is', null).execute();
  return rows.map(holdOf);
}

export function holdOf(row: HoldRow): LegalHold {
  return { id: row.id, orgId: row.org_id, scope: { type: row.scope_type, id: row.scope_id }, until: row.until, releasedAt: row.released_at };
}

// ---- runs ----

export async function insertRun(db: Queryable, run: { id: string; startedAt: Date; dryRun: boolean }): Promise<void> {
  await r(db).insertInto('retention_runs').values({ id: run.id, started_at: run.startedAt, dry_run: run.dryRun, status: 'running', finished_at: null, summary: null, error: null }).execute();
}

export async function finishRun(db: Queryable, id: string, status: 'succeeded' | 'failed', at: Date, summary: unknown, error: string | null): Promise<void> {
  await r(db).updateTable('retention_runs').set({ status, finished_at: at, summary: JSON.stringify(summary), error }).where('id', '=', id).execute();
}

export async function lastFinishedRun(db: Queryable): Promise<Date | null> {
  const row = await r(db).selectFrom('retention_runs').select('started_at').where('dry_run', '=', false).where('status', '=', 'succeeded')
    .orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  return row ? new Date(row.started_at) : null;
}

export async function insertRunOrg(db: Queryable, row: { runId: string; orgId: string; auditPurged: number; ranges: SeqRange[]; auditBefore: Date | null; accessLogDeleted: number; heldBy: string[]; eventId: string | null }): Promise<void> {
  await r(db).insertInto('retention_run_orgs').values({
    run_id: row.runId, org_id: row.orgId, audit_purged: row.auditPurged, audit_ranges: JSON.stringify(row.ranges), audit_before: row.auditBefore,
    access_log_deleted: row.accessLogDeleted, held_by: row.heldBy, event_id: row.eventId,
  }).execute();
}

export async function listRunsOfOrg(db: Queryable, orgId: string, before: string | null, limit: number) {
  let query = r(db)
    .selectFrom('retention_run_orgs as o')
    .innerJoin('retention_runs as run', 'run.id', 'o.run_id')
    .select(['run.id', 'run.started_at', 'run.finished_at', 'run.dry_run', 'run.status', 'o.audit_purged', 'o.audit_ranges', 'o.audit_before', 'o.access_log_deleted', 'o.held_by', 'o.event_id'])
    .where('o.org_id', '=', orgId);
  if (before) query = query.where('run.id', '<', before);
  return query.orderBy('run.id', 'desc').limit(limit + 1).execute();
}

/** Organizations with an audit tree: every organization (its creation is audited). */
export async function knownOrgs(db: Queryable): Promise<string[]> {
  const rows = await r(db).selectFrom('audit_trees').select('org_id').execute();
  return rows.map((x) => x.org_id);
}

// ---- the audit log ----

function cutoffArrays(policy: OrgPolicy) {
  return { ids: [...policy.workspaceCutoffs.keys()], cutoffs: [...policy.workspaceCutoffs.values()] };
}

/**
 * The sealed events of an org that the policy lets go and no run listed yet (the SQL form of
 * retention.ts `mayDelete`), oldest seq first.
 */
function eligibleAuditEvents(policy: OrgPolicy & { orgId: string }, limit: number) {
  const ws = cutoffArrays(policy);
  return sql`
    SELECT l.seq, e.id AS event_id
    FROM audit_events e
    JOIN audit_leaves l ON l.org_id = e.org_id AND l.event_id = e.id
    LEFT JOIN unnest(${ws.ids}::text[], ${ws.cutoffs}::timestamptz[]) AS w(id, cutoff) ON w.id = e.workspace_id
    WHERE e.org_id = ${policy.orgId}
      AND e.occurred_at < ${latestCutoff(policy)}
      AND e.occurred_at < COALESCE(w.cutoff, ${policy.cutoff})
      AND (e.workspace_id IS NULL OR NOT (e.workspace_id = ANY(${[...policy.heldWorkspaces]}::text[])))
      AND NOT EXISTS (SELECT 1 FROM audit_purged p WHERE p.org_id = e.org_id AND p.event_id = e.id)
    ORDER BY l.seq
    LIMIT ${limit}`;
}

export async function countEligibleAuditEvents(db: Queryable, policy: OrgPolicy & { orgId: string }, limit: number): Promise<number[]> {
  const result = await sql<{ seq: string }>`SELECT seq FROM (${eligibleAuditEvents(policy, limit)}) AS x`.execute(db);
  return result.rows.map((row) => Number(row.seq));
}

/** Names the run for the trigger's escape (transaction-local). */
export async function enterRetentionRun(tx: Tx, runId: string): Promise<void> {
  await sql`SELECT set_config('hexaplane.retention_run', ${runId}, true)`.execute(tx);
}

/** Lists the eligible events in audit_purged under this run; returns their seqs. */
export async function recordAuditPurge(tx: Tx, runId: string, policy: OrgPolicy & { orgId: string }, at: Date, limit: number): Promise<number[]> {
  const result = await sql<{ seq: string }>`
    INSERT INTO audit_purged (org_id, seq, event_id, run_id, purged_at)
    SELECT ${policy.orgId}, x.seq, x.event_id, ${runId}, ${at} FROM (${eligibleAuditEvents(policy, limit)}) AS x
    RETURNING seq`.execute(tx);
  return result.rows.map((row) => Number(row.seq));
}

/** Deletes the events this transaction listed, except those in partitions about to be dropped whole. */
export async function deletePurgedEvents(tx: Tx, runId: string, orgId: string, keepForDrop: string[]): Promise<number> {
  const result = await sql`
    DELETE FROM audit_events e USING audit_purged p
    WHERE p.run_id = ${runId} AND p.org_id = ${orgId} AND p.xact = pg_current_xact_id()
      AND e.org_id = p.org_id AND e.id = p.event_id
      AND NOT (e.tableoid::regclass::text = ANY(${keepForDrop}::text[]))`.execute(tx);
  return Number(result.numAffectedRows ?? 0);
}

// ---- partitions ----

export async function partitionsOf(db: Queryable, parent: 'audit_events' | 'access_log'): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = ${parent}::regclass ORDER BY c.relname`.execute(db);
  return result.rows.map((row) => row.name);
}

/** Every (org, workspace) with rows in the partition. */
export async function partitionContents(db: Queryable, partition: string): Promise<{ orgId: string | null; workspaceId: string | null }[]> {
  const result = await sql<{ org_id: string | null; workspace_id: string | null }>`
    SELECT DISTINCT org_id, workspace_id FROM ${sql.table(partition)}`.execute(db);
  return result.rows.map((row) => ({ orgId: row.org_id, workspaceId: row.workspace_id }));
}

export async function auditPartitionAllSealed(db: Queryable, partition: string): Promise<boolean> {
  const result = await sql<{ unsealed: boolean }>`
    SELECT EXISTS (SELECT 1 FROM ${sql.table(partition)} e
      WHERE NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.org_id = e.org_id AND l.event_id = e.id)) AS unsealed`.execute(db);
  return result.rows[0]?.unsealed === false;
}

export async function auditPartitionAllPurged(db: Queryable, partition: string): Promise<boolean> {
  const result = await sql<{ missing: boolean }>`
    SELECT EXISTS (SELECT 1 FROM ${sql.table(partition)} e
      WHERE NOT EXISTS (SELECT 1 FROM audit_purged p WHERE p.org_id = e.org_id AND p.event_id = e.id)) AS missing`.execute(db);
  return result.rows[0]?.missing === false;
}

export async function partitionRowCount(db: Queryable, partition: string): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(partition)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

export async function dropPartition(tx: Tx, parent: 'audit_events' | 'access_log', partition: string): Promise<void> {
  await sql`ALTER TABLE ${sql.table(parent)} DETACH PARTITION ${sql.table(partition)}`.execute(tx);
  await sql`DROP TABLE ${sql.table(partition)}`.execute(tx);
}

export async function ensureAccessLogPartitions(db: Queryable, fromDay: Date, days: number): Promise<number> {
  const result = await sql<{ n: number }>`SELECT ensure_access_log_partitions(${fromDay.toISOString().slice(0, 10)}::date, ${days}) AS n`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

// ---- the access log ----

/** Deletes an org's access log entries the policy lets go (none when the org is held). */
export async function deleteAccessLog(db: Queryable, policy: OrgPolicy, dryRun: boolean): Promise<number> {
  if (policy.orgHeld) return 0;
  const ws = cutoffArrays(policy);
  const where = sql`
    ${policy.orgId === null ? sql`a.org_id IS NULL` : sql`a.org_id = ${policy.orgId}`}
    AND a.at < ${latestCutoff(policy)}
    AND a.at < COALESCE((SELECT w.cutoff FROM unnest(${ws.ids}::text[], ${ws.cutoffs}::timestamptz[]) AS w(id, cutoff) WHERE w.id = a.workspace_id), ${policy.cutoff})
    AND (a.workspace_id IS NULL OR NOT (a.workspace_id = ANY(${[...policy.heldWorkspaces]}::text[])))`;
  if (dryRun) {
    const result = await sql<{ n: string }>`SELECT count(*) AS n FROM access_log a WHERE ${where}`.execute(db);
    return Number(result.rows[0]?.n ?? 0);
  }
  const result = await sql`DELETE FROM access_log a WHERE ${where}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
