import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Version = ColumnType<number, number | undefined, number>;

export type IdentityTables = {
  users: {
    id: string;
    email: string;
    display_name: string;
    password_hash: string | null;
    platform_admin: ColumnType<boolean, boolean | undefined, boolean>;
    status: ColumnType<'active' | 'suspended', 'active' | 'suspended' | undefined, 'active' | 'suspended'>;
    failed_logins: ColumnType<number, number | undefined, number>;
    locked_until: NullableTimestamp;
    password_changed_at: NullableTimestamp;
    created_at: Timestamp;
    version: Version;
  };
  sessions: {
    id: string;
    user_id: string;
    token_hash: string;
    csrf_token: string;
    created_at: Timestamp;
    last_seen_at: Timestamp;
    expires_at: Timestamp;
    ip: string | null;
    user_agent: string | null;
    revoked_at: NullableTimestamp;
    mfa_at: NullableTimestamp;
    idle_minutes: ColumnType<number | null, number | null | undefined, number | null>;
    authenticated_via: ColumnType<'password' | 'sso', 'password' | 'sso' | undefined, 'password' | 'sso'>;
  };
  api_keys: {
    id: string;
    org_id: string;
    name: string;
    workspace_id: string | null;
    role_id: string | null;
    actions: ColumnType<string[] | null, string | null, string | null>;
    secret_hash: string;
    previous_secret_hash: string | null;
    previous_expires_at: NullableTimestamp;
    status: ColumnType<'active' | 'revoked' | 'suspended', 'active' | 'revoked' | 'suspended' | undefined, 'active' | 'revoked' | 'suspended'>;
    expires_at: NullableTimestamp;
    last_used_at: NullableTimestamp;
    last_used_ip: string | null;
    rate_limit_per_minute: number;
    created_by: string;
    created_at: Timestamp;
    rotated_at: NullableTimestamp;
    revoked_at: NullableTimestamp;
    suspended_at: NullableTimestamp;
    version: Version;
  };
  groups: {
    id: string;
    org_id: string;
    name: string;
    description: string;
    version: Version;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  group_members: {
    org_id: string;
    group_id: string;
    user_id: string;
    added_at: Timestamp;
  };
};

export type UserRow = Selectable<IdentityTables['users']>;
export type SessionRow = Selectable<IdentityTables['sessions']>;
export type ApiKeyRow = Selectable<IdentityTables['api_keys']>;
export type GroupRow = Selectable<IdentityTables['groups']>;
export type GroupMemberRow = Selectable<IdentityTables['group_members']>;

function q(db: Queryable) {
  return db.withTables<IdentityTables>();
}

// ---- users ----

export async function insertUser(
  db: Queryable,
  row: Pick<UserRow, 'id' | 'email' | 'display_name' | 'password_hash' | 'platform_admin' | 'password_changed_at'>,
) {
  return q(db).insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Inserts unless the e-mail is taken; undefined when it was (bootstrap on many replicas at once). */
export async function insertUserIfAbsent(
  db: Queryable,
  row: Pick<UserRow, 'id' | 'email' | 'display_name' | 'password_hash' | 'platform_admin' | 'password_changed_at'>,
) {
  return q(db)
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findUser(db: Queryable, id: string) {
  return q(db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUsers(db: Queryable, ids: string[]) {
  if (ids.length === 0) return [];
  return q(db).selectFrom('users').selectAll().where('id', 'in', ids).execute();
}

export async function findUserByEmail(db: Queryable, email: string) {
  return q(db).selectFrom('users').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

/** Locks the user row, so concurrent failed sign-ins count one after another. */
export async function lockUser(db: Queryable, id: string) {
  return q(db).selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function setSignInFailures(db: Queryable, id: string, failedLogins: number, lockedUntil: Date | null) {
  await q(db).updateTable('users').set({ failed_logins: failedLogins, locked_until: lockedUntil }).where('id', '=', id).execute();
}

export async function setPlatformAdmin(db: Queryable, id: string) {
  await q(db)
    .updateTable('users')
    .set({ platform_admin: true, version: sql`version + 1` })
    .where('id', '=', id)
    .where('platform_admin', '=', false)
    .execute();
}

export async function setPassword(db: Queryable, id: string, passwordHash: string, changedAt: Date) {
  return q(db)
    .updateTable('users')
    .set({ password_hash: passwordHash, password_changed_at: changedAt, failed_logins: 0, locked_until: null, version: sql`version + 1` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

// ---- sessions ----

export async function insertSession(db: Queryable, row: Omit<SessionRow, 'revoked_at' | 'mfa_at' | 'idle_minutes' | 'authenticated_via'> & Partial<Pick<SessionRow, 'mfa_at' | 'idle_minutes' | 'authenticated_via'>>) {
  return q(db).insertInto('sessions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The session for a cookie, with what authentication needs of its user, in one query. */
export async function findSessionByTokenHash(db: Queryable, tokenHash: string) {
  return q(db)
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.user_id',
      's.csrf_token',
      's.expires_at',
      's.last_seen_at',
      's.revoked_at',
      's.mfa_at',
      's.idle_minutes',
      'u.display_name',
      'u.platform_admin',
      'u.status',
    ])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Records activity; the guard keeps concurrent requests of one session to one write. */
export async function touchSession(db: Queryable, id: string, seenAt: Date, notSeenSince: Date) {
  await q(db)
    .updateTable('sessions')
    .set({ last_seen_at: seenAt })
    .where('id', '=', id)
    .where('last_seen_at', '<=', notSeenSince)
    .execute();
}

export async function listLiveSessions(db: Queryable, userId: string, now: Date, idleSince: Date, after: string | null, limit: number) {
  let query = q(db)
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('last_seen_at', '>', idleSince);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function revokeSession(db: Queryable, userId: string, sessionId: string, at: Date) {
  return q(db)
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function revokeOtherSessions(db: Queryable, userId: string, keepSessionId: string | null, at: Date): Promise<number> {
  let query = q(db).updateTable('sessions').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ---- API keys ----

export async function insertApiKey(
  db: Queryable,
  row: Omit<ApiKeyRow, 'previous_secret_hash' | 'previous_expires_at' | 'status' | 'last_used_at' | 'last_used_ip' | 'rotated_at' | 'revoked_at' | 'suspended_at' | 'version' | 'actions'> & {
    actions: string | null;
  },
) {
  return q(db).insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Cross-tenant by design: authentication finds a key by the id inside its token. */
export async function findApiKeyById(db: Queryable, id: string) {
  return q(db).selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findApiKey(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('api_keys').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listApiKeys(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('api_keys').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

/**
 * Puts a new secret in place. With an overlap, the secret it replaces stays valid until
 * `previousExpiresAt` (taken from the row itself, so concurrent rotations cannot lose one).
 */
export async function rotateApiKey(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  change: { secretHash: string; previousExpiresAt: Date | null; rotatedAt: Date },
) {
  const keepPrevious = change.previousExpiresAt !== null;
  let query = q(db)
    .updateTable('api_keys')
    .set({
      secret_hash: change.secretHash,
      previous_secret_hash: keepPrevious ? sql<string>`secret_hash` : null,
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

export async function revokeApiKey(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, at: Date) {
  let query = q(db)
    .updateTable('api_keys')
    .set({ status: 'revoked', revoked_at: at, previous_secret_hash: null, previous_expires_at: null, version: sql`version + 1` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', 'in', ['active', 'suspended']);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function listAllApiKeys(db: Queryable, orgId: string) {
  return q(db).selectFrom('api_keys').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

/** Revokes every active key a user created in an organization; returns their ids. */
export async function revokeApiKeysCreatedBy(db: Queryable, orgId: string, userId: string, at: Date): Promise<string[]> {
  const rows = await q(db)
    .updateTable('api_keys')
    .set({ status: 'revoked', revoked_at: at, previous_secret_hash: null, previous_expires_at: null, version: sql`version + 1` })
    .where('org_id', '=', orgId)
    .where('created_by', '=', userId)
    .where('status', 'in', ['active', 'suspended'])
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Suspends (at a time) or restores (null) a user's keys in an organization; returns their ids. */
export async function setKeysSuspended(db: Queryable, orgId: string, userId: string, at: Date | null): Promise<string[]> {
  const rows = await q(db)
    .updateTable('api_keys')
    .set({ status: at ? 'suspended' : 'active', suspended_at: at, version: sql`version + 1` })
    .where('org_id', '=', orgId)
    .where('created_by', '=', userId)
    .where('status', '=', at ? 'active' : 'suspended')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface KeyUsage {
  keyId: string;
  at: Date;
  ip: string | null;
}

/** Writes a batch of last-use records in one statement; never moves a time backwards. */
export async function recordKeyUsage(db: Queryable, usage: KeyUsage[]): Promise<void> {
  if (usage.length === 0) return;
  const rows = sql.join(usage.map((u) => sql`(${u.keyId}, ${u.at.toISOString()}::timestamptz, ${u.ip})`));
  await sql`
    UPDATE api_keys AS k SET last_used_at = v.at, last_used_ip = v.ip
    FROM (VALUES ${rows}) AS v (id, at, ip)
    WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)`.execute(db);
}

// ---- groups ----

export type GroupWithCount = GroupRow & { member_count: string };

function groupsWithCount(db: Queryable) {
  return q(db)
    .selectFrom('groups as g')
    .selectAll('g')
    .select((eb) =>
      eb
        .selectFrom('group_members as m')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('m.group_id', '=', 'g.id')
        .as('member_count'),
    );
}

export async function insertGroup(db: Queryable, row: Pick<GroupRow, 'id' | 'org_id' | 'name' | 'description'>) {
  return q(db).insertInto('groups').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findGroup(db: Queryable, orgId: string, id: string): Promise<GroupWithCount | undefined> {
  return (await groupsWithCount(db).where('g.org_id', '=', orgId).where('g.id', '=', id).executeTakeFirst()) as GroupWithCount | undefined;
}

export async function findGroups(db: Queryable, orgId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return q(db).selectFrom('groups').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export async function listGroups(db: Queryable, orgId: string, after: string | null, limit: number): Promise<GroupWithCount[]> {
  let query = groupsWithCount(db).where('g.org_id', '=', orgId);
  if (after) query = query.where('g.id', '>', after);
  return (await query.orderBy('g.id').limit(limit + 1).execute()) as GroupWithCount[];
}

export async function updateGroup(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: Partial<Pick<GroupRow, 'name' | 'description'>>,
) {
  let query = q(db)
    .updateTable('groups')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteGroup(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('groups').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listGroupMembers(db: Queryable, orgId: string, groupId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('group_members').selectAll().where('org_id', '=', orgId).where('group_id', '=', groupId);
  if (after) query = query.where('user_id', '>', after);
  return query.orderBy('user_id').limit(limit + 1).execute();
}

export async function memberIdsOfGroup(db: Queryable, orgId: string, groupId: string): Promise<string[]> {
  const rows = await q(db).selectFrom('group_members').select('user_id').where('org_id', '=', orgId).where('group_id', '=', groupId).execute();
  return rows.map((r) => r.user_id);
}

/** True when the user was added, false when already a member. */
export async function addGroupMember(db: Queryable, orgId: string, groupId: string, userId: string): Promise<boolean> {
  const row = await q(db)
    .insertInto('group_members')
    .values({ org_id: orgId, group_id: groupId, user_id: userId })
    .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function removeGroupMember(db: Queryable, orgId: string, groupId: string, userId: string): Promise<boolean> {
  const result = await q(db)
    .deleteFrom('group_members')
    .where('org_id', '=', orgId)
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function removeUserFromGroups(db: Queryable, orgId: string, userId: string): Promise<void> {
  await q(db).deleteFrom('group_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function groupIdsOfUser(db: Queryable, orgId: string, userId: string): Promise<string[]> {
  const rows = await q(db)
    .selectFrom('group_members')
    .select('group_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('group_id')
    .execute();
  return rows.map((r) => r.group_id);
}
