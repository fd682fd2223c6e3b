/**
 * The decision formula, as pure functions shared by the engine and the simulations:
 *
 *   roleAllows = some grant of the principal allows the action, and its reach contains the resource
 *   allowed    = roleAllows                                        (org without enabled policies)
 *   allowed    = Cedar(policies + "permit when context.roleAllows") (otherwise)
 *
 * so role grants are permits, a customer `forbid` overrides them, and a customer `permit`
 * can grant beyond roles.
 */
import type { ActionInfo, Decision, KeyGrant, Resource } from '../../kernel/authz.ts';
import { evaluate, type CompiledPolicySet, type EntityJson, type uid } from './cedar.ts';
import type { RequestContext } from './context.ts';
import type { ScopeType } from './contract.ts';
import { describeReach, reachOf, type Grant, type GrantSet } from './grants.ts';
import { findBuiltInRole, type RoleDefinition } from './roles.ts';

export interface BindingLike {
  id: string;
  role_id: string;
  subject_type: 'user' | 'group';
  subject_id: string;
  scope_type: ScopeType;
  scope_id: string;
  workspace_id: string | null;
}

export type RoleLookup = (roleId: string) => RoleDefinition | undefined;

export function roleLookup(customRoles: ReadonlyMap<string, RoleDefinition>): RoleLookup {
  return (id) => findBuiltInRole(id) ?? customRoles.get(id);
}

/** The grants that bindings give; bindings of a role that no longer exists give nothing. */
export function bindingGrants(bindings: readonly BindingLike[], roles: RoleLookup): Grant[] {
  const grants: Grant[] = [];
  for (const b of bindings) {
    const role = roles(b.role_id);
    if (!role) continue;
    const via = b.subject_type === 'group' ? ` via group ${b.subject_id}` : '';
    grants.push({
      patterns: role.actions,
      roleScope: role.scope,
      reach: reachOf(role.scope, { type: b.scope_type, id: b.scope_id }, b.workspace_id),
      source: `role ${role.id} (binding ${b.id}${via})`,
    });
  }
  return grants;
}

/** An API key acts with its role, or its explicit actions, in its org or one workspace. */
export function keyGrants(orgId: string, grant: KeyGrant, roles: RoleLookup): Grant[] {
  const scope = grant.workspaceId ? { type: 'workspace' as const, id: grant.workspaceId } : { type: 'organization' as const, id: orgId };
  if (grant.roleId) {
    const role = roles(grant.roleId);
    if (!role || (role.scope === 'organization' && scope.type !== 'organization')) return [];
    return [{ patterns: role.actions, roleScope: role.scope, reach: reachOf(role.scope, scope, null), source: `API key grant (role ${role.id})` }];
  }
  const patterns = grant.actions ?? [];
  if (patterns.length === 0) return [];
  const roleScope: ScopeType = scope.type;
  return [{ patterns, roleScope, reach: reachOf(roleScope, scope, null), source: 'API key grant (actions)' }];
}

export function roleDecision(grants: GrantSet, action: ActionInfo, resource: Pick<Resource, 'workspaceId' | 'projectId'>) {
  const grant = grants.allowing(action, resource);
  return { grant, reason: grant ? `${grant.source} ${describeReach(grant.reach)}` : `no role grants ${action.name} here` };
}

/** Does this decision need Cedar, or do the roles settle it? */
export function needsCedar(set: CompiledPolicySet | null, roleAllows: boolean): set is CompiledPolicySet {
  if (!set) return false;
  return roleAllows ? set.hasForbid : set.hasPermit;
}

export interface CedarRequest {
  principal: ReturnType<typeof uid>;
  principalEntities: EntityJson[];
  resource: ReturnType<typeof uid>;
  resourceEntities: EntityJson[];
  action: string;
}

/** Role grant plus Cedar: the decision formula in one place, used by the engine and simulations. */
export function combine(set: CompiledPolicySet, role: { allowed: boolean; reason: string }, request: CedarRequest, context: Omit<RequestContext, 'roleAllows'>): Decision {
  const outcome = evaluate(set, {
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: { ...context, roleAllows: role.allowed },
    entities: [...request.principalEntities, ...request.resourceEntities],
  });
  if (outcome.error) {
    const which = outcome.policy ? `policy ${outcome.policy.id} (${outcome.policy.name})` : 'the policy set';
    return { allowed: false, reason: `${which} could not be evaluated, so access is denied: ${outcome.error}` };
  }
  if (outcome.allowed) {
    return { allowed: true, reason: outcome.policy ? `permitted by policy ${outcome.policy.id} (${outcome.policy.name})` : role.reason };
  }
  return { allowed: false, reason: outcome.policy ? `forbidden by policy ${outcome.policy.id} (${outcome.policy.name})` : role.reason };
}

