import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { DeliveryStatus } from './webhook-schemas.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Sealed = ColumnType<SealedSecret, string, string>;
type NullableSealed = ColumnType<SealedSecret | null, string | null | undefined, string | null>;

export type WebhookTables = {
  webhook_endpoints: {
    id: string;
    org_id: string;
    name: string;
    description: string;
    url: string;
    event_types: ColumnType<string[], string, string>;
    enabled: boolean;
    disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
    secret_sealed: Sealed;
    previous_secret_sealed: NullableSealed;
    previous_secret_expires_at: NullableTimestamp;
    rotated_at: NullableTimestamp;
    cursor_seq: ColumnType<string, number | undefined, number>;
    consecutive_failures: ColumnType<number, number | undefined, number>;
    version: ColumnType<number, undefined, number>;
    created_by: string;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  webhook_deliveries: {
    id: string;
    org_id: string;
    endpoint_id: string;
    event_id: string;
    event_type: string;
    payload: string;
    status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
    attempts: ColumnType<number, number | undefined, number>;
    next_attempt_at: Timestamp;
    last_status_code: ColumnType<number | null, number | null | undefined, number | null>;
    last_error: ColumnType<string | null, string | null | undefined, string | null>;
    latency_ms: ColumnType<number | null, number | null | undefined, number | null>;
    delivered_at: NullableTimestamp;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  webhook_delivery_attempts: {
    id: ColumnType<string, undefined, never>;
    delivery_id: string;
    attempted_at: Timestamp;
    url: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    response_body: string | null;
  };
};

export type EndpointRow = Selectable<WebhookTables['webhook_endpoints']>;
export type DeliveryRow = Selectable<WebhookTables['webhook_deliveries']>;
export type AttemptRow = Selectable<WebhookTables['webhook_delivery_attempts']>;

function q(db: Queryable) {
  return db.withTables<WebhookTables>();
}

// ---- endpoints ----

export async function insertEndpoint(
  db: Queryable,
  row: { id: string; org_id: string; name: string; description: string; url: string; event_types: string[]; enabled: boolean; secret_sealed: SealedSecret; cursor_seq: number; created_by: string },
) {
  return q(db)
    .insertInto('webhook_endpoints')
    .values({ ...row, event_types: JSON.stringify(row.event_types), secret_sealed: JSON.stringify(row.secret_sealed) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findEndpoint(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listEndpoints(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export interface EndpointChanges {
  name?: string;
  description?: string;
  url?: string;
  event_types?: string[];
  enabled?: boolean;
  /** Set when (re-)enabling: events sealed while the endpoint was off are skipped. */
  cursor_seq?: number;
}

export async function updateEndpoint(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: EndpointChanges) {
  let query = q(db)
    .updateTable('webhook_endpoints')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.event_types !== undefined ? { event_types: JSON.stringify(changes.event_types) } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.enabled === true ? { disabled_reason: null, consecutive_failures: 0 } : {}),
      ...(changes.cursor_seq !== undefined ? { cursor_seq: changes.cursor_seq } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function rotateSecret(db: Queryable, orgId: string, id: string, secret: SealedSecret, previous: SealedSecret | null, previousExpiresAt: Date | null) {
  return q(db)
    .updateTable('webhook_endpoints')
    .set({
      secret_sealed: JSON.stringify(secret),
      previous_secret_sealed: previous ? JSON.stringify(previous) : null,
      previous_secret_expires_at: previousExpiresAt,
      rotated_at: sql`now()`,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteEndpoint(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('webhook_endpoints').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Enabled endpoints whose org may have events they have not looked at, locked for one fan-out. */
export async function lockEndpointsForFanOut(db: Queryable, orgId: string | null, afterId: string | null, limit: number) {
  let query = q(db).selectFrom('webhook_endpoints').selectAll().where('enabled', '=', true);
  if (orgId) query = query.where('org_id', '=', orgId);
  if (afterId) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).forUpdate().skipLocked().execute();
}

export async function advanceCursor(db: Queryable, id: string, cursorSeq: number): Promise<void> {
  await q(db).updateTable('webhook_endpoints').set({ cursor_seq: cursorSeq }).where('id', '=', id).execute();
}

/** A delivery failed for good: count it, and disable the endpoint at the threshold. */
export async function recordEndpointFailure(db: Queryable, id: string, disableAfter: number) {
  return q(db)
    .updateTable('webhook_endpoints')
    .set({
      consecutive_failures: sql`consecutive_failures + 1`,
      enabled: sql`CASE WHEN consecutive_failures + 1 >= ${disableAfter} THEN false ELSE enabled END`,
      disabled_reason: sql`CASE WHEN consecutive_failures + 1 >= ${disableAfter} AND enabled THEN ${`disabled after ${disableAfter} consecutive failed deliveries`} ELSE disabled_reason END`,
      version: sql`CASE WHEN consecutive_failures + 1 >= ${disableAfter} AND enabled THEN version + 1 ELSE version END`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function recordEndpointSuccess(db: Queryable, id: string): Promise<void> {
  await q(db).updateTable('webhook_endpoints').set({ consecutive_failures: 0 }).where('id', '=', id).where('consecutive_failures', '>', 0).execute();
}

// ---- deliveries ----

export interface NewDelivery {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: string;
}

/** Idempotent per (endpoint, event). */
export async function insertDeliveries(db: Queryable, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await q(db)
    .insertInto('webhook_deliveries')
    .values(rows)
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function insertDelivery(db: Queryable, row: NewDelivery) {
  return q(db).insertInto('webhook_deliveries').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findDelivery(db: Queryable, orgId: string, endpointId: string, id: string) {
  return q(db)
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listDeliveries(db: Queryable, orgId: string, endpointId: string, status: DeliveryStatus | undefined, before: string | null, limit: number) {
  let query = q(db).selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId).where('endpoint_id', '=', endpointId);
  if (status) query = query.where('status', '=', status);
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit + 1).execute();
}

export async function listAttempts(db: Queryable, deliveryId: string) {
  return q(db).selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();
}

/**
 * Claims due deliveries of enabled endpoints for one replica: SKIP LOCKED picks rows no
 * other replica is claiming, and the lease (next_attempt_at moved ahead) keeps them off
 * every replica while the HTTP call runs outside any transaction. A replica that dies
 * mid-call leaves the delivery to be retried when the lease runs out.
 */
export async function claimDueDeliveries(db: Queryable, limit: number, leaseMs: number) {
  const result = await sql<DeliveryRow>`
    UPDATE webhook_deliveries d
       SET next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval, updated_at = now()
     WHERE d.id IN (
       SELECT wd.id FROM webhook_deliveries wd
         JOIN webhook_endpoints e ON e.id = wd.endpoint_id AND e.enabled
        WHERE wd.status = 'pending' AND wd.next_attempt_at <= now()
        ORDER BY wd.next_attempt_at
        LIMIT ${limit}
        FOR UPDATE OF wd SKIP LOCKED)
    RETURNING d.*`.execute(db);
  return result.rows;
}

/** Claims one delivery now (ping), unless another replica holds it. */
export async function claimDelivery(db: Queryable, id: string, leaseMs: number) {
  const result = await sql<DeliveryRow>`
    UPDATE webhook_deliveries d
       SET next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval, updated_at = now()
     WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE id = ${id} AND status = 'pending' FOR UPDATE SKIP LOCKED)
    RETURNING d.*`.execute(db);
  return result.rows[0];
}

export interface AttemptOutcome {
  url: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseBody: string | null;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

export async function recordAttempt(db: Queryable, delivery: DeliveryRow, outcome: AttemptOutcome) {
  await q(db)
    .insertInto('webhook_delivery_attempts')
    .values({
      delivery_id: delivery.id,
      url: outcome.url,
      status_code: outcome.statusCode,
      error: outcome.error,
      duration_ms: outcome.durationMs,
      response_body: outcome.responseBody,
    })
    .execute();
  return q(db)
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      attempts: sql`attempts + 1`,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      latency_ms: outcome.durationMs,
      ...(outcome.nextAttemptAt ? { next_attempt_at: outcome.nextAttemptAt } : {}),
      ...(outcome.status === 'succeeded' ? { delivered_at: sql`now()` } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', delivery.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Redelivery: the same delivery (same webhook-id) goes out again with a fresh set of attempts. */
export async function resetDelivery(db: Queryable, orgId: string, id: string) {
  return q(db)
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`now()`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function countPending(db: Queryable): Promise<number> {
  const row = await q(db).selectFrom('webhook_deliveries').select(sql<string>`count(*)`.as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
  return Number(row.n);
}
