/**
 * The authorization engine behind `authz.decide` (the formula is in decision.ts).
 * Grants are compiled once per (organization, principal) and cached; policy sets once per
 * organization. Every change to roles, bindings or policies publishes `authz:<orgId>`
 * in its transaction, and each replica drops that organization's entries when it hears it.
 */
import { createHash } from 'node:crypto';
import { Counter } from 'prom-client';
import type { ActionInfo, Decision, Principal, Resource } from '../../kernel/authz.ts';
import type { ModuleDeps } from '../deps.ts';
import {
  apiKeyEntity,
  buildSchema,
  compilePolicySet,
  resourceEntities,
  uid,
  userEntity,
  type CedarSchema,
  type CompiledPolicySet,
  type EntityJson,
  type ResourceChain,
  type ScopeAttrs,
  type StoredPolicy,
} from './cedar.ts';
import { requestContext } from './context.ts';
import type { Visibility } from './contract.ts';
import { bindingGrants, combine, keyGrants, needsCedar, roleDecision, roleLookup, type BindingLike } from './decision.ts';
import { GrantSet } from './grants.ts';
import { findBuiltInRole, type RoleDefinition } from './roles.ts';
import * as store from './store.ts';

export const AUTHZ_TOPIC = 'authz';

/** A custom role row in the shape of a built-in role. */
export function roleFromRow(row: store.RoleRow): RoleDefinition {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    scope: row.scope,
    actions: row.actions,
    builtIn: false,
    version: row.version,
  };
}

interface PrincipalEntry {
  grants: GrantSet;
  groupIds: readonly string[];
}

interface OrgEntry {
  roles?: Map<string, RoleDefinition>;
  /** undefined: not loaded yet; null: the org has no enabled policy. */
  policies?: CompiledPolicySet | null;
  /** Bindings by subject (`user:<id>`, `group:<id>`), loaded on demand. */
  subjects: Map<string, BindingLike[]>;
  /** Compiled grants by principal (users: with the groups they were in). */
  grantSets: Map<string, GrantSet>;
  emails: Map<string, string>;
  createdAt: number;
}

interface OrgInfo {
  name: string;
  slug: string;
  timeZone: string;
  loadedAt: number;
}

const ORG_INFO_TTL_MS = 60_000;
/**
 * Notifications arrive over one LISTEN connection; should one be lost (a dropped
 * connection), no cached grant outlives this.
 */
const MAX_AGE_MS = 5 * 60_000;
const MAX_CACHED_PRINCIPALS = 100_000;

export type AuthzEngineImpl = ReturnType<typeof createEngine>;

export function createEngine(deps: ModuleDeps) {
  const { db, authz } = deps;
  const orgs = new Map<string, OrgEntry>();
  const generations = new Map<string, number>();
  const orgInfos = new Map<string, OrgInfo>();
  let cachedPrincipals = 0;
  let catalogIndex = new Map<string, ActionInfo>();
  let schemaMemo: { signature: string; schema: CedarSchema; name: string } | null = null;
  const decisions = new Counter({
    name: 'hexaplane_authz_decisions_total',
    help: 'Authorization decisions by outcome and by whether Cedar policies were evaluated',
    labelNames: ['allowed', 'cedar'] as const,
    registers: [deps.metrics],
  });
  const loads = new Counter({
    name: 'hexaplane_authz_cache_loads_total',
    help: 'Database loads behind the authorization cache (roles, bindings, policies)',
    labelNames: ['kind'] as const,
    registers: [deps.metrics],
  });

  deps.changes.subscribe(AUTHZ_TOPIC, (orgId) => invalidate(orgId));

  function generation(orgId: string): number {
    return generations.get(orgId) ?? 0;
  }

  /** Drops what this replica cached for an org; loads still running for it will not be kept. */
  function invalidate(orgId: string): void {
    generations.set(orgId, generation(orgId) + 1);
    const entry = orgs.get(orgId);
    if (entry) cachedPrincipals -= entry.grantSets.size;
    orgs.delete(orgId);
    orgInfos.delete(orgId);
  }

  /** A load may be kept only if nothing changed while it ran. */
  function mayCache(orgId: string, startedAt: number): boolean {
    return generation(orgId) === startedAt;
  }

  /** The org's cache entry, or undefined when there is none or it outlived its maximum age. */
  function cachedOrg(orgId: string): OrgEntry | undefined {
    const entry = orgs.get(orgId);
    if (entry && performance.now() - entry.createdAt > MAX_AGE_MS) {
      invalidate(orgId);
      return undefined;
    }
    return entry;
  }

  function orgEntry(orgId: string): OrgEntry {
    let entry = cachedOrg(orgId);
    if (!entry) orgs.set(orgId, (entry = { subjects: new Map(), grantSets: new Map(), emails: new Map(), createdAt: performance.now() }));
    return entry;
  }

  function catalog(): ActionInfo[] {
    return authz.listActions();
  }

  function action(name: string): ActionInfo | undefined {
    let found = catalogIndex.get(name);
    if (!found) {
      catalogIndex = new Map(catalog().map((a) => [a.name, a]));
      found = catalogIndex.get(name);
    }
    return found;
  }

  /** The Cedar schema of the current catalog (regenerated when modules add actions). */
  function schema(): { schema: CedarSchema; name: string } {
    const actions = catalog();
    const signature = createHash('sha256').update(actions.map((a) => `${a.name}/${a.scope}`).join('\n')).digest('hex').slice(0, 16);
    if (schemaMemo?.signature !== signature) schemaMemo = { signature, schema: buildSchema(actions), name: `hexaplane-${signature}` };
    return { schema: schemaMemo.schema, name: schemaMemo.name };
  }

  async function customRoles(orgId: string): Promise<Map<string, RoleDefinition>> {
    const cached = cachedOrg(orgId)?.roles;
    if (cached) return cached;
    const startedAt = generation(orgId);
    loads.inc({ kind: 'roles' });
    const roles = new Map((await store.listRoles(db, orgId)).map((r) => [r.id, roleFromRow(r)]));
    if (mayCache(orgId, startedAt)) orgEntry(orgId).roles = roles;
    return roles;
  }

  async function findRole(orgId: string, roleId: string): Promise<RoleDefinition | undefined> {
    return findBuiltInRole(roleId) ?? (await customRoles(orgId)).get(roleId);
  }

  function remember(orgId: string, key: string, grants: GrantSet): void {
    if (cachedPrincipals >= MAX_CACHED_PRINCIPALS) {
      for (const e of orgs.values()) e.grantSets.clear();
      cachedPrincipals = 0;
    }
    const sets = orgEntry(orgId).grantSets;
    if (!sets.has(key)) cachedPrincipals++;
    sets.set(key, grants);
  }

  /**
   * A user's grants: its own bindings and its groups'. The groups come from identity on
   * every decision (identity caches them and forgets on membership changes), so a group
   * change applies at once; bindings are cached per subject here.
   */
  async function userEntry(orgId: string, userId: string): Promise<PrincipalEntry> {
    const groupIds = [...(await deps.services.identity.groupsOfUser(orgId, userId))].sort();
    const key = `u:${userId}|${groupIds.join(',')}`;
    const cached = cachedOrg(orgId)?.grantSets.get(key);
    if (cached) return { grants: cached, groupIds };
    const startedAt = generation(orgId);
    const roles = roleLookup(await customRoles(orgId));
    const known = cachedOrg(orgId)?.subjects;
    const wanted = [`user:${userId}`, ...groupIds.map((g) => `group:${g}`)];
    const missing = wanted.filter((s) => !known?.has(s));
    const loaded = new Map<string, BindingLike[]>(missing.map((s) => [s, []]));
    if (missing.length) {
      loads.inc({ kind: 'bindings' });
      const users = missing.filter((s) => s.startsWith('user:')).map((s) => s.slice(5));
      const groups = missing.filter((s) => s.startsWith('group:')).map((s) => s.slice(6));
      for (const b of await store.listBindingsForSubjects(db, orgId, users, groups)) loaded.get(`${b.subject_type}:${b.subject_id}`)?.push(b);
    }
    const bindings = wanted.flatMap((s) => loaded.get(s) ?? known?.get(s) ?? []);
    const grants = new GrantSet(bindingGrants(bindings, roles));
    if (mayCache(orgId, startedAt)) {
      const entry = orgEntry(orgId);
      for (const [subject, list] of loaded) entry.subjects.set(subject, list);
      remember(orgId, key, grants);
    }
    return { grants, groupIds };
  }

  async function keyEntry(p: Principal, orgId: string): Promise<PrincipalEntry> {
    const key = `k:${p.id}:${JSON.stringify(p.keyGrant ?? null)}`;
    const cached = cachedOrg(orgId)?.grantSets.get(key);
    if (cached) return { grants: cached, groupIds: [] };
    const startedAt = generation(orgId);
    const roles = roleLookup(await customRoles(orgId));
    const grants = new GrantSet(p.keyGrant && p.orgId === orgId ? keyGrants(orgId, p.keyGrant, roles) : []);
    if (mayCache(orgId, startedAt)) remember(orgId, key, grants);
    return { grants, groupIds: [] };
  }

  async function principalEntry(p: Principal, orgId: string): Promise<PrincipalEntry> {
    if (p.kind === 'user') return userEntry(orgId, p.id);
    if (p.kind === 'apiKey') return keyEntry(p, orgId);
    return { grants: new GrantSet([]), groupIds: [] };
  }

  /** Compiles a policy set from stored policies (also used by simulations with their own id). */
  function compile(setId: string, policies: readonly StoredPolicy[]): CompiledPolicySet {
    const { schema: s, name } = schema();
    return compilePolicySet(setId, policies, s, name);
  }

  async function policySet(orgId: string): Promise<CompiledPolicySet | null> {
    const cached = cachedOrg(orgId)?.policies;
    if (cached !== undefined) return cached;
    const startedAt = generation(orgId);
    loads.inc({ kind: 'policies' });
    const rows = await store.listEnabledPolicies(db, orgId);
    const set = rows.length ? compile(`org:${orgId}`, rows) : null;
    if (mayCache(orgId, startedAt)) orgEntry(orgId).policies = set;
    return set;
  }

  async function orgInfo(orgId: string): Promise<OrgInfo> {
    const cached = orgInfos.get(orgId);
    if (cached && performance.now() - cached.loadedAt < ORG_INFO_TTL_MS) return cached;
    const org = await deps.services.tenancy.findOrganization(orgId);
    const info = { name: org?.name ?? orgId, slug: org?.slug ?? orgId, timeZone: org?.timeZone ?? 'UTC', loadedAt: performance.now() };
    orgInfos.set(orgId, info);
    return info;
  }

  function scopeAttrsOf(resource: Resource): ScopeAttrs | null {
    const a = resource.attrs;
    if (!a || typeof a.name !== 'string' || typeof a.slug !== 'string') return null;
    const labels = a.labels && typeof a.labels === 'object' ? (a.labels as Record<string, string>) : {};
    return { name: a.name, slug: a.slug, labels };
  }

  /** The resource's scope chain with the attributes policies may read, fetched when the caller did not pass them. */
  async function resourceChain(resource: Resource): Promise<ResourceChain> {
    const org = await orgInfo(resource.orgId);
    const chain: ResourceChain = { organization: { id: resource.orgId, name: org.name, slug: org.slug, labels: {} } };
    const own = scopeAttrsOf(resource);
    if (resource.workspaceId) {
      let attrs = resource.type === 'workspace' && resource.id === resource.workspaceId ? own : null;
      if (!attrs) {
        const ws = await deps.services.tenancy.findWorkspace(resource.orgId, resource.workspaceId);
        attrs = { name: ws?.name ?? resource.workspaceId, slug: ws?.slug ?? '', labels: ws?.labels ?? {} };
      }
      chain.workspace = { id: resource.workspaceId, ...attrs };
      if (resource.projectId) {
        let pattrs = resource.type === 'project' && resource.id === resource.projectId ? own : null;
        if (!pattrs) {
          const prj = await deps.services.tenancy.findProject(resource.orgId, resource.projectId);
          pattrs = { name: prj?.name ?? resource.projectId, slug: prj?.slug ?? '', labels: prj?.labels ?? {} };
        }
        chain.project = { id: resource.projectId, ...pattrs };
      }
    }
    return chain;
  }

  async function principalEntities(p: Principal, orgId: string, entry: PrincipalEntry): Promise<{ principal: ReturnType<typeof uid>; entities: EntityJson[] }> {
    if (p.kind === 'apiKey') return { principal: uid('ApiKey', p.id), entities: apiKeyEntity(p.id) };
    let email = cachedOrg(orgId)?.emails.get(p.id);
    if (email === undefined) {
      const startedAt = generation(orgId);
      const [user] = await deps.services.identity.findUsers([p.id]);
      email = user?.email ?? '';
      if (mayCache(orgId, startedAt)) orgEntry(orgId).emails.set(p.id, email);
    }
    return { principal: uid('User', p.id), entities: userEntity(p.id, email, p.platformAdmin, entry.groupIds) };
  }

  /** Decisions that need no grants: the system, platform actions, principals that hold no roles. */
  function settledWithoutGrants(p: Principal, actionName: string, info: ActionInfo | undefined, resource: Resource): Decision | null {
    if (p.kind === 'system') return { allowed: true, reason: 'the system itself' };
    if (actionName === 'organization:create') {
      return p.kind === 'user' && p.platformAdmin
        ? { allowed: true, reason: 'platform administrator' }
        : { allowed: false, reason: 'only platform administrators create organizations' };
    }
    if (!info) return { allowed: false, reason: `unknown action ${actionName}` };
    if (info.scope === 'platform') return { allowed: false, reason: `${actionName} is a platform action` };
    if (p.kind === 'scim') return { allowed: false, reason: 'SCIM tokens act only through the SCIM API' };
    if (p.kind === 'apiKey' && p.orgId !== resource.orgId) return { allowed: false, reason: 'the API key belongs to another organization' };
    return null;
  }

  async function decide(p: Principal, actionName: string, resource: Resource): Promise<Decision> {
    const info = action(actionName);
    const settled = settledWithoutGrants(p, actionName, info, resource);
    if (settled || !info) return count(settled ?? { allowed: false, reason: `unknown action ${actionName}` }, false);

    const entry = await principalEntry(p, resource.orgId);
    const role = roleDecision(entry.grants, info, resource);
    const roleAllows = role.grant !== null;
    const set = await policySet(resource.orgId);
    if (!needsCedar(set, roleAllows)) return count({ allowed: roleAllows, reason: role.reason }, false);

    const [who, chain, org] = await Promise.all([principalEntities(p, resource.orgId, entry), resourceChain(resource), orgInfo(resource.orgId)]);
    const { resource: target, entities } = resourceEntities(chain);
    const context = requestContext({ roleAllows, now: deps.clock.now(), timeZone: org.timeZone, ip: p.ip, mfaAt: p.mfaAt });
    const request = { principal: who.principal, principalEntities: who.entities, resource: target, resourceEntities: entities, action: actionName };
    return count(combine(set, { allowed: roleAllows, reason: role.reason }, request, context), true);
  }

  function count(decision: Decision, cedar: boolean): Decision {
    decisions.inc({ allowed: String(decision.allowed), cedar: String(cedar) });
    return decision;
  }

  /**
   * The list filter for an action, from role grants. Cedar is not consulted: with forbid
   * policies the filter may over-approximate (a list can show an item whose get is then
   * forbidden), and items a permit policy grants beyond roles are not listed; get, update
   * and delete still decide per resource.
   */
  async function visibility(p: Principal, actionName: string): Promise<Visibility> {
    const none: Visibility = { all: false, workspaceIds: [], projectIds: [] };
    if (p.kind === 'system') return { all: true };
    const info = action(actionName);
    if (!info || !p.orgId || p.kind === 'scim' || info.scope === 'platform') return none;
    return (await principalEntry(p, p.orgId)).grants.visibility(info);
  }

  /** The role grants of a principal in an org (delegation checks). */
  async function grantsOf(p: Principal, orgId: string): Promise<GrantSet> {
    if (p.kind !== 'user' && p.kind !== 'apiKey') return new GrantSet([]);
    return (await principalEntry(p, orgId)).grants;
  }

  return {
    decide,
    visibility,
    grantsOf,
    invalidate,
    action,
    catalog,
    schema,
    compile,
    customRoles,
    findRole,
    policySet,
    orgInfo,
    resourceChain,
  };
}
