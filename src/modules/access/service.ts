import { randomUUID } from 'node:crypto';
import type { ActionInfo, Decision, KeyGrant, Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit, recordDenied } from '../../kernel/audit.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, encodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import type { IdentityService } from '../identity/index.ts';
import type { WorkspaceView, ProjectView } from '../tenancy/index.ts';
import { validatePolicyText, type CompiledPolicySet, type PolicyError, type ResourceChain, type StoredPolicy } from './cedar.ts';
import { requestContext } from './context.ts';
import type { AccessContract, GrantInput, IdentityForAccess, ScopeType, Visibility } from './contract.ts';
import { keyGrants, roleLookup, type BindingLike } from './decision.ts';
import { AUTHZ_TOPIC, roleFromRow, type AuthzEngineImpl } from './engine.ts';
import { reachOf, type Reach } from './grants.ts';
import { builtInRoles, canBindAt, checkRoleActions, effectiveActions, isBuiltInName, type RoleDefinition } from './roles.ts';
import type { BindingView, PolicyView, RoleView, ScopeInput, SubjectInput, WhatIfChange, WhatIfResult } from './schemas.ts';
import {
  countEvaluations,
  decideMember,
  MAX_EVALUATIONS,
  releaseSets,
  simulate,
  subjectGrants,
  touchedActions,
  type Member,
  type ScopedResource,
  type Snapshot,
} from './simulation.ts';
import * as store from './store.ts';

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const OWNER_ROLE = 'org-owner';
const MAX_CUSTOM_ROLES = 500;

const orgResource = (orgId: string): Resource => ({ type: 'organization', id: orgId, orgId });

function workspaceResource(ws: WorkspaceView): Resource {
  return { type: 'workspace', id: ws.id, orgId: ws.orgId, workspaceId: ws.id, attrs: { name: ws.name, slug: ws.slug, labels: ws.labels } };
}

function projectResource(p: ProjectView): Resource {
  return { type: 'project', id: p.id, orgId: p.orgId, workspaceId: p.workspaceId, projectId: p.id, attrs: { name: p.name, slug: p.slug, labels: p.labels } };
}

/** A binding's scope as a resource, from the row alone (the scope may be gone already). */
function bindingResource(row: store.BindingRow): Resource {
  if (row.scope_type === 'organization') return orgResource(row.org_id);
  if (row.scope_type === 'workspace') return { type: 'workspace', id: row.scope_id, orgId: row.org_id, workspaceId: row.scope_id };
  return { type: 'project', id: row.scope_id, orgId: row.org_id, workspaceId: row.workspace_id, projectId: row.scope_id };
}

function policyView(row: store.PolicyRow): PolicyView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    text: row.text,
    enabled: row.enabled,
    version: row.version,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Invalid Cedar text: 400 on `field`, each error with its line and column when Cedar gave them. */
function invalidPolicy(errors: PolicyError[], field = 'text'): Problem {
  const first = errors[0];
  const at = (e: PolicyError) => (e.line ? `line ${e.line}, column ${e.column}: ` : '');
  return new Problem(400, 'invalid-policy', 'The policy is not valid', `${field}: ${first ? at(first) + first.message : 'not valid'}`, {
    field,
    errors: errors.map((e) => ({ field, message: at(e) + e.message, ...(e.line ? { line: e.line, column: e.column } : {}) })),
  });
}

/** A principal for asking about someone else: no session, address or second factor. */
function simulatedPrincipal(orgId: string, subject: { kind: 'user' | 'apiKey'; id: string; name: string; keyGrant?: KeyGrant }): Principal {
  return {
    kind: subject.kind,
    id: subject.id,
    orgId,
    displayName: subject.name,
    platformAdmin: false,
    sessionId: null,
    apiKeyId: subject.kind === 'apiKey' ? subject.id : null,
    ip: null,
    userAgent: null,
    requestId: null,
    mfaAt: null,
    ...(subject.keyGrant ? { keyGrant: subject.keyGrant } : {}),
  };
}

const systemPrincipal = (orgId: string): Principal => ({
  kind: 'system',
  id: 'system',
  orgId,
  displayName: 'access simulation',
  platformAdmin: false,
  sessionId: null,
  apiKeyId: null,
  ip: null,
  userAgent: null,
  requestId: null,
  mfaAt: null,
});

export type AccessService = ReturnType<typeof createAccessService>;

export function createAccessService(deps: ModuleDeps, engine: AuthzEngineImpl) {
  const { db, authz } = deps;
  // Typed against what access expects of identity, so a missing method fails the typecheck.
  const identity = (): IdentityService & IdentityForAccess => deps.services.identity;
  const tenancy = () => deps.services.tenancy;

  /**
   * One transaction for a change to roles, bindings or policies: it publishes the org's
   * authz change (other replicas drop their caches when it commits), and this replica drops
   * its own right after the commit.
   */
  async function change<T>(orgId: string, work: (t: Tx) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(async (t) => {
      const value = await work(t);
      await deps.changes.publish(t, AUTHZ_TOPIC, orgId);
      return value;
    });
    engine.invalidate(orgId);
    return result;
  }

  /**
   * For grants made inside another module's transaction, whose commit we do not see: drop
   * this replica's entries now, and every replica's (this one included, through its
   * listener) when the notification arrives after the commit.
   */
  async function changeInCallerTx(t: Tx, orgId: string): Promise<void> {
    await deps.changes.publish(t, AUTHZ_TOPIC, orgId);
    engine.invalidate(orgId);
  }

  /** Lists of org-level things are readable by whoever holds the read action anywhere in the org. */
  async function requireAnywhere(p: Principal, action: string, orgId: string): Promise<void> {
    const v = await engine.visibility({ ...p, orgId }, action);
    if (v.all || v.workspaceIds.length > 0 || v.projectIds.length > 0) return;
    await authz.require(p, action, orgResource(orgId));
  }

  async function denyAudited(p: Principal, action: string, resource: Resource, reason: string): Promise<never> {
    await recordDenied(db, p, action, resource, reason);
    throw problems.forbidden(action, `You are not allowed to ${action} here: ${reason}.`);
  }

  function actionInfo(name: string, field: string): ActionInfo {
    const info = engine.action(name);
    if (!info) throw problems.badRequest('unknown-action', `${name} is not an action; GET /actions lists them.`, field);
    return info;
  }

  async function requireRole(orgId: string, roleId: string, field = 'roleId'): Promise<RoleDefinition> {
    const role = await engine.findRole(orgId, roleId);
    if (!role) throw problems.badRequest('role-not-found', `No role ${roleId} in this organization.`, field);
    return role;
  }

  function roleView(role: RoleDefinition): RoleView {
    const catalog = engine.catalog();
    return { ...role, actions: [...role.actions], effectiveActions: effectiveActions(role.actions, role.scope, catalog) };
  }

  async function bindingView(row: store.BindingRow): Promise<BindingView> {
    const role = await engine.findRole(row.org_id, row.role_id);
    return {
      id: row.id,
      orgId: row.org_id,
      roleId: row.role_id,
      roleName: role?.name ?? '(deleted role)',
      subject: { type: row.subject_type, id: row.subject_id },
      scope: { type: row.scope_type, id: row.scope_id },
      createdAt: iso(row.created_at),
      createdBy: row.created_by,
    };
  }

  /** Resolves a scope to the resource it names (400 on `field` when it does not exist here). */
  async function resolveScope(orgId: string, scope: { type: ScopeType; id: string }, field = 'scope.id'): Promise<{ resource: Resource; workspaceId: string | null; name: string }> {
    if (scope.type === 'organization') {
      if (scope.id !== orgId) throw problems.badRequest('scope-not-found', 'An organization scope must name this organization.', field);
      return { resource: orgResource(orgId), workspaceId: null, name: (await engine.orgInfo(orgId)).name };
    }
    if (scope.type === 'workspace') {
      const ws = await tenancy().findWorkspace(orgId, scope.id);
      if (!ws) throw problems.badRequest('scope-not-found', `No workspace ${scope.id} in this organization.`, field);
      return { resource: workspaceResource(ws), workspaceId: ws.id, name: ws.name };
    }
    const project = await tenancy().findProject(orgId, scope.id);
    if (!project) throw problems.badRequest('scope-not-found', `No project ${scope.id} in this organization.`, field);
    return { resource: projectResource(project), workspaceId: project.workspaceId, name: project.name };
  }

  async function assertSubject(orgId: string, subject: SubjectInput, field = 'subject.id'): Promise<void> {
    if (subject.type === 'user') {
      if (!(await tenancy().isMember(orgId, subject.id))) {
        throw problems.badRequest('subject-not-found', `User ${subject.id} is not a member of this organization.`, field);
      }
      return;
    }
    const found = await identity().findGroups(orgId, [subject.id]);
    if (!found.some((g) => g.id === subject.id)) throw problems.badRequest('subject-not-found', `No group ${subject.id} in this organization.`, field);
  }

  /**
   * No privilege escalation: whoever hands out a role (or a key grant) must hold each of its
   * actions everywhere the grant will reach. Role grants count; Cedar permits do not.
   */
  async function missingActions(p: Principal, orgId: string, patterns: readonly string[], roleScope: ScopeType, reach: Reach): Promise<string[]> {
    const grants = await engine.grantsOf({ ...p, orgId }, orgId);
    const catalog = engine.catalog();
    return effectiveActions(patterns, roleScope, catalog).filter((name) => !grants.covers(engine.action(name)!, reach));
  }

  function escalationReason(missing: string[]): string {
    const list = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ` and ${missing.length - 10} more` : '');
    return `you can only grant actions you hold yourself there; you lack ${list}`;
  }

  // ---- snapshots for who-can and what-if ----

  async function allPages<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>, cap: number): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await fetch(cursor);
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && out.length < cap);
    return out;
  }

  async function liveSnapshot(orgId: string): Promise<Snapshot> {
    const [customRoles, bindings, policies] = await Promise.all([
      engine.customRoles(orgId),
      store.listAllBindings(db, orgId),
      store.listEnabledPolicies(db, orgId),
    ]);
    return { customRoles: new Map(customRoles), bindings, policies };
  }

  async function orgMembers(orgId: string, withGroups: boolean): Promise<Member[]> {
    const system = systemPrincipal(orgId);
    const rows = await allPages((cursor) => tenancy().listMembers(system, orgId, { limit: 200, ...(cursor ? { cursor } : {}) }), 1_000_000);
    const members: Member[] = rows.map((m) => ({ id: m.userId, name: m.displayName || m.email, email: m.email, groupIds: [] }));
    if (withGroups) {
      for (let i = 0; i < members.length; i += 20) {
        await Promise.all(members.slice(i, i + 20).map(async (m) => (m.groupIds = await identity().groupsOfUser(orgId, m.id))));
      }
    }
    return members;
  }

  async function orgResources(orgId: string): Promise<ScopedResource[]> {
    const system = systemPrincipal(orgId);
    const org = await engine.orgInfo(orgId);
    const organization = { id: orgId, name: org.name, slug: org.slug, labels: {} };
    const workspaces = await allPages((cursor) => tenancy().listWorkspaces(system, orgId, { limit: 200, ...(cursor ? { cursor } : {}) }), 1_000_000);
    const projects = await allPages((cursor) => tenancy().listProjects(system, orgId, { limit: 200, ...(cursor ? { cursor } : {}) }), 1_000_000);
    const chains = new Map<string, ResourceChain>();
    const resources: ScopedResource[] = [{ resource: orgResource(orgId), chain: { organization }, level: 'organization', name: org.name }];
    for (const ws of workspaces) {
      const chain = { organization, workspace: { id: ws.id, name: ws.name, slug: ws.slug, labels: ws.labels } };
      chains.set(ws.id, chain);
      resources.push({ resource: workspaceResource(ws), chain, level: 'workspace', name: ws.name });
    }
    for (const p of projects) {
      const parent = chains.get(p.workspaceId);
      if (!parent) continue;
      const chain = { ...parent, project: { id: p.id, name: p.name, slug: p.slug, labels: p.labels } };
      resources.push({ resource: projectResource(p), chain, level: 'project', name: p.name });
    }
    return resources;
  }

  async function resolveResource(orgId: string, ref: { type: ScopeType; id: string }): Promise<Resource> {
    return (await resolveScope(orgId, ref, 'resource.id')).resource;
  }

  function simulationContext(orgTimeZone: string) {
    const { roleAllows: _ignored, ...context } = requestContext({ roleAllows: false, now: deps.clock.now(), timeZone: orgTimeZone, ip: null, mfaAt: null });
    return context;
  }

  /** Applies a proposed change to a copy of the snapshot, validating it like the real change would be. */
  async function applyChange(orgId: string, before: Snapshot, proposal: WhatIfChange): Promise<Snapshot> {
    const after: Snapshot = { customRoles: new Map(before.customRoles), bindings: [...before.bindings], policies: [...before.policies] };
    switch (proposal.kind) {
      case 'addBinding': {
        const role = await requireRole(orgId, proposal.roleId, 'change.roleId');
        if (!canBindAt(role.scope, proposal.scope.type)) {
          throw problems.badRequest('role-not-grantable', `${role.id} is a ${role.scope} role; it cannot be bound at ${proposal.scope.type} scope.`, 'change.scope.type');
        }
        const scope = await resolveScope(orgId, proposal.scope, 'change.scope.id');
        await assertSubject(orgId, proposal.subject, 'change.subject.id');
        const proposed: BindingLike = {
          id: '(proposed)',
          role_id: role.id,
          subject_type: proposal.subject.type,
          subject_id: proposal.subject.id,
          scope_type: proposal.scope.type,
          scope_id: proposal.scope.id,
          workspace_id: scope.workspaceId,
        };
        after.bindings.push(proposed);
        return after;
      }
      case 'removeBinding': {
        const index = after.bindings.findIndex((b) => b.id === proposal.bindingId);
        if (index < 0) throw problems.badRequest('binding-not-found', `No binding ${proposal.bindingId} in this organization.`, 'change.bindingId');
        after.bindings.splice(index, 1);
        return after;
      }
      case 'updateRole':
      case 'deleteRole': {
        const role = await requireRole(orgId, proposal.roleId, 'change.roleId');
        if (role.builtIn) throw problems.conflict('built-in-role', `${role.id} is a built-in role; it cannot be changed or deleted.`, 'change.roleId');
        if (proposal.kind === 'deleteRole') {
          after.customRoles.delete(role.id);
          return after;
        }
        const errors = checkRoleActions(proposal.actions, role.scope, engine.catalog(), 'change.actions');
        if (errors.length) throw problems.validation(errors);
        after.customRoles.set(role.id, { ...role, actions: proposal.actions });
        return after;
      }
      case 'putPolicy': {
        const result = validatePolicyText(proposal.text, engine.schema().schema);
        if (!result.valid) throw invalidPolicy(result.errors, 'change.text');
        if (proposal.policyId) {
          const existing = await store.findPolicy(db, orgId, proposal.policyId);
          if (!existing) throw problems.badRequest('policy-not-found', `No policy ${proposal.policyId} in this organization.`, 'change.policyId');
          after.policies = after.policies.filter((x) => x.id !== existing.id).concat({ id: existing.id, name: existing.name, text: proposal.text });
        } else {
          after.policies.push({ id: 'proposed', name: 'proposed policy', text: proposal.text });
        }
        return after;
      }
      case 'deletePolicy': {
        const existing = await store.findPolicy(db, orgId, proposal.policyId);
        if (!existing) throw problems.badRequest('policy-not-found', `No policy ${proposal.policyId} in this organization.`, 'change.policyId');
        after.policies = after.policies.filter((x) => x.id !== existing.id);
        return after;
      }
    }
  }

  function compileOnce(label: string, policies: StoredPolicy[]): CompiledPolicySet | null {
    return policies.length ? engine.compile(`sim:${label}:${randomUUID()}`, policies) : null;
  }

  const contract: AccessContract = {
    async bindOwner(t, orgId, userId) {
      await store.insertBindingIfAbsent(t, {
        id: newId('binding'),
        org_id: orgId,
        role_id: OWNER_ROLE,
        subject_type: 'user',
        subject_id: userId,
        scope_type: 'organization',
        scope_id: orgId,
        workspace_id: null,
        created_by: userId,
      });
      await changeInCallerTx(t, orgId);
    },

    async assertGrantable(orgId, roleId, scopeType) {
      const role = await requireRole(orgId, roleId);
      if (!canBindAt(role.scope, scopeType)) {
        throw problems.badRequest('role-not-grantable', `${role.id} is a ${role.scope} role; it cannot be granted at ${scopeType} scope.`, 'roleId');
      }
    },

    async grantUnchecked(t, principal, input: GrantInput) {
      const role = await engine.findRole(input.orgId, input.roleId);
      if (!role) throw problems.conflict('role-not-found', `The role ${input.roleId} no longer exists; ask for a new invitation.`);
      if (!canBindAt(role.scope, input.scope.type)) {
        throw problems.badRequest('role-not-grantable', `${role.id} cannot be granted at ${input.scope.type} scope.`, 'roleId');
      }
      let workspaceId: string | null = null;
      if (input.scope.type === 'workspace') workspaceId = input.scope.id;
      if (input.scope.type === 'project') {
        const project = await tenancy().findProject(input.orgId, input.scope.id);
        if (!project) throw problems.conflict('scope-not-found', `The project ${input.scope.id} no longer exists.`);
        workspaceId = project.workspaceId;
      }
      const created = await store.insertBindingIfAbsent(t, {
        id: newId('binding'),
        org_id: input.orgId,
        role_id: role.id,
        subject_type: input.subject.type,
        subject_id: input.subject.id,
        scope_type: input.scope.type,
        scope_id: input.scope.id,
        workspace_id: workspaceId,
        created_by: principal.id,
      });
      await changeInCallerTx(t, input.orgId);
      return Boolean(created);
    },

    async revokeGrantUnchecked(t, input: GrantInput) {
      await store.deleteMatchingBinding(t, input);
      await changeInCallerTx(t, input.orgId);
    },

    async revokeSubject(t, orgId, subject) {
      const owners = await store.lockOwnerBindings(t, orgId, OWNER_ROLE);
      const remaining = owners.filter((b) => !(b.subject_type === subject.type && b.subject_id === subject.id));
      if (owners.length > 0 && remaining.length === 0) {
        throw problems.conflict('last-owner', 'This is the last owner of the organization; make someone else an owner first.');
      }
      await store.deleteBindingsOfSubject(t, orgId, subject);
      await changeInCallerTx(t, orgId);
    },

    async revokeScope(t, orgId, scope) {
      await store.deleteBindingsAtScope(t, orgId, scope);
      await changeInCallerTx(t, orgId);
    },

    async assertCanDelegate(p, orgId, grant) {
      if ((grant.roleId === null) === (grant.actions === null)) {
        throw problems.badRequest('grant-required', 'Give either roleId or actions.', 'roleId');
      }
      if (grant.workspaceId && !(await tenancy().findWorkspace(orgId, grant.workspaceId))) {
        throw problems.badRequest('scope-not-found', `No workspace ${grant.workspaceId} in this organization.`, 'workspaceId');
      }
      const scopeType: ScopeType = grant.workspaceId ? 'workspace' : 'organization';
      if (grant.roleId) {
        const role = await requireRole(orgId, grant.roleId);
        if (!canBindAt(role.scope, scopeType)) {
          throw problems.badRequest('role-not-grantable', `${role.id} is an organization role; a workspace key cannot hold it.`, 'roleId');
        }
      } else {
        const errors = checkRoleActions(grant.actions ?? [], scopeType, engine.catalog(), 'actions');
        if (errors.length) throw problems.validation(errors);
      }
      const roles = roleLookup(await engine.customRoles(orgId));
      const missing: string[] = [];
      for (const g of keyGrants(orgId, grant, roles)) missing.push(...(await missingActions(p, orgId, g.patterns, g.roleScope, g.reach)));
      if (missing.length) throw problems.forbidden('delegate', `You cannot give an API key more than you hold: ${escalationReason(missing)}.`);
    },

    async visibility(p, action): Promise<Visibility> {
      return engine.visibility(p, action);
    },
  };

  return {
    ...contract,

    // ---- catalog ----

    async listActions(p: Principal, orgId: string, page: PageQuery): Promise<Page<ActionInfo>> {
      await authz.require(p, 'role:read', { type: 'organization', id: orgId, orgId });
      const after = decodeCursor(page.cursor);
      const items = engine.catalog().filter((a) => after === null || a.name > after);
      const slice = items.slice(0, page.limit);
      return { items: slice, nextCursor: items.length > page.limit ? encodeCursor(slice[slice.length - 1]!.name) : null };
    },

    // ---- roles ----

    async listRoles(p: Principal, orgId: string, query: PageQuery & { scope?: ScopeType }): Promise<Page<RoleView>> {
      await requireAnywhere(p, 'role:read', orgId);
      const custom = [...(await engine.customRoles(orgId)).values()];
      const after = decodeCursor(query.cursor);
      const all = [...builtInRoles, ...custom]
        .filter((r) => (!query.scope || r.scope === query.scope) && (after === null || r.id > after))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const page = toPage(all, query.limit);
      return { items: page.items.map(roleView), nextCursor: page.nextCursor };
    },

    async getRole(p: Principal, orgId: string, roleId: string): Promise<RoleView> {
      await requireAnywhere(p, 'role:read', orgId);
      const role = await engine.findRole(orgId, roleId);
      if (!role) throw problems.notFound('role', roleId);
      return roleView(role);
    },

    async createRole(p: Principal, orgId: string, input: { name: string; description: string; scope: ScopeType; actions: string[] }): Promise<RoleView> {
      await authz.require(p, 'role:create', orgResource(orgId));
      const errors = checkRoleActions(input.actions, input.scope, engine.catalog());
      if (errors.length) throw problems.validation(errors);
      if (isBuiltInName(input.name)) throw problems.conflict('role-name-taken', `${input.name} is the name of a built-in role.`, 'name');
      return change(orgId, async (t) => {
        if ((await store.countRoles(t, orgId)) >= MAX_CUSTOM_ROLES) {
          throw problems.unprocessable('too-many-roles', `An organization can have at most ${MAX_CUSTOM_ROLES} custom roles.`);
        }
        let row: store.RoleRow;
        try {
          row = await store.insertRole(t, { id: newId('role'), org_id: orgId, name: input.name, description: input.description, scope: input.scope, actions: input.actions, created_by: p.id });
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('role-name-taken', `A role named ${input.name} exists.`, 'name');
          throw error;
        }
        const view = roleView(roleFromRow(row));
        await recordAudit(t, p, { action: 'role:create', orgId, target: { type: 'role', id: row.id, name: row.name }, after: view });
        return view;
      });
    },

    async updateRole(p: Principal, orgId: string, roleId: string, expectedVersion: number | undefined, input: { name?: string; description?: string; actions?: string[] }): Promise<RoleView> {
      await authz.require(p, 'role:update', orgResource(orgId));
      const current = await engine.findRole(orgId, roleId);
      if (!current) throw problems.notFound('role', roleId);
      if (current.builtIn) throw problems.conflict('built-in-role', `${roleId} is a built-in role; it cannot be changed. Create a custom role instead.`);
      if (input.actions) {
        const errors = checkRoleActions(input.actions, current.scope, engine.catalog());
        if (errors.length) throw problems.validation(errors);
        // The role may be bound anywhere in the org, so what it gains must be held org-wide.
        const catalog = engine.catalog();
        const had = new Set(effectiveActions(current.actions, current.scope, catalog));
        const added = effectiveActions(input.actions, current.scope, catalog).filter((a) => !had.has(a));
        const missing = await missingActions(p, orgId, added, 'organization', { level: 'organization' });
        if (missing.length) await denyAudited(p, 'role:update', orgResource(orgId), escalationReason(missing));
      }
      if (input.name !== undefined && isBuiltInName(input.name)) throw problems.conflict('role-name-taken', `${input.name} is the name of a built-in role.`, 'name');
      return change(orgId, async (t) => {
        const before = await store.findRole(t, orgId, roleId, 'update');
        if (!before) throw problems.notFound('role', roleId);
        let row: store.RoleRow | undefined;
        try {
          row = await store.updateRole(t, orgId, roleId, expectedVersion, input);
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('role-name-taken', `A role named ${input.name} exists.`, 'name');
          throw error;
        }
        if (!row) throw problems.preconditionFailed();
        const view = roleView(roleFromRow(row));
        await recordAudit(t, p, { action: 'role:update', orgId, target: { type: 'role', id: roleId, name: row.name }, before: roleView(roleFromRow(before)), after: view });
        return view;
      });
    },

    async deleteRole(p: Principal, orgId: string, roleId: string): Promise<void> {
      await authz.require(p, 'role:delete', orgResource(orgId));
      const current = await engine.findRole(orgId, roleId);
      if (current?.builtIn) throw problems.conflict('built-in-role', `${roleId} is a built-in role; it cannot be deleted.`);
      await change(orgId, async (t) => {
        const row = await store.findRole(t, orgId, roleId, 'update');
        if (!row) throw problems.notFound('role', roleId);
        const bindings = await store.countBindingsOfRole(t, orgId, roleId);
        if (bindings > 0) throw problems.conflict('role-in-use', `The role has ${bindings} binding(s); remove them first.`);
        await store.deleteRole(t, orgId, roleId);
        await recordAudit(t, p, { action: 'role:delete', orgId, target: { type: 'role', id: roleId, name: row.name }, before: roleView(roleFromRow(row)) });
      });
    },

    // ---- bindings ----

    async listBindings(p: Principal, orgId: string, query: PageQuery & { subjectId?: string; scopeId?: string; roleId?: string }): Promise<Page<BindingView>> {
      const v = await engine.visibility({ ...p, orgId }, 'role-binding:read');
      if (!v.all && v.workspaceIds.length === 0 && v.projectIds.length === 0) await authz.require(p, 'role-binding:read', orgResource(orgId));
      const rows = await store.listBindings(
        db,
        orgId,
        {
          ...(query.subjectId ? { subjectId: query.subjectId } : {}),
          ...(query.scopeId ? { scopeId: query.scopeId } : {}),
          ...(query.roleId ? { roleId: query.roleId } : {}),
          visible: v.all ? null : { workspaceIds: v.workspaceIds, projectIds: v.projectIds },
        },
        decodeCursor(query.cursor),
        query.limit,
      );
      const page = toPage(rows, query.limit);
      return { items: await Promise.all(page.items.map(bindingView)), nextCursor: page.nextCursor };
    },

    async createBinding(p: Principal, orgId: string, input: { roleId: string; subject: SubjectInput; scope: ScopeInput }): Promise<BindingView> {
      const scope = await resolveScope(orgId, input.scope);
      await authz.require(p, 'role-binding:create', scope.resource);
      const role = await requireRole(orgId, input.roleId);
      if (!canBindAt(role.scope, input.scope.type)) {
        throw problems.badRequest('role-not-grantable', `${role.id} is a ${role.scope} role; bind it at ${role.scope} scope or above.`, 'scope.type');
      }
      await assertSubject(orgId, input.subject);
      const reach = reachOf(role.scope, input.scope, scope.workspaceId);
      const missing = await missingActions(p, orgId, role.actions, role.scope, reach);
      if (missing.length) await denyAudited(p, 'role-binding:create', scope.resource, escalationReason(missing));
      return change(orgId, async (t) => {
        if (!role.builtIn && !(await store.findRole(t, orgId, role.id, 'share'))) {
          throw problems.badRequest('role-not-found', `No role ${role.id} in this organization.`, 'roleId');
        }
        let row: store.BindingRow;
        try {
          row = await store.insertBinding(t, {
            id: newId('binding'),
            org_id: orgId,
            role_id: role.id,
            subject_type: input.subject.type,
            subject_id: input.subject.id,
            scope_type: input.scope.type,
            scope_id: input.scope.id,
            workspace_id: scope.workspaceId,
            created_by: p.id,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('binding-exists', 'This subject already holds this role at this scope.');
          throw error;
        }
        const view = await bindingView(row);
        await recordAudit(t, p, { action: 'role-binding:create', orgId, workspaceId: scope.workspaceId, target: { type: 'role-binding', id: row.id, name: `${role.id} @ ${scope.name}` }, after: view });
        return view;
      });
    },

    async deleteBinding(p: Principal, orgId: string, bindingId: string): Promise<void> {
      const existing = await store.findBinding(db, orgId, bindingId);
      if (!existing) throw problems.notFound('role binding', bindingId);
      await authz.require(p, 'role-binding:delete', bindingResource(existing));
      await change(orgId, async (t) => {
        if (existing.role_id === OWNER_ROLE && existing.scope_type === 'organization') {
          const owners = await store.lockOwnerBindings(t, orgId, OWNER_ROLE);
          if (owners.every((b) => b.id === bindingId)) {
            throw problems.conflict('last-owner', 'This is the last owner binding of the organization; make someone else an owner first.');
          }
        }
        const row = await store.deleteBinding(t, orgId, bindingId);
        if (!row) throw problems.notFound('role binding', bindingId);
        await recordAudit(t, p, { action: 'role-binding:delete', orgId, workspaceId: row.workspace_id, target: { type: 'role-binding', id: row.id, name: row.role_id }, before: await bindingView(row) });
      });
    },

    // ---- policies ----

    async listPolicies(p: Principal, orgId: string, query: PageQuery & { enabled?: 'true' | 'false' }): Promise<Page<PolicyView>> {
      await authz.require(p, 'policy:read', orgResource(orgId));
      const filter = query.enabled === undefined ? {} : { enabled: query.enabled === 'true' };
      const rows = await store.listPolicies(db, orgId, filter, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      return { items: page.items.map(policyView), nextCursor: page.nextCursor };
    },

    async getPolicy(p: Principal, orgId: string, policyId: string): Promise<PolicyView> {
      await authz.require(p, 'policy:read', orgResource(orgId));
      const row = await store.findPolicy(db, orgId, policyId);
      if (!row) throw problems.notFound('policy', policyId);
      return policyView(row);
    },

    async createPolicy(p: Principal, orgId: string, input: { name: string; description: string; text: string; enabled: boolean }): Promise<PolicyView> {
      await authz.require(p, 'policy:create', orgResource(orgId));
      const result = validatePolicyText(input.text, engine.schema().schema);
      if (!result.valid) throw invalidPolicy(result.errors);
      return change(orgId, async (t) => {
        let row: store.PolicyRow;
        try {
          row = await store.insertPolicy(t, { id: newId('policy'), org_id: orgId, name: input.name, description: input.description, text: input.text, enabled: input.enabled, created_by: p.id });
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('policy-name-taken', `A policy named ${input.name} exists.`, 'name');
          throw error;
        }
        const view = policyView(row);
        await recordAudit(t, p, { action: 'policy:create', orgId, target: { type: 'policy', id: row.id, name: row.name }, after: view });
        return view;
      });
    },

    async updatePolicy(p: Principal, orgId: string, policyId: string, expectedVersion: number | undefined, input: { name?: string; description?: string; text?: string; enabled?: boolean }): Promise<PolicyView> {
      await authz.require(p, 'policy:update', orgResource(orgId));
      if (input.text !== undefined) {
        const result = validatePolicyText(input.text, engine.schema().schema);
        if (!result.valid) throw invalidPolicy(result.errors);
      }
      return change(orgId, async (t) => {
        const before = await store.findPolicy(t, orgId, policyId);
        if (!before) throw problems.notFound('policy', policyId);
        let row: store.PolicyRow | undefined;
        try {
          row = await store.updatePolicy(t, orgId, policyId, expectedVersion, input);
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('policy-name-taken', `A policy named ${input.name} exists.`, 'name');
          throw error;
        }
        if (!row) throw problems.preconditionFailed();
        const view = policyView(row);
        await recordAudit(t, p, { action: 'policy:update', orgId, target: { type: 'policy', id: policyId, name: row.name }, before: policyView(before), after: view });
        return view;
      });
    },

    async deletePolicy(p: Principal, orgId: string, policyId: string): Promise<void> {
      await authz.require(p, 'policy:delete', orgResource(orgId));
      await change(orgId, async (t) => {
        const row = await store.deletePolicy(t, orgId, policyId);
        if (!row) throw problems.notFound('policy', policyId);
        await recordAudit(t, p, { action: 'policy:delete', orgId, target: { type: 'policy', id: policyId, name: row.name }, before: policyView(row) });
      });
    },

    async validatePolicy(p: Principal, orgId: string, text: string) {
      await authz.require(p, 'policy:read', orgResource(orgId));
      return validatePolicyText(text, engine.schema().schema);
    },

    async policySchema(p: Principal, orgId: string) {
      await authz.require(p, 'policy:read', orgResource(orgId));
      const { schema } = engine.schema();
      return { cedarSchema: schema.text, entityTypes: schema.entityTypes, actions: schema.actions };
    },

    // ---- questions ----

    async check(p: Principal, orgId: string, input: { action: string; resource: { type: ScopeType; id: string }; principal?: { type: 'user' | 'apiKey'; id: string } }): Promise<Decision> {
      const self = !input.principal || ((input.principal.type === 'user' ? p.kind === 'user' : p.kind === 'apiKey') && input.principal.id === p.id);
      if (!self) await authz.require(p, 'access:simulate', orgResource(orgId));
      actionInfo(input.action, 'action');
      const resource = await resolveResource(orgId, input.resource);
      if (self) return engine.decide({ ...p, orgId }, input.action, resource);
      const subject = input.principal!;
      if (subject.type === 'user') {
        if (!(await tenancy().isMember(orgId, subject.id))) {
          throw problems.badRequest('subject-not-found', `User ${subject.id} is not a member of this organization.`, 'principal.id');
        }
        const [user] = await identity().findUsers([subject.id]);
        return engine.decide(simulatedPrincipal(orgId, { kind: 'user', id: subject.id, name: user?.displayName ?? subject.id }), input.action, resource);
      }
      const keys = await identity().listApiKeyGrants(orgId);
      const key = keys.find((k) => k.id === subject.id);
      if (!key) throw problems.badRequest('subject-not-found', `No API key ${subject.id} in this organization.`, 'principal.id');
      if (key.status !== 'active') return { allowed: false, reason: `the API key is ${key.status}` };
      const keyGrant = { workspaceId: key.workspaceId, roleId: key.roleId, actions: key.actions };
      return engine.decide(simulatedPrincipal(orgId, { kind: 'apiKey', id: key.id, name: key.name, keyGrant }), input.action, resource);
    },

    async whoCan(p: Principal, orgId: string, input: { action: string; resource: { type: ScopeType; id: string } }) {
      await authz.require(p, 'access:simulate', orgResource(orgId));
      actionInfo(input.action, 'action');
      const resource = await resolveResource(orgId, input.resource);
      const info = engine.action(input.action)!;
      const snapshot = await liveSnapshot(orgId);
      const needGroups = snapshot.bindings.some((b) => b.subject_type === 'group') || snapshot.policies.length > 0;
      const [members, set, chain, org] = await Promise.all([
        orgMembers(orgId, needGroups),
        engine.policySet(orgId),
        engine.resourceChain(resource),
        engine.orgInfo(orgId),
      ]);
      const target: ScopedResource = { resource, chain, level: input.resource.type, name: input.resource.id };
      const context = simulationContext(org.timeZone);
      const subjects: Array<{ type: 'user' | 'apiKey'; id: string; name: string; via: string }> = [];
      for (const m of members) {
        const decision = decideMember(subjectGrants(snapshot, m), set, m, info, target, context);
        if (decision.allowed) subjects.push({ type: 'user', id: m.id, name: m.name, via: decision.reason });
      }
      const keys = await identity().listApiKeyGrants(orgId);
      for (const k of keys) {
        if (k.status !== 'active') continue;
        const keyGrant = { workspaceId: k.workspaceId, roleId: k.roleId, actions: k.actions };
        const decision = await engine.decide(simulatedPrincipal(orgId, { kind: 'apiKey', id: k.id, name: k.name, keyGrant }), input.action, resource);
        if (decision.allowed) subjects.push({ type: 'apiKey', id: k.id, name: k.name, via: decision.reason });
      }
      return { subjects };
    },

    async whatIf(p: Principal, orgId: string, proposal: WhatIfChange): Promise<WhatIfResult> {
      await authz.require(p, 'access:simulate', orgResource(orgId));
      const before = await liveSnapshot(orgId);
      const after = await applyChange(orgId, before, proposal);
      const actions = touchedActions(before, after, proposal as { kind: string; roleId?: string }, engine.catalog());
      const policiesChanged = proposal.kind === 'putPolicy' || proposal.kind === 'deletePolicy';
      const needGroups = [...before.bindings, ...after.bindings].some((b) => b.subject_type === 'group') || before.policies.length > 0 || after.policies.length > 0;
      const resources = await orgResources(orgId);
      const members = await orgMembers(orgId, needGroups);
      const evaluations = countEvaluations(members.length, actions, resources);
      if (evaluations > MAX_EVALUATIONS) {
        throw problems.unprocessable(
          'simulation-too-large',
          `This change needs ${evaluations} decisions (members × actions × resources, before and after); the limit is ${MAX_EVALUATIONS}.`,
          'change',
        );
      }
      const beforeSet = compileOnce('before', before.policies);
      const afterSet = policiesChanged ? compileOnce('after', after.policies) : beforeSet;
      try {
        const org = await engine.orgInfo(orgId);
        return await simulate({ before, after, beforeSet, afterSet, members, actions, resources, context: simulationContext(org.timeZone) });
      } finally {
        releaseSets(beforeSet, afterSet === beforeSet ? null : afterSet);
      }
    },
  };
}
