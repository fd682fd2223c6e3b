import { sql, type ColumnType, type Selectable } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { DestinationConfig, StreamFilters, StreamKind } from './stream-schemas.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
type Count = ColumnType<string, never, never>;

export type StreamStatus = 'active' | 'paused' | 'dead_letter';

export interface UnsettledBatch {
  /** The cursor before the batch. */
  from: number;
  /** When it was confirmed (Unix ms). */
  at: number;
}

export type StreamTables = {
  audit_streams: {
    id: string;
    org_id: string;
    name: string;
    kind: StreamKind;
    destination: Json<DestinationConfig>;
    secrets_sealed: ColumnType<SealedSecret | null, string | null, string | null>;
    filters: Json<StreamFilters>;
    batch_max_events: number;
    batch_max_wait_ms: number;
    max_attempts: number;
    status: ColumnType<StreamStatus, StreamStatus | undefined, StreamStatus>;
    cursor: ColumnType<string, undefined, never>;
    delivered_count: Count;
    failure_count: Count;
    consecutive_failures: ColumnType<number, undefined, never>;
    last_delivered_at: NullableTimestamp;
    last_error: ColumnType<string | null, undefined, never>;
    last_error_at: NullableTimestamp;
    next_attempt_at: Timestamp;
    lease_owner: ColumnType<string | null, undefined, never>;
    lease_until: NullableTimestamp;
    /** Batches confirmed within the sink's settle window: where each started, and when (ms). */
    unsettled: ColumnType<UnsettledBatch[], never, never>;
    version: ColumnType<number, undefined, never>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  audit_trees: { org_id: string; tree_size: ColumnType<string, never, never> };
};

export type StreamRow = Selectable<StreamTables['audit_streams']> & { sealed_count: string | null };

function q(db: Queryable) {
  return db.withTables<StreamTables>();
}

/** Every stream read comes with its org's tree size, so health (lag) needs no second query. */
function selectStreams(db: Queryable) {
  return q(db)
    .selectFrom('audit_streams as s')
    .leftJoin('audit_trees as t', 't.org_id', 's.org_id')
    .selectAll('s')
    .select('t.tree_size as sealed_count');
}

export interface NewStream {
  id: string;
  org_id: string;
  name: string;
  kind: StreamKind;
  destination: DestinationConfig;
  secrets_sealed: SealedSecret | null;
  filters: StreamFilters;
  batch_max_events: number;
  batch_max_wait_ms: number;
  max_attempts: number;
  /** A new stream starts at the log's current end: it streams what happens from now on. */
  cursor: number;
}

export async function insertStream(db: Queryable, row: NewStream): Promise<StreamRow> {
  const { cursor, ...rest } = row;
  await q(db)
    .insertInto('audit_streams')
    .values({
      ...rest,
      destination: JSON.stringify(row.destination),
      secrets_sealed: row.secrets_sealed ? JSON.stringify(row.secrets_sealed) : null,
      filters: JSON.stringify(row.filters),
      cursor: sql`${cursor}` as never,
    })
    .execute();
  return (await findStream(db, row.org_id, row.id))!;
}

export async function findStream(db: Queryable, orgId: string, id: string): Promise<StreamRow | undefined> {
  return selectStreams(db).where('s.org_id', '=', orgId).where('s.id', '=', id).executeTakeFirst();
}

export async function listStreams(db: Queryable, orgId: string, after: string | null, limit: number): Promise<StreamRow[]> {
  let query = selectStreams(db).where('s.org_id', '=', orgId);
  if (after) query = query.where('s.id', '>', after);
  return query.orderBy('s.id').limit(limit + 1).execute();
}

export interface StreamChanges {
  name?: string;
  destination?: DestinationConfig;
  secrets_sealed?: SealedSecret | null;
  filters?: StreamFilters;
  batch_max_events?: number;
  batch_max_wait_ms?: number;
  max_attempts?: number;
  status?: StreamStatus;
}

/** Applies a change (optimistically on `expectedVersion`); undefined when absent or stale. */
export async function updateStream(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: StreamChanges, extra: { cursor?: number; resetFailures?: boolean } = {}) {
  let query = q(db)
    .updateTable('audit_streams')
    .set({
      ...changes,
      ...(changes.destination ? { destination: JSON.stringify(changes.destination) } : {}),
      ...(changes.secrets_sealed !== undefined ? { secrets_sealed: changes.secrets_sealed ? JSON.stringify(changes.secrets_sealed) : null } : {}),
      ...(changes.filters ? { filters: JSON.stringify(changes.filters) } : {}),
      ...(extra.cursor !== undefined ? { cursor: sql`${extra.cursor}` } : {}),
      ...(extra.resetFailures ? { consecutive_failures: sql`0`, next_attempt_at: sql`now()` } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    } as never)
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  const updated = await query.returning('id').executeTakeFirst();
  return updated ? findStream(db, orgId, id) : undefined;
}

export async function deleteStream(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('audit_streams').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function treeSize(db: Queryable, orgId: string): Promise<number> {
  const row = await q(db).selectFrom('audit_trees').select('tree_size').where('org_id', '=', orgId).executeTakeFirst();
  return row ? Number(row.tree_size) : 0;
}

// ---- the delivery worker ----

/**
 * Claims up to `limit` active streams that are due and have sealed events past their cursor,
 * with a lease: SKIP LOCKED keeps two replicas from claiming the same row at once, and the
 * lease keeps it theirs (without a transaction held open over the network) until they finish.
 */
export async function claimDueStreams(db: Queryable, owner: string, leaseMs: number, limit: number): Promise<StreamRow[]> {
  const claimed = await sql<{ id: string; org_id: string }>`
    UPDATE audit_streams s SET lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE s.id IN (
      SELECT c.id FROM audit_streams c JOIN audit_trees t ON t.org_id = c.org_id
      WHERE c.status = 'active' AND c.next_attempt_at <= now() AND c.cursor < t.tree_size
        AND (c.lease_until IS NULL OR c.lease_until < now())
      ORDER BY c.next_attempt_at
      LIMIT ${limit}
      FOR UPDATE OF c SKIP LOCKED)
    RETURNING s.id, s.org_id`.execute(db);
  if (claimed.rows.length === 0) return [];
  return selectStreams(db).where('s.id', 'in', claimed.rows.map((r) => r.id)).where('s.lease_owner', '=', owner).execute();
}

/**
 * Records a delivered (or filtered-out) range: the cursor moves only if nobody moved it
 * meanwhile (a replay wins over a delivery in flight) and the lease is still ours. `unsettled`
 * is the stream's new list of batches still inside the sink's settle window.
 */
export async function recordProgress(db: Queryable, id: string, owner: string, fromCursor: number, toCursor: number, delivered: number, unsettled: UnsettledBatch[]): Promise<boolean> {
  const result = await sql`
    UPDATE audit_streams SET cursor = ${toCursor}, delivered_count = delivered_count + ${delivered}, unsettled = ${JSON.stringify(unsettled)}::jsonb,
      last_delivered_at = CASE WHEN ${delivered}::int > 0 THEN now() ELSE last_delivered_at END,
      consecutive_failures = 0, lease_owner = NULL, lease_until = NULL,
      next_attempt_at = now()
    WHERE id = ${id} AND lease_owner = ${owner} AND cursor = ${fromCursor}`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * Records a failed attempt; the stream goes to dead_letter after `max_attempts` in a row.
 * `rewindTo` moves the cursor back over batches that are not settled (they are sent again).
 */
export async function recordFailure(db: Queryable, id: string, owner: string, error: string, retryAt: Date, rewindTo: number | null): Promise<StreamStatus | null> {
  const result = await sql<{ status: StreamStatus }>`
    UPDATE audit_streams SET consecutive_failures = consecutive_failures + 1, failure_count = failure_count + 1,
      cursor = least(cursor, coalesce(${rewindTo}::bigint, cursor)), unsettled = '[]',
      last_error = ${error}, last_error_at = now(), next_attempt_at = ${retryAt},
      status = CASE WHEN status = 'active' AND consecutive_failures + 1 >= max_attempts THEN 'dead_letter' ELSE status END,
      lease_owner = NULL, lease_until = NULL
    WHERE id = ${id} AND lease_owner = ${owner}
    RETURNING status`.execute(db);
  return result.rows[0]?.status ?? null;
}

/** Gives a lease back without progress (e.g. a partial batch that may still wait). */
export async function releaseLease(db: Queryable, id: string, owner: string, nextAttemptAt: Date): Promise<void> {
  await sql`UPDATE audit_streams SET lease_owner = NULL, lease_until = NULL, next_attempt_at = ${nextAttemptAt}
    WHERE id = ${id} AND lease_owner = ${owner}`.execute(db);
}

/** Health of every stream, for /metrics. */
export async function streamMetrics(db: Queryable) {
  const result = await sql<{ id: string; org_id: string; lag: string; delivered_count: string; failure_count: string; last_delivered_at: Date | null; status: StreamStatus }>`
    SELECT s.id, s.org_id, greatest(coalesce(t.tree_size, 0) - s.cursor, 0) AS lag, s.delivered_count, s.failure_count, s.last_delivered_at, s.status
    FROM audit_streams s LEFT JOIN audit_trees t ON t.org_id = s.org_id
    ORDER BY s.id LIMIT 10000`.execute(db);
  return result.rows;
}
