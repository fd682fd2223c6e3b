import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import { countRows, type Queryable } from '../../kernel/db/index.ts';
import type { Quota } from './quantity.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<Record<string, string>, string, string>;

interface QuotaColumns {
  quota_cpu_millis: ColumnType<string | null, number | null | undefined, number | null>;
  quota_memory_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  quota_storage_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  quota_pods: number | null;
}

export type TenancyTables = {
  organizations: {
    id: string;
    name: string;
    slug: string;
    time_zone: string;
    currency: string;
    version: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  org_members: { org_id: string; user_id: string; joined_at: Timestamp };
  workspaces: QuotaColumns & {
    id: string;
    org_id: string;
    name: string;
    slug: string;
    description: string;
    labels: Json;
    version: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  projects: QuotaColumns & {
    id: string;
    org_id: string;
    workspace_id: string;
    name: string;
    slug: string;
    description: string;
    labels: Json;
    version: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  invitations: {
    id: string;
    org_id: string;
    email: string;
    token_hash: string;
    role_id: string;
    workspace_id: string | null;
    invited_by: string;
    status: ColumnType<'pending' | 'accepted' | 'revoked', 'pending' | 'accepted' | 'revoked' | undefined, 'pending' | 'accepted' | 'revoked'>;
    expires_at: Timestamp;
    accepted_at: Timestamp | null;
    accepted_user_id: string | null;
    created_at: Timestamp;
  };
};

export type OrganizationRow = Selectable<TenancyTables['organizations']>;
export type WorkspaceRow = Selectable<TenancyTables['workspaces']>;
export type ProjectRow = Selectable<TenancyTables['projects']>;
export type InvitationRow = Selectable<TenancyTables['invitations']>;

function q(db: Queryable) {
  return db.withTables<TenancyTables>();
}

export function quotaOf(row: Pick<WorkspaceRow, keyof QuotaColumns>): Quota {
  const n = (v: string | null) => (v === null ? null : Number(v));
  return {
    cpuMillis: n(row.quota_cpu_millis),
    memoryBytes: n(row.quota_memory_bytes),
    storageBytes: n(row.quota_storage_bytes),
    pods: row.quota_pods,
  };
}

export function quotaColumns(quota: Quota) {
  return {
    quota_cpu_millis: quota.cpuMillis,
    quota_memory_bytes: quota.memoryBytes,
    quota_storage_bytes: quota.storageBytes,
    quota_pods: quota.pods,
  };
}

/** Restricts a list to what the caller may see; `null` means everything in the org. */
export type VisibleIds = string[] | null;

// ---- organizations ----

export async function insertOrganization(db: Queryable, row: Omit<OrganizationRow, 'version' | 'created_at' | 'updated_at'>) {
  return q(db).insertInto('organizations').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findOrganization(db: Queryable, id: string) {
  return q(db).selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOrganizationsOfUser(db: Queryable, userId: string, after: string | null, limit: number) {
  let query = q(db)
    .selectFrom('organizations as o')
    .innerJoin('org_members as m', 'm.org_id', 'o.id')
    .selectAll('o')
    .where('m.user_id', '=', userId);
  if (after) query = query.where('o.id', '>', after);
  return query.orderBy('o.id').limit(limit + 1).execute();
}

export async function updateOrganization(
  db: Queryable,
  id: string,
  expectedVersion: number | undefined,
  changes: Partial<Pick<OrganizationRow, 'name' | 'time_zone' | 'currency'>>,
) {
  let query = q(db)
    .updateTable('organizations')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

// ---- members ----

export async function addMember(db: Queryable, orgId: string, userId: string) {
  await q(db).insertInto('org_members').values({ org_id: orgId, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function orgIdsOfUser(db: Queryable, userId: string): Promise<string[]> {
  const rows = await q(db).selectFrom('org_members').select('org_id').where('user_id', '=', userId).orderBy('org_id').execute();
  return rows.map((r) => r.org_id);
}

export async function isMember(db: Queryable, orgId: string, userId: string): Promise<boolean> {
  const row = await q(db)
    .selectFrom('org_members')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listMembers(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('org_members').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('user_id', '>', after);
  return query.orderBy('user_id').limit(limit + 1).execute();
}

export async function removeMember(db: Queryable, orgId: string, userId: string): Promise<boolean> {
  const result = await q(db).deleteFrom('org_members').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countMembers(db: Queryable, orgId: string): Promise<number> {
  return countRows(q(db).selectFrom('org_members').where('org_id', '=', orgId));
}

// ---- workspaces ----

export async function insertWorkspace(db: Queryable, row: Omit<TenancyTables['workspaces'], 'version' | 'created_at' | 'updated_at'> & { labels: string }) {
  return q(db).insertInto('workspaces').values(row as never).returningAll().executeTakeFirstOrThrow();
}

export async function findWorkspace(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('workspaces').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listWorkspaces(
  db: Queryable,
  orgId: string,
  filter: { visible: VisibleIds; label?: [string, string]; text?: string },
  after: string | null,
  limit: number,
) {
  let query = q(db).selectFrom('workspaces').selectAll().where('org_id', '=', orgId);
  if (filter.visible !== null) {
    if (filter.visible.length === 0) return [];
    query = query.where('id', 'in', filter.visible);
  }
  if (filter.label) query = query.where(sql<boolean>`labels @> ${JSON.stringify({ [filter.label[0]]: filter.label[1] })}::jsonb`);
  if (filter.text) {
    const like = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb('name', 'ilike', like), eb('slug', 'ilike', like)]));
  }
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function updateWorkspace(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: Record<string, unknown>,
) {
  let query = q(db)
    .updateTable('workspaces')
    .set({ ...(changes as object), version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteWorkspace(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('workspaces').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Locks the workspace row so concurrent project quota changes are checked one at a time. */
export async function lockWorkspace(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('workspaces').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst();
}

// ---- projects ----

export async function insertProject(db: Queryable, row: Omit<TenancyTables['projects'], 'version' | 'created_at' | 'updated_at'> & { labels: string }) {
  return q(db).insertInto('projects').values(row as never).returningAll().executeTakeFirstOrThrow();
}

export async function findProject(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('projects').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listProjects(
  db: Queryable,
  orgId: string,
  filter: { workspaceId?: string; visibleWorkspaces: VisibleIds; visibleProjects: VisibleIds },
  after: string | null,
  limit: number,
) {
  let query = q(db).selectFrom('projects').selectAll().where('org_id', '=', orgId);
  if (filter.workspaceId) query = query.where('workspace_id', '=', filter.workspaceId);
  if (filter.visibleWorkspaces !== null || filter.visibleProjects !== null) {
    const ws = filter.visibleWorkspaces ?? [];
    const ps = filter.visibleProjects ?? [];
    if (ws.length === 0 && ps.length === 0) return [];
    query = query.where((eb) =>
      eb.or([...(ws.length ? [eb('workspace_id', 'in', ws)] : []), ...(ps.length ? [eb('id', 'in', ps)] : [])]),
    );
  }
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

/** The sum of the workspace's project quotas, leaving one project out (the one changing). */
export async function sumProjectQuotas(db: Queryable, orgId: string, workspaceId: string, exceptProjectId: string | null): Promise<Quota> {
  let query = q(db)
    .selectFrom('projects')
    .select((eb) => [
      eb.fn.sum<string | null>('quota_cpu_millis').as('quota_cpu_millis'),
      eb.fn.sum<string | null>('quota_memory_bytes').as('quota_memory_bytes'),
      eb.fn.sum<string | null>('quota_storage_bytes').as('quota_storage_bytes'),
      eb.fn.sum<string | null>('quota_pods').as('quota_pods'),
    ])
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId);
  if (exceptProjectId) query = query.where('id', '<>', exceptProjectId);
  const row = await query.executeTakeFirstOrThrow();
  const n = (v: string | null) => (v === null ? null : Number(v));
  return {
    cpuMillis: n(row.quota_cpu_millis),
    memoryBytes: n(row.quota_memory_bytes),
    storageBytes: n(row.quota_storage_bytes),
    pods: n(row.quota_pods),
  };
}

export async function countProjects(db: Queryable, orgId: string, workspaceId: string): Promise<number> {
  return countRows(q(db).selectFrom('projects').where('org_id', '=', orgId).where('workspace_id', '=', workspaceId));
}

export async function updateProject(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: Record<string, unknown>,
) {
  let query = q(db)
    .updateTable('projects')
    .set({ ...(changes as object), version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteProject(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('projects').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ---- invitations ----

export async function insertInvitation(db: Queryable, row: Omit<InvitationRow, 'status' | 'accepted_at' | 'accepted_user_id' | 'created_at'>) {
  return q(db).insertInto('invitations').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findInvitation(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Cross-tenant by design: the token itself is the credential; the row is locked for acceptance. */
export async function findPendingInvitationByTokenHash(db: Queryable, tokenHash: string) {
  return q(db)
    .selectFrom('invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('status', '=', 'pending')
    .forUpdate()
    .executeTakeFirst();
}

export async function listInvitations(db: Queryable, orgId: string, status: string | undefined, after: string | null, limit: number) {
  let query = q(db).selectFrom('invitations').selectAll().where('org_id', '=', orgId);
  if (status === 'expired') query = query.where('status', '=', 'pending').where('expires_at', '<=', sql<Date>`now()`);
  else if (status === 'pending') query = query.where('status', '=', 'pending').where('expires_at', '>', sql<Date>`now()`);
  else if (status) query = query.where('status', '=', status as 'accepted' | 'revoked');
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function setInvitationStatus(
  db: Queryable,
  orgId: string,
  id: string,
  status: 'accepted' | 'revoked',
  acceptedUserId: string | null = null,
) {
  return q(db)
    .updateTable('invitations')
    .set({ status, accepted_user_id: acceptedUserId, accepted_at: status === 'accepted' ? sql`now()` : null })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}
