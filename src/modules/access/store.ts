import { sql, type ColumnType, type Selectable } from 'kysely';
import { countRows, type Queryable } from '../../kernel/db/index.ts';
import type { ScopeType } from './contract.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type Version = ColumnType<number, number | undefined, number>;

export type AccessTables = {
  roles: {
    id: string;
    org_id: string;
    name: string;
    description: string;
    scope: ScopeType;
    actions: Json<string[]>;
    version: Version;
    created_by: string;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  role_bindings: {
    id: string;
    org_id: string;
    role_id: string;
    subject_type: 'user' | 'group';
    subject_id: string;
    scope_type: ScopeType;
    scope_id: string;
    workspace_id: string | null;
    created_by: string;
    created_at: Timestamp;
  };
  access_policies: {
    id: string;
    org_id: string;
    name: string;
    description: string;
    text: string;
    enabled: boolean;
    version: Version;
    created_by: string;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
};

export type RoleRow = Selectable<AccessTables['roles']>;
export type BindingRow = Selectable<AccessTables['role_bindings']>;
export type PolicyRow = Selectable<AccessTables['access_policies']>;

function q(db: Queryable) {
  return db.withTables<AccessTables>();
}

// ---- roles ----

export async function insertRole(db: Queryable, row: Omit<RoleRow, 'version' | 'created_at' | 'updated_at' | 'actions'> & { actions: string[] }) {
  return q(db)
    .insertInto('roles')
    .values({ ...row, actions: JSON.stringify(row.actions) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** `lock`: FOR UPDATE (delete/update) or FOR SHARE (binding it), against a concurrent delete. */
export async function findRole(db: Queryable, orgId: string, id: string, lock?: 'update' | 'share') {
  let query = q(db).selectFrom('roles').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  if (lock === 'update') query = query.forUpdate();
  if (lock === 'share') query = query.forShare();
  return query.executeTakeFirst();
}

export async function listRoles(db: Queryable, orgId: string) {
  return q(db).selectFrom('roles').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

export async function countRoles(db: Queryable, orgId: string): Promise<number> {
  return countRows(q(db).selectFrom('roles').where('org_id', '=', orgId));
}

export async function updateRole(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: { name?: string; description?: string; actions?: string[] },
) {
  let query = q(db)
    .updateTable('roles')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.actions !== undefined ? { actions: JSON.stringify(changes.actions) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteRole(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('roles').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ---- bindings ----

export type NewBinding = Omit<BindingRow, 'created_at'>;

export async function insertBinding(db: Queryable, row: NewBinding) {
  return q(db).insertInto('role_bindings').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Grants that may already exist (invitations, owners) are no-ops the second time. */
export async function insertBindingIfAbsent(db: Queryable, row: NewBinding) {
  return q(db)
    .insertInto('role_bindings')
    .values(row)
    .onConflict((oc) => oc.constraint('role_bindings_unique').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findBinding(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('role_bindings').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export interface BindingFilter {
  subjectId?: string;
  scopeId?: string;
  roleId?: string;
  /** null: every binding; otherwise only bindings inside these workspaces or projects. */
  visible: { workspaceIds: string[]; projectIds: string[] } | null;
}

export async function listBindings(db: Queryable, orgId: string, filter: BindingFilter, after: string | null, limit: number) {
  let query = q(db).selectFrom('role_bindings').selectAll().where('org_id', '=', orgId);
  if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.scopeId) query = query.where('scope_id', '=', filter.scopeId);
  if (filter.roleId) query = query.where('role_id', '=', filter.roleId);
  const visible = filter.visible;
  if (visible) {
    if (visible.workspaceIds.length === 0 && visible.projectIds.length === 0) return [];
    query = query.where((eb) =>
      eb.or([
        ...(visible.workspaceIds.length ? [eb('workspace_id', 'in', visible.workspaceIds)] : []),
        ...(visible.projectIds.length ? [eb.and([eb('scope_type', '=', 'project'), eb('scope_id', 'in', visible.projectIds)])] : []),
      ]),
    );
  }
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

/** The bindings of these users and groups in an org. */
export async function listBindingsForSubjects(db: Queryable, orgId: string, userIds: readonly string[], groupIds: readonly string[]) {
  if (userIds.length === 0 && groupIds.length === 0) return [];
  return q(db)
    .selectFrom('role_bindings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        ...(userIds.length ? [eb.and([eb('subject_type', '=', 'user'), eb('subject_id', 'in', [...userIds])])] : []),
        ...(groupIds.length ? [eb.and([eb('subject_type', '=', 'group'), eb('subject_id', 'in', [...groupIds])])] : []),
      ]),
    )
    .orderBy('id')
    .execute();
}

export async function listAllBindings(db: Queryable, orgId: string) {
  return q(db).selectFrom('role_bindings').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

export async function countBindingsOfRole(db: Queryable, orgId: string, roleId: string): Promise<number> {
  return countRows(q(db).selectFrom('role_bindings').where('org_id', '=', orgId).where('role_id', '=', roleId));
}

/** Locks the owner bindings, so two removals cannot both leave the org without an owner. */
export async function lockOwnerBindings(db: Queryable, orgId: string, ownerRoleId: string) {
  return q(db)
    .selectFrom('role_bindings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('role_id', '=', ownerRoleId)
    .where('scope_type', '=', 'organization')
    .orderBy('id')
    .forUpdate()
    .execute();
}

export async function deleteBinding(db: Queryable, orgId: string, id: string) {
  return q(db).deleteFrom('role_bindings').where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst();
}

/** The binding of exactly this role, subject and scope (SSO mappings remove what they granted). */
export async function deleteMatchingBinding(
  db: Queryable,
  grant: { orgId: string; roleId: string; subject: { type: 'user' | 'group'; id: string }; scope: { type: ScopeType; id: string } },
) {
  await q(db)
    .deleteFrom('role_bindings')
    .where('org_id', '=', grant.orgId)
    .where('role_id', '=', grant.roleId)
    .where('subject_type', '=', grant.subject.type)
    .where('subject_id', '=', grant.subject.id)
    .where('scope_type', '=', grant.scope.type)
    .where('scope_id', '=', grant.scope.id)
    .execute();
}

export async function deleteBindingsOfSubject(db: Queryable, orgId: string, subject: { type: 'user' | 'group'; id: string }) {
  return q(db)
    .deleteFrom('role_bindings')
    .where('org_id', '=', orgId)
    .where('subject_type', '=', subject.type)
    .where('subject_id', '=', subject.id)
    .returningAll()
    .execute();
}

/** Bindings at a scope; for a workspace, also those at its projects. */
export async function deleteBindingsAtScope(db: Queryable, orgId: string, scope: { type: 'workspace' | 'project'; id: string }) {
  return q(db)
    .deleteFrom('role_bindings')
    .where('org_id', '=', orgId)
    .where((eb) =>
      scope.type === 'workspace'
        ? eb('workspace_id', '=', scope.id)
        : eb.and([eb('scope_type', '=', 'project'), eb('scope_id', '=', scope.id)]),
    )
    .returningAll()
    .execute();
}

// ---- policies ----

export async function insertPolicy(db: Queryable, row: Omit<PolicyRow, 'version' | 'created_at' | 'updated_at'>) {
  return q(db).insertInto('access_policies').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findPolicy(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('access_policies').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listPolicies(db: Queryable, orgId: string, filter: { enabled?: boolean }, after: string | null, limit: number) {
  let query = q(db).selectFrom('access_policies').selectAll().where('org_id', '=', orgId);
  if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function listEnabledPolicies(db: Queryable, orgId: string) {
  return q(db)
    .selectFrom('access_policies')
    .select(['id', 'name', 'text'])
    .where('org_id', '=', orgId)
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
}

export async function updatePolicy(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: { name?: string; description?: string; text?: string; enabled?: boolean },
) {
  let query = q(db)
    .updateTable('access_policies')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deletePolicy(db: Queryable, orgId: string, id: string) {
  return q(db).deleteFrom('access_policies').where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst();
}
