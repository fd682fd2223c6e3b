/**
 * What-if and who-can: decisions over a whole organization from a snapshot of its roles,
 * bindings and policies, without touching the engine's caches. No I/O: the service loads
 * the snapshot, members and resources, and passes them in.
 */
import type { ActionInfo, Decision, Resource } from '../../kernel/authz.ts';
import { releasePolicySet, resourceEntities, uid, userEntity, type CompiledPolicySet, type EntityJson, type ResourceChain, type StoredPolicy } from './cedar.ts';
import type { RequestContext } from './context.ts';
import { bindingGrants, combine, needsCedar, roleDecision, roleLookup, type BindingLike } from './decision.ts';
import { GrantSet } from './grants.ts';
import { effectiveActions, type RoleDefinition } from './roles.ts';
import type { AccessChange } from './schemas.ts';

/** Decisions a what-if may compare (before and after count separately). */
export const MAX_EVALUATIONS = 200_000;
const MAX_LISTED = 1_000;

export interface Snapshot {
  customRoles: Map<string, RoleDefinition>;
  bindings: BindingLike[];
  policies: StoredPolicy[];
}

export interface Member {
  id: string;
  name: string;
  email: string;
  groupIds: string[];
}

export interface ScopedResource {
  resource: Resource;
  chain: ResourceChain;
  level: 'organization' | 'workspace' | 'project';
  name: string;
}

/** An action is simulated where it is granted: org actions on the org, workspace actions on each workspace, ... */
export function resourcesFor(action: ActionInfo, resources: readonly ScopedResource[]): ScopedResource[] {
  return resources.filter((r) => r.level === action.scope);
}

export function countEvaluations(members: number, actions: readonly ActionInfo[], resources: readonly ScopedResource[]): number {
  let perMember = 0;
  for (const a of actions) perMember += resourcesFor(a, resources).length;
  return members * perMember * 2;
}

export function subjectGrants(snapshot: Snapshot, member: Pick<Member, 'id' | 'groupIds'>): GrantSet {
  const groups = new Set(member.groupIds);
  const mine = snapshot.bindings.filter((b) => (b.subject_type === 'user' ? b.subject_id === member.id : groups.has(b.subject_id)));
  return new GrantSet(bindingGrants(mine, roleLookup(snapshot.customRoles)));
}

/** The actions a change can affect: the role's actions for role and binding changes, all for policies. */
export function touchedActions(before: Snapshot, after: Snapshot, change: { kind: string; roleId?: string }, catalog: readonly ActionInfo[]): ActionInfo[] {
  const cedarCatalog = catalog.filter((a) => a.scope !== 'platform');
  if (change.kind === 'putPolicy' || change.kind === 'deletePolicy') return cedarCatalog;
  const names = new Set<string>();
  const addRole = (role: RoleDefinition | undefined) => {
    if (role) for (const n of effectiveActions(role.actions, role.scope, cedarCatalog)) names.add(n);
  };
  if (change.kind === 'addBinding' || change.kind === 'removeBinding') {
    const differing = [
      ...before.bindings.filter((b) => !after.bindings.includes(b)),
      ...after.bindings.filter((b) => !before.bindings.includes(b)),
    ];
    for (const b of differing) addRole(roleLookup(before.customRoles)(b.role_id) ?? roleLookup(after.customRoles)(b.role_id));
  } else if (change.roleId) {
    addRole(before.customRoles.get(change.roleId));
    addRole(after.customRoles.get(change.roleId));
  }
  return cedarCatalog.filter((a) => names.has(a.name));
}

export interface SimulationInput {
  before: Snapshot;
  after: Snapshot;
  beforeSet: CompiledPolicySet | null;
  afterSet: CompiledPolicySet | null;
  members: Member[];
  actions: ActionInfo[];
  resources: ScopedResource[];
  context: Omit<RequestContext, 'roleAllows'>;
  /** Lets the event loop breathe between batches of evaluations. */
  yieldEvery?: number;
}

function userRequest(member: Member, action: string, r: ScopedResource) {
  const { resource, entities } = resourceEntities(r.chain);
  return {
    principal: uid('User', member.id),
    principalEntities: userEntity(member.id, member.email, false, member.groupIds) as EntityJson[],
    resource,
    resourceEntities: entities,
    action,
  };
}

/** One member's decision from a snapshot's grants (who-can and what-if). */
export function decideMember(grants: GrantSet, set: CompiledPolicySet | null, member: Member, action: ActionInfo, r: ScopedResource, context: SimulationInput['context']): Decision {
  const role = roleDecision(grants, action, r.resource);
  const roleAllows = role.grant !== null;
  if (!needsCedar(set, roleAllows)) return { allowed: roleAllows, reason: role.reason };
  return combine(set, { allowed: roleAllows, reason: role.reason }, userRequest(member, action.name, r), context);
}

/**
 * Compares every (member, action, resource) decision before and after a change. When the
 * policies do not change, a decision can only change where the role grant changes, so
 * Cedar runs only there.
 */
export async function simulate(input: SimulationInput): Promise<{ gained: AccessChange[]; lost: AccessChange[]; evaluations: number; truncated: boolean }> {
  const gained: AccessChange[] = [];
  const lost: AccessChange[] = [];
  let truncated = false;
  let evaluations = 0;
  const policiesChanged = input.beforeSet !== input.afterSet;
  const yieldEvery = input.yieldEvery ?? 2_000;
  let sinceYield = 0;
  for (const member of input.members) {
    const before = subjectGrants(input.before, member);
    const after = subjectGrants(input.after, member);
    for (const action of input.actions) {
      for (const r of resourcesFor(action, input.resources)) {
        evaluations += 2;
        const roleBefore = before.allowing(action, r.resource) !== null;
        const roleAfter = after.allowing(action, r.resource) !== null;
        if (!policiesChanged && roleBefore === roleAfter) continue;
        const was = decideMember(before, input.beforeSet, member, action, r, input.context);
        const now = decideMember(after, input.afterSet, member, action, r, input.context);
        sinceYield += 2;
        if (was.allowed !== now.allowed) {
          const list = now.allowed ? gained : lost;
          if (list.length >= MAX_LISTED) truncated = true;
          else {
            list.push({
              subject: { type: 'user', id: member.id, name: member.name },
              action: action.name,
              resource: { type: r.level, id: r.resource.id ?? '', name: r.name },
              reason: now.allowed ? now.reason : was.reason,
            });
          }
        }
        if (sinceYield >= yieldEvery) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
  }
  return { gained, lost, evaluations, truncated };
}

/** Frees the Cedar sets a simulation compiled for itself. */
export function releaseSets(...sets: Array<CompiledPolicySet | null>): void {
  for (const s of sets) if (s) releasePolicySet(s);
}
