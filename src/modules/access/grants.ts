/**
 * Grants: what a principal's role bindings (or an API key's grant) allow, and where.
 * Pure functions over data the engine loaded; no I/O, so decisions from a cached
 * `GrantSet` cost no database query.
 */
import type { ActionInfo, Resource } from '../../kernel/authz.ts';
import type { ScopeType, Visibility } from './contract.ts';
import { grantsAction } from './roles.ts';

/**
 * The resources a grant applies to. `organization`: everything in the org. `workspace`:
 * resources inside one workspace (or, with a null id, inside any workspace). `project`:
 * resources inside one project, the projects of one workspace, or any project.
 */
export type Reach =
  | { level: 'organization' }
  | { level: 'workspace'; workspaceId: string | null }
  | { level: 'project'; workspaceId: string | null; projectId: string | null };

/** Where a role of `roleScope` bound at `scope` reaches; `scopeWorkspaceId` is the workspace of a project scope. */
export function reachOf(roleScope: ScopeType, scope: { type: ScopeType; id: string }, scopeWorkspaceId: string | null): Reach {
  if (roleScope === 'organization') return { level: 'organization' };
  const workspaceId = scope.type === 'workspace' ? scope.id : scope.type === 'project' ? scopeWorkspaceId : null;
  if (roleScope === 'workspace') return { level: 'workspace', workspaceId };
  return { level: 'project', workspaceId, projectId: scope.type === 'project' ? scope.id : null };
}

export function reachContains(reach: Reach, resource: Pick<Resource, 'workspaceId' | 'projectId'>): boolean {
  const ws = resource.workspaceId ?? null;
  const prj = resource.projectId ?? null;
  switch (reach.level) {
    case 'organization':
      return true;
    case 'workspace':
      return ws !== null && (reach.workspaceId === null || reach.workspaceId === ws);
    case 'project':
      return (
        prj !== null &&
        (reach.workspaceId === null || reach.workspaceId === ws) &&
        (reach.projectId === null || reach.projectId === prj)
      );
  }
}

/** Does `outer` reach everything `inner` reaches? (Delegation: you hand out only what you hold.) */
export function reachCovers(outer: Reach, inner: Reach): boolean {
  if (outer.level === 'organization') return true;
  if (inner.level === 'organization') return false;
  if (outer.workspaceId !== null && outer.workspaceId !== inner.workspaceId) return false;
  if (outer.level === 'workspace') return true;
  if (inner.level === 'workspace') return false;
  return outer.projectId === null || outer.projectId === inner.projectId;
}

export function describeReach(reach: Reach): string {
  switch (reach.level) {
    case 'organization':
      return 'in the organization';
    case 'workspace':
      return reach.workspaceId ? `in workspace ${reach.workspaceId}` : 'in every workspace';
    case 'project':
      if (reach.projectId) return `in project ${reach.projectId}`;
      return reach.workspaceId ? `in every project of workspace ${reach.workspaceId}` : 'in every project';
  }
}

export interface Grant {
  /** The role's action patterns (or an API key's explicit actions). */
  patterns: readonly string[];
  roleScope: ScopeType;
  reach: Reach;
  /** What a decision's reason names: `role workspace-admin (binding rb_...)`. */
  source: string;
}

/**
 * The grants of one principal in one organization, with a per-action index built on
 * first use (the action catalog grows as modules register, so nothing is expanded ahead).
 */
export class GrantSet {
  private readonly byAction = new Map<string, Grant[]>();

  constructor(readonly grants: readonly Grant[]) {}

  forAction(action: ActionInfo): Grant[] {
    let found = this.byAction.get(action.name);
    if (!found) {
      found = this.grants.filter((g) => grantsAction(g.patterns, g.roleScope, action));
      this.byAction.set(action.name, found);
    }
    return found;
  }

  /** The first grant that allows the action on the resource, or null. */
  allowing(action: ActionInfo, resource: Pick<Resource, 'workspaceId' | 'projectId'>): Grant | null {
    for (const g of this.forAction(action)) if (reachContains(g.reach, resource)) return g;
    return null;
  }

  /** Holds the action everywhere `reach` reaches (through one grant)? */
  covers(action: ActionInfo, reach: Reach): boolean {
    return this.forAction(action).some((g) => reachCovers(g.reach, reach));
  }

  /** The list filter for an action: everything, or the workspaces and projects where it is granted. */
  visibility(action: ActionInfo): Visibility {
    const workspaceIds = new Set<string>();
    const projectIds = new Set<string>();
    for (const g of this.forAction(action)) {
      const { reach } = g;
      if (reach.level === 'organization' || (reach.workspaceId === null && (reach.level === 'workspace' || reach.projectId === null))) {
        return { all: true };
      }
      if (reach.level === 'project' && reach.projectId !== null) projectIds.add(reach.projectId);
      else if (reach.workspaceId !== null) workspaceIds.add(reach.workspaceId);
    }
    return { all: false, workspaceIds: [...workspaceIds], projectIds: [...projectIds] };
  }
}
