import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { NotificationField } from './channel-schemas.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type NullableSealed = ColumnType<SealedSecret | null, string | null | undefined, string | null>;
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;

export type SendStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

export type ChannelTables = {
  notification_channels: {
    id: string;
    org_id: string;
    name: string;
    kind: 'email' | 'slack';
    recipients: ColumnType<string[], string | undefined, string>;
    webhook_url_sealed: NullableSealed;
    webhook_host: NullableText;
    enabled: boolean;
    version: ColumnType<number, undefined, number>;
    created_by: string;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  notification_sends: {
    id: string;
    org_id: string;
    channel_id: string;
    dedup_key: string;
    subject: string;
    body: string;
    fields: ColumnType<NotificationField[], string | undefined, string>;
    status: ColumnType<SendStatus, SendStatus | undefined, SendStatus>;
    attempts: ColumnType<number, number | undefined, number>;
    last_error: NullableText;
    sent_at: NullableTimestamp;
    created_at: Timestamp;
  };
};

export type ChannelRow = Selectable<ChannelTables['notification_channels']>;
export type SendRow = Selectable<ChannelTables['notification_sends']>;
/** A channel with the state of its latest message, as the API shows it. */
export type ChannelWithState = ChannelRow & { last_sent_at: Date | null; last_error: string | null };

function q(db: Queryable) {
  return db.withTables<ChannelTables>();
}

export async function insertChannel(
  db: Queryable,
  row: { id: string; org_id: string; name: string; kind: 'email' | 'slack'; recipients: string[]; webhook_url_sealed: SealedSecret | null; webhook_host: string | null; enabled: boolean; created_by: string },
): Promise<ChannelRow> {
  return q(db)
    .insertInto('notification_channels')
    .values({ ...row, recipients: JSON.stringify(row.recipients), webhook_url_sealed: row.webhook_url_sealed ? JSON.stringify(row.webhook_url_sealed) : null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Channels with their latest send's outcome (one lateral lookup per channel, on an index). */
function withState(db: Queryable) {
  return q(db)
    .selectFrom('notification_channels as c')
    .selectAll('c')
    .select([
      sql<Date | null>`(SELECT max(s.sent_at) FROM notification_sends s WHERE s.channel_id = c.id)`.as('last_sent_at'),
      sql<string | null>`(SELECT s.last_error FROM notification_sends s WHERE s.channel_id = c.id ORDER BY s.id DESC LIMIT 1)`.as('last_error'),
    ]);
}

export async function findChannel(db: Queryable, orgId: string, id: string): Promise<ChannelWithState | undefined> {
  return withState(db).where('c.org_id', '=', orgId).where('c.id', '=', id).executeTakeFirst();
}

export async function listChannels(db: Queryable, orgId: string, after: string | null, limit: number): Promise<ChannelWithState[]> {
  let query = withState(db).where('c.org_id', '=', orgId);
  if (after) query = query.where('c.id', '>', after);
  return query.orderBy('c.id').limit(limit + 1).execute();
}

export interface ChannelChanges {
  name?: string;
  recipients?: string[];
  webhook_url_sealed?: SealedSecret;
  webhook_host?: string;
  enabled?: boolean;
}

export async function updateChannel(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: ChannelChanges) {
  let query = q(db)
    .updateTable('notification_channels')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.recipients !== undefined ? { recipients: JSON.stringify(changes.recipients) } : {}),
      ...(changes.webhook_url_sealed !== undefined ? { webhook_url_sealed: JSON.stringify(changes.webhook_url_sealed) } : {}),
      ...(changes.webhook_host !== undefined ? { webhook_host: changes.webhook_host } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returning('id').executeTakeFirst();
}

export async function deleteChannel(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('notification_channels').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The enabled channels of an org among `ids`, for a notify() fan-out. */
export async function enabledChannels(db: Queryable, orgId: string, ids: readonly string[]): Promise<ChannelRow[]> {
  if (ids.length === 0) return [];
  return q(db).selectFrom('notification_channels').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).where('enabled', '=', true).execute();
}

export async function existingChannelIds(db: Queryable, orgId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await q(db).selectFrom('notification_channels').select('id').where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  return rows.map((r) => r.id);
}

// ---- sends ----

/** Inserts a send unless (channel, dedup key) exists; returns its id only when inserted. */
export async function insertSendOnce(
  db: Queryable,
  row: { id: string; org_id: string; channel_id: string; dedup_key: string; subject: string; body: string; fields: NotificationField[] },
): Promise<string | null> {
  const inserted = await q(db)
    .insertInto('notification_sends')
    .values({ ...row, fields: JSON.stringify(row.fields) })
    .onConflict((oc) => oc.columns(['org_id', 'channel_id', 'dedup_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id ?? null;
}

export async function findSend(db: Queryable, orgId: string, id: string): Promise<SendRow | undefined> {
  return q(db).selectFrom('notification_sends').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findChannelById(db: Queryable, orgId: string, id: string): Promise<ChannelRow | undefined> {
  return q(db).selectFrom('notification_channels').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function recordSendOutcome(db: Queryable, orgId: string, id: string, status: SendStatus, error: string | null): Promise<void> {
  await q(db)
    .updateTable('notification_sends')
    .set({
      status,
      attempts: sql`attempts + 1`,
      last_error: error,
      ...(status === 'sent' ? { sent_at: sql`now()` } : {}),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}
