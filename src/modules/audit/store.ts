import { sql, type ColumnType, type RawBuilder, type Selectable } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { KernelTables, Queryable, Tx } from '../../kernel/db/index.ts';
import type { NodeId, StoredNode } from './merkle.ts';
import type { AuditQuery } from './schemas.ts';
import type { AuditLeafRow, SealedEventRow, SignedCheckpoint } from './sealing.ts';

/** The audit module reads the kernel's append-only audit_events table; it never writes it. */
export type AuditEventRow = Selectable<KernelTables['audit_events']>;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The search filters as one SQL condition over audit_events (aliased `alias` when given). */
export function auditFilterSql(filter: AuditQuery, alias?: string): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(alias ? `${alias}.${name}` : name);
  const conditions: RawBuilder<unknown>[] = [sql`true`];
  if (filter.actorId) conditions.push(sql`${col('actor_id')} = ${filter.actorId}`);
  if (filter.action) {
    conditions.push(
      filter.action.includes(':') && !filter.action.endsWith(':')
        ? sql`${col('action')} = ${filter.action}`
        : sql`${col('action')} LIKE ${`${escapeLike(filter.action)}%`}`,
    );
  }
  if (filter.targetId) conditions.push(sql`${col('target_id')} = ${filter.targetId}`);
  if (filter.workspaceId) conditions.push(sql`${col('workspace_id')} = ${filter.workspaceId}`);
  if (filter.outcome) conditions.push(sql`${col('outcome')} = ${filter.outcome}`);
  if (filter.from) conditions.push(sql`${col('occurred_at')} >= ${new Date(filter.from)}`);
  if (filter.to) conditions.push(sql`${col('occurred_at')} < ${new Date(filter.to)}`);
  if (filter.q) {
    const like = `%${escapeLike(filter.q)}%`;
    conditions.push(
      sql`(${col('action')} ILIKE ${like} OR ${col('actor_name')} ILIKE ${like} OR ${col('target_name')} ILIKE ${like} OR ${col('reason')} ILIKE ${like})`,
    );
  }
  return sql<boolean>`(${sql.join(conditions, sql` AND `)})`;
}

export async function listEvents(db: Queryable, orgId: string, filter: AuditQuery, before: string | null, limit: number) {
  let query = db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).where(auditFilterSql(filter));
  // Newest first: ids are time-ordered, so "before this id" pages backwards in time.
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit + 1).execute();
}

/** Event counts by outcome per bucket of [from, to), zero-filled. */
export async function timeline(db: Queryable, orgId: string, filter: AuditQuery, bucket: 'hour' | 'day', from: Date, to: Date) {
  const step = bucket === 'hour' ? '1 hour' : '1 day';
  const result = await sql<{ start: Date; success: string; denied: string; failed: string }>`
    WITH counts AS (
      SELECT date_trunc(${bucket}, occurred_at, 'UTC') AS start, outcome, count(*) AS n
      FROM audit_events
      WHERE org_id = ${orgId} AND occurred_at >= ${from} AND occurred_at < ${to} AND ${auditFilterSql(filter)}
      GROUP BY 1, 2)
    SELECT s.start,
      coalesce(sum(c.n) FILTER (WHERE c.outcome = 'success'), 0) AS success,
      coalesce(sum(c.n) FILTER (WHERE c.outcome = 'denied'), 0) AS denied,
      coalesce(sum(c.n) FILTER (WHERE c.outcome = 'failed'), 0) AS failed
    FROM generate_series(date_trunc(${bucket}, ${from}::timestamptz, 'UTC'), ${to}::timestamptz - interval '1 microsecond', ${step}::interval) AS s(start)
    LEFT JOIN counts c ON c.start = s.start
    GROUP BY s.start ORDER BY s.start`.execute(db);
  return result.rows;
}

// ---- saved searches ----

type SavedSearchTables = {
  audit_saved_searches: {
    id: string;
    org_id: string;
    owner_id: string;
    name: string;
    filters: ColumnType<AuditQuery, string, string>;
    shared: boolean;
    created_at: ColumnType<Date, Date | undefined, never>;
    updated_at: ColumnType<Date, Date | undefined, ReturnType<typeof sql>>;
    version: ColumnType<number, number | undefined, ReturnType<typeof sql>>;
  };
};

export type SavedSearchRow = Selectable<SavedSearchTables['audit_saved_searches']>;

const searches = (db: Queryable) => db.withTables<SavedSearchTables>();

export async function insertSavedSearch(db: Queryable, row: { id: string; orgId: string; ownerId: string; name: string; filters: AuditQuery; shared: boolean }) {
  return searches(db)
    .insertInto('audit_saved_searches')
    .values({ id: row.id, org_id: row.orgId, owner_id: row.ownerId, name: row.name, filters: JSON.stringify(row.filters), shared: row.shared })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The caller's own searches and everyone's shared ones. */
export async function listSavedSearches(db: Queryable, orgId: string, viewerId: string, after: string | null, limit: number) {
  let query = searches(db)
    .selectFrom('audit_saved_searches')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('owner_id', '=', viewerId), eb('shared', '=', true)]));
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function findSavedSearch(db: Queryable, orgId: string, id: string) {
  return searches(db).selectFrom('audit_saved_searches').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function updateSavedSearch(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: { name?: string; filters?: AuditQuery; shared?: boolean },
) {
  let query = searches(db)
    .updateTable('audit_saved_searches')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.filters !== undefined ? { filters: JSON.stringify(changes.filters) } : {}),
      ...(changes.shared !== undefined ? { shared: changes.shared } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteSavedSearch(db: Queryable, orgId: string, id: string): Promise<void> {
  await searches(db).deleteFrom('audit_saved_searches').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function findEvent(db: Queryable, orgId: string, id: string) {
  return db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

// ---- sealing (ADR 0006) ----

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type SealingTables = {
  audit_signing_keys: {
    key_id: string;
    algorithm: ColumnType<string, string | undefined, never>;
    public_key: string;
    private_key_sealed: ColumnType<SealedSecret, string, never>;
    created_at: Timestamp;
    retired_at: Date | null;
  };
  audit_trees: {
    org_id: string;
    tree_size: ColumnType<string, number, number>;
    root_hash: Buffer;
    updated_at: Timestamp;
  };
  audit_tree_nodes: {
    org_id: string;
    level: number;
    idx: ColumnType<string, number, never>;
    hash: Buffer;
  };
  audit_leaves: {
    org_id: string;
    seq: ColumnType<string, number, never>;
    event_id: string;
  };
  audit_checkpoints: {
    org_id: string;
    tree_size: ColumnType<string, number, never>;
    root_hash: Buffer;
    signed_at: Timestamp;
    key_id: string;
    signature: Buffer;
  };
};

export type SigningKeyRow = Selectable<SealingTables['audit_signing_keys']>;
export type CheckpointRow = Selectable<SealingTables['audit_checkpoints']>;

export function sealing(db: Queryable) {
  return db.withTables<SealingTables>();
}

// Any fixed number: with the org's hash it names the advisory lock one sealer holds per org.
const SEAL_LOCK_CLASS = 727_101;

/** The per-organization sealing lock, held until the transaction ends; false when another replica has it. */
export async function tryLockOrgForSealing(tx: Tx, orgId: string): Promise<boolean> {
  const result = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${SEAL_LOCK_CLASS}, hashtext(${orgId})) AS locked`.execute(tx);
  return result.rows[0]?.locked === true;
}

/** Organizations with events waiting in the kernel's sealing queue. */
export async function orgsWithUnsealedEvents(db: Queryable, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('audit_unsealed').select('org_id').distinct().limit(limit).execute();
  return rows.map((r) => r.org_id);
}

/** An ISO 8601 UTC string with PostgreSQL's full microsecond precision (a JS Date keeps only ms). */
export const occurredAtIso = sql<string>`to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const leafColumns = [
  'e.id', 'e.org_id', 'e.workspace_id', 'e.actor_kind', 'e.actor_id', 'e.actor_name', 'e.actor_ip', 'e.actor_user_agent',
  'e.session_id', 'e.api_key_id', 'e.action', 'e.target_type', 'e.target_id', 'e.target_name', 'e.outcome', 'e.reason',
  'e.request_id', 'e.before', 'e.after',
] as const;

/** The next queued events of an org, oldest id first. */
export async function unsealedEvents(tx: Tx, orgId: string, limit: number): Promise<AuditLeafRow[]> {
  return tx
    .selectFrom('audit_unsealed as u')
    // occurred_at makes it a primary-key lookup in one partition (migration 202611240200).
    .innerJoin('audit_events as e', (join) => join.onRef('e.occurred_at', '=', 'u.occurred_at').onRef('e.id', '=', 'u.event_id').onRef('e.org_id', '=', 'u.org_id'))
    .select([...leafColumns, occurredAtIso.as('occurred_at')])
    .where('u.org_id', '=', orgId)
    .orderBy('u.event_id')
    .limit(limit)
    .execute();
}

/** Sealed events of an org with seq in [fromSeq, toSeq], as sealed rows. */
export async function sealedEvents(db: Queryable, orgId: string, fromSeq: number, toSeq: number): Promise<SealedEventRow[]> {
  const rows = await sealing(db)
    .selectFrom('audit_leaves as l')
    .innerJoin('audit_events as e', (join) => join.onRef('e.org_id', '=', 'l.org_id').onRef('e.id', '=', 'l.event_id'))
    .select([...leafColumns, occurredAtIso.as('occurred_at'), 'l.seq'])
    .where('l.org_id', '=', orgId)
    .where(sql<boolean>`l.seq BETWEEN ${fromSeq} AND ${toSeq}`)
    .orderBy('l.seq')
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

export async function treeSize(db: Queryable, orgId: string): Promise<number> {
  const row = await sealing(db).selectFrom('audit_trees').select('tree_size').where('org_id', '=', orgId).executeTakeFirst();
  return row ? Number(row.tree_size) : 0;
}

export async function findSealedEvent(db: Queryable, orgId: string, eventId: string): Promise<SealedEventRow | undefined> {
  const row = await sealing(db)
    .selectFrom('audit_events as e')
    .leftJoin('audit_leaves as l', (join) => join.onRef('l.org_id', '=', 'e.org_id').onRef('l.event_id', '=', 'e.id'))
    .select([...leafColumns, occurredAtIso.as('occurred_at'), 'l.seq'])
    .where('e.org_id', '=', orgId)
    .where('e.id', '=', eventId)
    .executeTakeFirst();
  return row && { ...row, seq: row.seq === null ? null : Number(row.seq) };
}

/**
 * Gives the events seq = firstSeq, firstSeq + 1, ... in the given order and takes them off the
 * queue, in one statement. Returns how many were both dequeued and placed.
 */
export async function assignSeq(tx: Tx, orgId: string, eventIds: string[], firstSeq: number): Promise<number> {
  const result = await sql`
    WITH v AS (
      SELECT id, ${firstSeq}::bigint + n - 1 AS seq FROM unnest(${eventIds}::text[]) WITH ORDINALITY AS u(id, n)
    ), taken AS (
      DELETE FROM audit_unsealed WHERE org_id = ${orgId} AND event_id IN (SELECT id FROM v) RETURNING event_id
    )
    INSERT INTO audit_leaves (org_id, seq, event_id)
    SELECT ${orgId}, v.seq, v.id FROM v JOIN taken ON taken.event_id = v.id`.execute(tx);
  return Number(result.numAffectedRows ?? 0);
}

/** The tree row, locked; created empty on first use. */
export async function lockTree(tx: Tx, orgId: string, emptyRoot: Buffer): Promise<{ size: number; root: Buffer }> {
  await sealing(tx).insertInto('audit_trees').values({ org_id: orgId, tree_size: 0, root_hash: emptyRoot }).onConflict((oc) => oc.doNothing()).execute();
  const row = await sealing(tx).selectFrom('audit_trees').select(['tree_size', 'root_hash']).where('org_id', '=', orgId).forUpdate().executeTakeFirstOrThrow();
  return { size: Number(row.tree_size), root: row.root_hash };
}

export async function saveTree(tx: Tx, orgId: string, size: number, root: Buffer, at: Date): Promise<void> {
  await sealing(tx).updateTable('audit_trees').set({ tree_size: size, root_hash: root, updated_at: at }).where('org_id', '=', orgId).execute();
}

export async function insertNodes(tx: Tx, orgId: string, nodes: StoredNode[]): Promise<void> {
  if (nodes.length === 0) return;
  await sql`
    INSERT INTO audit_tree_nodes (org_id, level, idx, hash)
    SELECT ${orgId}, l, i, h FROM unnest(${nodes.map((n) => n.level)}::smallint[], ${nodes.map((n) => String(n.index))}::bigint[], ${nodes.map((n) => n.hash)}::bytea[]) AS v(l, i, h)`.execute(tx);
}

/** The stored hashes of the given perfect nodes, keyed `level:index`. */
export async function findNodes(db: Queryable, orgId: string, nodes: NodeId[]): Promise<Map<string, Buffer>> {
  if (nodes.length === 0) return new Map();
  const result = await sql<{ level: number; idx: string; hash: Buffer }>`
    SELECT n.level, n.idx, n.hash FROM unnest(${nodes.map((n) => n.level)}::smallint[], ${nodes.map((n) => String(n.index))}::bigint[]) AS v(l, i)
    JOIN audit_tree_nodes n ON n.org_id = ${orgId} AND n.level = v.l AND n.idx = v.i`.execute(db);
  return new Map(result.rows.map((r) => [`${r.level}:${r.idx}`, r.hash]));
}

/** The leaf hashes 0..count-1, in order. */
export async function leafHashes(db: Queryable, orgId: string, count: number): Promise<Buffer[]> {
  const rows = await sealing(db)
    .selectFrom('audit_tree_nodes')
    .select('hash')
    .where('org_id', '=', orgId)
    .where('level', '=', 0)
    .where('idx', '<', sql<string>`${count}`)
    .orderBy('idx')
    .execute();
  return rows.map((r) => r.hash);
}

export async function insertCheckpoint(tx: Tx, c: SignedCheckpoint): Promise<void> {
  await sealing(tx)
    .insertInto('audit_checkpoints')
    .values({ org_id: c.orgId, tree_size: c.treeSize, root_hash: c.rootHash, signed_at: c.signedAt, key_id: c.keyId, signature: c.signature })
    .execute();
}

/** Newest first; `beforeSize` pages backwards. */
export async function listCheckpoints(db: Queryable, orgId: string, beforeSize: number | null, limit: number): Promise<CheckpointRow[]> {
  let query = sealing(db).selectFrom('audit_checkpoints').selectAll().where('org_id', '=', orgId);
  if (beforeSize !== null) query = query.where('tree_size', '<', sql<string>`${beforeSize}`);
  return query.orderBy('tree_size', 'desc').limit(limit).execute();
}

export async function findCheckpoint(db: Queryable, orgId: string, treeSize: number): Promise<CheckpointRow | undefined> {
  return sealing(db).selectFrom('audit_checkpoints').selectAll().where('org_id', '=', orgId).where('tree_size', '=', sql<string>`${treeSize}`).executeTakeFirst();
}

export async function latestCheckpoint(db: Queryable, orgId: string): Promise<CheckpointRow | undefined> {
  return (await listCheckpoints(db, orgId, null, 1))[0];
}

export async function activeSigningKey(db: Queryable): Promise<SigningKeyRow | undefined> {
  return sealing(db).selectFrom('audit_signing_keys').selectAll().where('retired_at', 'is', null).executeTakeFirst();
}

export async function findSigningKey(db: Queryable, keyId: string): Promise<SigningKeyRow | undefined> {
  return sealing(db).selectFrom('audit_signing_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
}

/** Inserts a key unless another one is active (the partial unique index decides); true when inserted. */
export async function insertSigningKey(db: Queryable, key: { keyId: string; publicKey: string; sealed: SealedSecret; createdAt: Date }): Promise<boolean> {
  const result = await sealing(db)
    .insertInto('audit_signing_keys')
    .values({ key_id: key.keyId, public_key: key.publicKey, private_key_sealed: JSON.stringify(key.sealed), created_at: key.createdAt, retired_at: null })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function retireSigningKey(tx: Tx, keyId: string, at: Date): Promise<void> {
  await sealing(tx).updateTable('audit_signing_keys').set({ retired_at: at }).where('key_id', '=', keyId).where('retired_at', 'is', null).execute();
}

/** Public keys, newest first (key ids are time-ordered); `beforeKeyId` pages backwards. */
export async function listSigningKeys(db: Queryable, beforeKeyId: string | null, limit: number) {
  let query = sealing(db).selectFrom('audit_signing_keys').select(['key_id', 'algorithm', 'public_key', 'created_at', 'retired_at']);
  if (beforeKeyId) query = query.where('key_id', '<', beforeKeyId);
  return query.orderBy('key_id', 'desc').limit(limit + 1).execute();
}
