import type { ColumnType, Selectable, SqlBool, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';
import type { IdentityTables } from './store.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Version = ColumnType<number, number | undefined, number>;
type Json<T> = ColumnType<T, string, string>;

export type ScimTables = IdentityTables & {
  scim_tokens: {
    id: string;
    org_id: string;
    name: string;
    secret_hash: string;
    previous_secret_hash: string | null;
    previous_expires_at: NullableTimestamp;
    status: ColumnType<'active' | 'revoked', 'active' | 'revoked' | undefined, 'active' | 'revoked'>;
    last_used_at: NullableTimestamp;
    created_by: string;
    created_at: Timestamp;
    rotated_at: NullableTimestamp;
    revoked_at: NullableTimestamp;
    version: Version;
  };
  scim_users: {
    org_id: string;
    user_id: string;
    external_id: string | null;
    user_name: string;
    display_name: string | null;
    given_name: string | null;
    family_name: string | null;
    emails: Json<Array<{ value: string; type?: string; primary?: boolean }>>;
    active: boolean;
    department: string | null;
    cost_center: string | null;
    manager_id: string | null;
    employee_number: string | null;
    extra: Json<Record<string, unknown>>;
    created_at: Timestamp;
    updated_at: Timestamp;
    version: Version;
  };
  scim_groups: {
    org_id: string;
    group_id: string;
    external_id: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
    version: Version;
  };
};

export type ScimTokenRow = Selectable<ScimTables['scim_tokens']>;
export type ScimUserRow = Selectable<ScimTables['scim_users']>;
export type ScimGroupRow = Selectable<ScimTables['scim_groups']> & { name: string };

function q(db: Queryable) {
  return db.withTables<ScimTables>();
}

// ---- tokens ----

export async function insertToken(db: Queryable, row: Pick<ScimTokenRow, 'id' | 'org_id' | 'name' | 'secret_hash' | 'created_by' | 'created_at'>) {
  return q(db).insertInto('scim_tokens').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Cross-tenant by design: authentication finds a token by the id inside it. */
export async function findTokenById(db: Queryable, id: string) {
  return q(db).selectFrom('scim_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findToken(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('scim_tokens').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listTokens(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('scim_tokens').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function rotateToken(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, change: { secretHash: string; previousExpiresAt: Date | null; rotatedAt: Date }) {
  let query = q(db)
    .updateTable('scim_tokens')
    .set({
      secret_hash: change.secretHash,
      previous_secret_hash: change.previousExpiresAt ? sql<string>`secret_hash` : null,
      previous_expires_at: change.previousExpiresAt,
      rotated_at: change.rotatedAt,
      version: sql`version + 1`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'active');
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function revokeToken(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, at: Date) {
  let query = q(db)
    .updateTable('scim_tokens')
    .set({ status: 'revoked', revoked_at: at, previous_secret_hash: null, previous_expires_at: null, version: sql`version + 1` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'active');
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

/** Last use, at most once a minute per token (an IdP sync makes thousands of requests). */
export async function touchToken(db: Queryable, id: string, at: Date) {
  await q(db)
    .updateTable('scim_tokens')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(at.getTime() - 60_000))]))
    .execute();
}

// ---- users ----

export type ScimUserColumns = Omit<ScimUserRow, 'org_id' | 'user_id' | 'created_at' | 'updated_at' | 'version' | 'emails' | 'extra'> & {
  emails: string;
  extra: string;
};

export async function insertScimUser(db: Queryable, orgId: string, userId: string, columns: ScimUserColumns) {
  return q(db).insertInto('scim_users').values({ org_id: orgId, user_id: userId, ...columns }).returningAll().executeTakeFirstOrThrow();
}

export async function findScimUser(db: Queryable, orgId: string, userId: string) {
  return q(db).selectFrom('scim_users').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
}

/** Locks the row so concurrent PATCHes of one user apply one after another. */
export async function lockScimUser(db: Queryable, orgId: string, userId: string) {
  return q(db).selectFrom('scim_users').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

export async function updateScimUser(db: Queryable, orgId: string, userId: string, columns: ScimUserColumns) {
  return q(db)
    .updateTable('scim_users')
    .set({ ...columns, version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteScimUser(db: Queryable, orgId: string, userId: string): Promise<boolean> {
  const result = await q(db).deleteFrom('scim_users').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listScimUsers(db: Queryable, orgId: string, where: RawBuilder<SqlBool> | null, offset: number, limit: number) {
  let query = q(db).selectFrom('scim_users as u').where('u.org_id', '=', orgId);
  if (where) query = query.where(where);
  const total = await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = limit === 0 ? [] : await query.selectAll('u').orderBy('u.created_at').orderBy('u.user_id').offset(offset).limit(limit).execute();
  return { total: Number(total.n), rows };
}

/** The users among these ids that this organization's SCIM provisioned. */
export async function existingScimUserIds(db: Queryable, orgId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await q(db).selectFrom('scim_users').select('user_id').where('org_id', '=', orgId).where('user_id', 'in', ids).execute();
  return rows.map((r) => r.user_id);
}

export async function setUserStatus(db: Queryable, userId: string, status: 'active' | 'suspended') {
  await q(db).updateTable('users').set({ status, version: sql`version + 1` }).where('id', '=', userId).where('status', '!=', status).execute();
}

export async function updateUserProfile(db: Queryable, userId: string, email: string, displayName: string) {
  await q(db)
    .updateTable('users')
    .set({ email, display_name: displayName, version: sql`version + 1` })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('email', '!=', email), eb('display_name', '!=', displayName)]))
    .execute();
}

/** An account that signs in through the organization's identity provider: no password. */
export async function insertSsoUser(db: Queryable, row: { id: string; email: string; display_name: string }) {
  return q(db)
    .insertInto('users')
    .values({ ...row, password_hash: null, platform_admin: false, password_changed_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

// ---- groups ----

function groupsWithName(db: Queryable) {
  return q(db).selectFrom('scim_groups as g').innerJoin('groups as gr', 'gr.id', 'g.group_id').selectAll('g').select('gr.name');
}

export async function insertScimGroup(db: Queryable, row: { org_id: string; group_id: string; external_id: string | null }) {
  return q(db).insertInto('scim_groups').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findScimGroup(db: Queryable, orgId: string, groupId: string): Promise<ScimGroupRow | undefined> {
  return groupsWithName(db).where('g.org_id', '=', orgId).where('g.group_id', '=', groupId).executeTakeFirst();
}

/** Locks the group: concurrent PATCHes of its members apply one after another (no lost update). */
export async function lockScimGroup(db: Queryable, orgId: string, groupId: string): Promise<ScimGroupRow | undefined> {
  return groupsWithName(db).where('g.org_id', '=', orgId).where('g.group_id', '=', groupId).forUpdate('g').executeTakeFirst();
}

export async function touchScimGroup(db: Queryable, orgId: string, groupId: string, externalId: string | null) {
  return q(db)
    .updateTable('scim_groups')
    .set({ external_id: externalId, version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('group_id', '=', groupId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listScimGroups(db: Queryable, orgId: string, where: RawBuilder<SqlBool> | null, offset: number, limit: number) {
  let query = q(db).selectFrom('scim_groups as g').innerJoin('groups as gr', 'gr.id', 'g.group_id').where('g.org_id', '=', orgId);
  if (where) query = query.where(where);
  const total = await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = limit === 0 ? [] : await query.selectAll('g').select('gr.name').orderBy('g.created_at').orderBy('g.group_id').offset(offset).limit(limit).execute();
  return { total: Number(total.n), rows: rows as ScimGroupRow[] };
}

export async function membersOfGroups(db: Queryable, groupIds: string[]) {
  if (groupIds.length === 0) return [];
  return q(db)
    .selectFrom('group_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.group_id', 'm.user_id', 'u.display_name'])
    .where('m.group_id', 'in', groupIds)
    .orderBy('m.user_id')
    .execute();
}

/** Adds members in one statement; returns the user ids that were not members before. */
export async function addMembers(db: Queryable, orgId: string, groupId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await q(db)
    .insertInto('group_members')
    .values(userIds.map((userId) => ({ org_id: orgId, group_id: groupId, user_id: userId })))
    .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
    .returning('user_id')
    .execute();
  return rows.map((r) => r.user_id);
}

export async function removeMembers(db: Queryable, orgId: string, groupId: string, userIds: string[] | 'all'): Promise<string[]> {
  let query = q(db).deleteFrom('group_members').where('org_id', '=', orgId).where('group_id', '=', groupId);
  if (userIds !== 'all') {
    if (userIds.length === 0) return [];
    query = query.where('user_id', 'in', userIds);
  }
  const rows = await query.returning('user_id').execute();
  return rows.map((r) => r.user_id);
}
