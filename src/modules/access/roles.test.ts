import { describe, expect, it } from 'vitest';
import type { ActionInfo } from '../../kernel/authz.ts';
import { builtInRoles, canBindAt, checkRoleActions, effectiveActions, findBuiltInRole, grantsAction, isValidPattern, matchesPattern } from './roles.ts';

const catalog: ActionInfo[] = [
  { name: 'organization:create', scope: 'platform', description: '' },
  { name: 'organization:read', scope: 'organization', description: '' },
  { name: 'organization:update', scope: 'organization', description: '' },
  { name: 'organization:delete', scope: 'organization', description: '' },
  { name: 'member:read', scope: 'organization', description: '' },
  { name: 'workspace:create', scope: 'organization', description: '' },
  { name: 'workspace:read', scope: 'workspace', description: '' },
  { name: 'workspace:update', scope: 'workspace', description: '' },
  { name: 'workspace:delete', scope: 'organization', description: '' },
  { name: 'project:create', scope: 'workspace', description: '' },
  { name: 'project:read', scope: 'project', description: '' },
  { name: 'project:update', scope: 'project', description: '' },
  { name: 'project:delete', scope: 'workspace', description: '' },
  { name: 'quota:update', scope: 'workspace', description: '' },
  { name: 'audit:read', scope: 'organization', description: '' },
  { name: 'role-binding:create', scope: 'project', description: '' },
  { name: 'role:read', scope: 'project', description: '' },
];

const role = (id: string) => findBuiltInRole(id)!;
const effective = (id: string) => effectiveActions(role(id).actions, role(id).scope, catalog);

describe('action patterns', () => {
  it('accepts actions, wildcards and exclusions, and nothing else', () => {
    for (const p of ['workspace:read', 'workspace:*', '*:read', '*:*', '!workspace:delete', 'role-binding:*']) expect(isValidPattern(p)).toBe(true);
    for (const p of ['*', 'workspace', 'Workspace:read', 'workspace:', ':read', 'work space:read', '!!a:b', 'a:b:c']) expect(isValidPattern(p)).toBe(false);
  });

  it('matches nouns and verbs separately', () => {
    expect(matchesPattern('workspace:*', 'workspace:delete')).toBe(true);
    expect(matchesPattern('workspace:*', 'workspaces:read')).toBe(false);
    expect(matchesPattern('*:read', 'role-binding:read')).toBe(true);
    expect(matchesPattern('*:read', 'role:readers')).toBe(false);
    expect(matchesPattern('*:*', 'anything:at-all')).toBe(true);
  });

  it('lets exclusions win over inclusions, whatever their order', () => {
    const org: ActionInfo = { name: 'organization:delete', scope: 'organization', description: '' };
    expect(grantsAction(['*:*', '!organization:delete'], 'organization', org)).toBe(false);
    expect(grantsAction(['!organization:delete', '*:*'], 'organization', org)).toBe(false);
  });

  it('never grants platform actions, and keeps actions out of roles narrower than their scope', () => {
    expect(effective('org-owner')).not.toContain('organization:create');
    expect(effective('workspace-admin')).not.toContain('workspace:create');
    expect(effective('workspace-admin')).not.toContain('workspace:delete');
    expect(effective('project-admin')).not.toContain('project:create');
    expect(effective('project-admin')).not.toContain('project:delete');
  });
});

describe('built-in roles', () => {
  it('exist with the published ids', () => {
    expect(builtInRoles.map((r) => r.id)).toEqual([
      'org-owner', 'org-admin', 'org-billing-admin', 'org-security-auditor', 'org-member',
      'workspace-admin', 'workspace-developer', 'workspace-viewer', 'project-admin', 'project-contributor', 'project-viewer',
    ]);
  });

  it('grant what their names promise', () => {
    expect(effective('org-owner')).toEqual(catalog.filter((a) => a.scope !== 'platform').map((a) => a.name));
    expect(effective('org-admin')).not.toContain('organization:delete');
    expect(effective('org-admin')).toContain('workspace:delete');
    expect(effective('org-member')).toEqual(['organization:read', 'member:read']);
    expect(effective('org-security-auditor')).toEqual(['organization:read', 'member:read', 'workspace:read', 'project:read', 'audit:read', 'role:read']);
    expect(effective('workspace-admin')).toEqual(['workspace:read', 'workspace:update', 'project:create', 'project:read', 'project:update', 'project:delete', 'quota:update', 'role-binding:create', 'role:read']);
    expect(effective('workspace-developer')).toEqual(['workspace:read', 'project:create', 'project:read', 'project:update', 'project:delete']);
    expect(effective('workspace-viewer')).toEqual(['workspace:read', 'project:read']);
    expect(effective('project-admin')).toEqual(['project:read', 'project:update', 'role-binding:create', 'role:read']);
    expect(effective('project-contributor')).toEqual(['project:read', 'project:update']);
    expect(effective('project-viewer')).toEqual(['project:read']);
  });

  it('pick up actions that modules register later', () => {
    const later = [...catalog, { name: 'budget:update', scope: 'organization', description: '' } as ActionInfo];
    expect(effectiveActions(role('org-billing-admin').actions, 'organization', later)).toContain('budget:update');
  });

  it('bind at their own scope or above', () => {
    expect(canBindAt('organization', 'organization')).toBe(true);
    expect(canBindAt('organization', 'workspace')).toBe(false);
    expect(canBindAt('workspace', 'organization')).toBe(true);
    expect(canBindAt('workspace', 'project')).toBe(false);
    expect(canBindAt('project', 'workspace')).toBe(true);
    expect(canBindAt('project', 'organization')).toBe(true);
  });
});

describe('custom role actions', () => {
  it('accepts actions and patterns that fit the scope', () => {
    expect(checkRoleActions(['workspace:read', 'project:*', '!project:delete'], 'workspace', catalog)).toEqual([]);
  });

  it('names each bad entry by index', () => {
    expect(checkRoleActions(['workspace:read', 'nope', 'workspace:create', 'workspce:*', 'bogus:read'], 'workspace', catalog)).toEqual([
      { field: 'actions.1', message: expect.stringContaining('not an action or pattern') },
      { field: 'actions.2', message: 'workspace:create can only be granted at organization scope, not by a workspace role' },
      { field: 'actions.3', message: 'workspce:* matches no action a workspace role can grant' },
      { field: 'actions.4', message: 'bogus:read is not an action' },
    ]);
  });

  it('needs at least one action that is not an exclusion', () => {
    expect(checkRoleActions(['!project:delete'], 'project', catalog)).toEqual([{ field: 'actions', message: 'a role needs at least one action' }]);
  });
});
