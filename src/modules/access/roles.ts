/**
 * Roles: named sets of action patterns at a scope. Pure functions, no I/O.
 *
 * A pattern is `noun:verb`, with `*` for either part (`workspace:*`, `*:read`, `*:*`), or
 * `!pattern` to take actions out again. Patterns are matched against the action catalog
 * when a decision is made, so a role picks up actions that modules register later.
 */
import type { ActionInfo } from '../../kernel/authz.ts';
import type { FieldError } from '../../kernel/http/problems.ts';
import type { ScopeType } from './contract.ts';

export const scopeTypes = ['organization', 'workspace', 'project'] as const satisfies readonly ScopeType[];

const rank: Record<ActionInfo['scope'], number> = { project: 1, workspace: 2, organization: 3, platform: 4 };

export interface RoleDefinition {
  id: string;
  orgId: string | null;
  name: string;
  description: string;
  scope: ScopeType;
  actions: string[];
  builtIn: boolean;
  version: number;
}

function builtIn(id: string, name: string, scope: ScopeType, actions: string[], description: string): RoleDefinition {
  return { id, orgId: null, name, description, scope, actions, builtIn: true, version: 1 };
}

/** Built-in roles are code, not rows: every organization has them and nobody can change them. */
export const builtInRoles: readonly RoleDefinition[] = [
  builtIn('org-owner', 'Organization owner', 'organization', ['*:*'], 'Everything in the organization.'),
  builtIn('org-admin', 'Organization administrator', 'organization', ['*:*', '!organization:delete', '!organization:transfer'],
    'Everything in the organization except deleting it or transferring its ownership.'),
  builtIn('org-billing-admin', 'Billing administrator', 'organization',
    ['organization:read', 'member:read', 'workspace:read', 'project:read', 'budget:*', 'cost:*', 'billing:*', 'contract:*', 'report:*'],
    'Costs, budgets, contracts and billing; sees workspaces and projects to allocate costs.'),
  builtIn('org-security-auditor', 'Security auditor', 'organization', ['*:read', 'audit:export', 'audit:verify', 'access:simulate', 'audit-search:create', 'audit-search:update', 'audit-search:delete'],
    'Reads everything, including the audit log, roles, bindings, policies and API keys; changes nothing.'),
  builtIn('org-member', 'Organization member', 'organization', ['organization:read', 'member:read'],
    'Sees the organization and its members; workspaces only where bound.'),
  builtIn('workspace-admin', 'Workspace administrator', 'workspace',
    ['workspace:*', 'project:*', 'quota:update', 'role-binding:*', 'role:read'],
    'Manages the workspace, its projects, quotas and who has access to them.'),
  builtIn('workspace-developer', 'Workspace developer', 'workspace', ['workspace:read', 'project:*'],
    'Sees the workspace and creates, changes and deletes its projects.'),
  builtIn('workspace-viewer', 'Workspace viewer', 'workspace', ['workspace:read', 'project:read'], 'Sees the workspace and its projects.'),
  builtIn('project-admin', 'Project administrator', 'project', ['project:*', 'role-binding:*', 'role:read'],
    'Manages the project and who has access to it.'),
  builtIn('project-contributor', 'Project contributor', 'project', ['project:read', 'project:update'], 'Sees and changes the project.'),
  builtIn('project-viewer', 'Project viewer', 'project', ['project:read'], 'Sees the project.'),
];

const builtInById = new Map(builtInRoles.map((r) => [r.id, r]));

export function findBuiltInRole(id: string): RoleDefinition | undefined {
  return builtInById.get(id);
}

export function isBuiltInName(name: string): boolean {
  const lower = name.trim().toLowerCase();
  return builtInRoles.some((r) => r.id === lower || r.name.toLowerCase() === lower);
}

const PART = '(?:\\*|[a-z][a-z-]*)';
const PATTERN = new RegExp(`^!?${PART}:${PART}$`);

export function isValidPattern(pattern: string): boolean {
  return PATTERN.test(pattern);
}

export function isWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

/** Does one (positive) pattern match an action name? */
export function matchesPattern(pattern: string, action: string): boolean {
  const at = pattern.indexOf(':');
  const noun = pattern.slice(0, at);
  const verb = pattern.slice(at + 1);
  const split = action.indexOf(':');
  return (noun === '*' || noun === action.slice(0, split)) && (verb === '*' || verb === action.slice(split + 1));
}

/** Can an action be granted by a role (or binding) of this scope? Platform actions never can. */
export function fitsScope(action: ActionInfo, scope: ScopeType): boolean {
  return rank[action.scope] <= rank[scope];
}

/** Does a role with these patterns, at this scope, grant the action? */
export function grantsAction(patterns: readonly string[], scope: ScopeType, action: ActionInfo): boolean {
  if (!fitsScope(action, scope)) return false;
  let included = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchesPattern(p.slice(1), action.name)) return false;
    } else if (!included && matchesPattern(p, action.name)) {
      included = true;
    }
  }
  return included;
}

/** The catalog actions a role grants, by name. */
export function effectiveActions(patterns: readonly string[], scope: ScopeType, catalog: readonly ActionInfo[]): string[] {
  return catalog.filter((a) => grantsAction(patterns, scope, a)).map((a) => a.name);
}

/**
 * Where a role may be bound: at its own scope or any scope above it. A workspace role bound
 * at the organization applies in every workspace; a project role at a workspace applies in
 * every project of it.
 */
export function canBindAt(roleScope: ScopeType, bindingScope: ScopeType): boolean {
  return rank[bindingScope] >= rank[roleScope];
}

/**
 * Checks the action patterns of a custom role. Exact actions must exist and fit the scope;
 * wildcards must match at least one action that fits (a typo would otherwise grant nothing,
 * silently). Errors name `field.<index>`.
 */
export function checkRoleActions(patterns: readonly string[], scope: ScopeType, catalog: readonly ActionInfo[], field = 'actions'): FieldError[] {
  const errors: FieldError[] = [];
  const byName = new Map(catalog.map((a) => [a.name, a]));
  patterns.forEach((pattern, i) => {
    const at = `${field}.${i}`;
    if (!isValidPattern(pattern)) {
      errors.push({ field: at, message: `"${pattern}" is not an action or pattern like workspace:read, workspace:* or *:read` });
      return;
    }
    const positive = pattern.replace(/^!/, '');
    if (!isWildcard(positive)) {
      const action = byName.get(positive);
      if (!action) errors.push({ field: at, message: `${positive} is not an action` });
      else if (!pattern.startsWith('!') && !fitsScope(action, scope)) {
        errors.push({ field: at, message: `${positive} can only be granted at ${action.scope} scope, not by a ${scope} role` });
      }
      return;
    }
    if (!catalog.some((a) => fitsScope(a, scope) && matchesPattern(positive, a.name))) {
      errors.push({ field: at, message: `${pattern} matches no action a ${scope} role can grant` });
    }
  });
  if (errors.length === 0 && !patterns.some((p) => !p.startsWith('!'))) {
    errors.push({ field, message: 'a role needs at least one action' });
  }
  return errors;
}
