import { describe, expect, it } from 'vitest';
import type { ActionInfo } from '../../kernel/authz.ts';
import { buildSchema, compilePolicySet } from './cedar.ts';
import { requestContext } from './context.ts';
import type { BindingLike } from './decision.ts';
import { countEvaluations, MAX_EVALUATIONS, simulate, touchedActions, type Member, type ScopedResource, type Snapshot } from './simulation.ts';

const catalog: ActionInfo[] = [
  { name: 'organization:create', scope: 'platform', description: '' },
  { name: 'organization:read', scope: 'organization', description: '' },
  { name: 'workspace:read', scope: 'workspace', description: '' },
  { name: 'workspace:update', scope: 'workspace', description: '' },
  { name: 'project:read', scope: 'project', description: '' },
];
const byName = (n: string) => catalog.find((a) => a.name === n)!;

const organization = { id: 'org_1', name: 'Acme', slug: 'acme', labels: {} };
const ws = (id: string): ScopedResource => ({
  resource: { type: 'workspace', id, orgId: 'org_1', workspaceId: id },
  chain: { organization, workspace: { id, name: id, slug: id, labels: {} } },
  level: 'workspace',
  name: id,
});
const prj = (id: string, wsId: string): ScopedResource => ({
  resource: { type: 'project', id, orgId: 'org_1', workspaceId: wsId, projectId: id },
  chain: { organization, workspace: { id: wsId, name: wsId, slug: wsId, labels: {} }, project: { id, name: id, slug: id, labels: {} } },
  level: 'project',
  name: id,
});
const resources: ScopedResource[] = [
  { resource: { type: 'organization', id: 'org_1', orgId: 'org_1' }, chain: { organization }, level: 'organization', name: 'Acme' },
  ws('ws_1'),
  ws('ws_2'),
  prj('prj_1', 'ws_1'),
];
const members: Member[] = [
  { id: 'usr_a', name: 'Ann', email: 'ann@acme.test', groupIds: [] },
  { id: 'usr_b', name: 'Bob', email: 'bob@acme.test', groupIds: ['grp_ops'] },
];
const binding = (id: string, roleId: string, subject: string, scopeId: string, type: 'user' | 'group' = 'user'): BindingLike => ({
  id, role_id: roleId, subject_type: type, subject_id: subject, scope_type: 'workspace', scope_id: scopeId, workspace_id: scopeId,
});
const context = (() => {
  const { roleAllows: _r, ...rest } = requestContext({ roleAllows: false, now: new Date('2026-03-02T01:00:00Z'), timeZone: 'UTC', ip: null, mfaAt: null });
  return rest;
})();
const base: Snapshot = { customRoles: new Map(), bindings: [binding('rb_1', 'workspace-viewer', 'grp_ops', 'ws_1', 'group')], policies: [] };

describe('what-if', () => {
  it('finds what a new binding gives, to whom and where', async () => {
    const after: Snapshot = { ...base, bindings: [...base.bindings, binding('(proposed)', 'workspace-viewer', 'usr_a', 'ws_2')] };
    const actions = touchedActions(base, after, { kind: 'addBinding' }, catalog);
    expect(actions.map((a) => a.name)).toEqual(['workspace:read', 'project:read']);
    const result = await simulate({ before: base, after, beforeSet: null, afterSet: null, members, actions, resources, context });
    expect(result.lost).toEqual([]);
    expect(result.gained).toEqual([
      { subject: { type: 'user', id: 'usr_a', name: 'Ann' }, action: 'workspace:read', resource: { type: 'workspace', id: 'ws_2', name: 'ws_2' }, reason: expect.stringContaining('(proposed)') },
    ]);
  });

  it('finds what removing a group binding takes from the group members', async () => {
    const after: Snapshot = { ...base, bindings: [] };
    const actions = touchedActions(base, after, { kind: 'removeBinding' }, catalog);
    const result = await simulate({ before: base, after, beforeSet: null, afterSet: null, members, actions, resources, context });
    expect(result.gained).toEqual([]);
    expect(result.lost.map((l) => `${l.subject.id} ${l.action} ${l.resource.id}`)).toEqual(['usr_b workspace:read ws_1', 'usr_b project:read prj_1']);
  });

  it('evaluates policy changes over every action, with Cedar', async () => {
    const after: Snapshot = { ...base, policies: [{ id: 'proposed', name: 'no project reads', text: 'forbid (principal, action == Hexaplane::Action::"project:read", resource);' }] };
    const schema = buildSchema(catalog);
    const afterSet = compilePolicySet('sim:test', after.policies, schema, 'sim-schema');
    const actions = touchedActions(base, after, { kind: 'putPolicy' }, catalog);
    expect(actions.map((a) => a.name)).toEqual(catalog.filter((a) => a.scope !== 'platform').map((a) => a.name));
    const result = await simulate({ before: base, after, beforeSet: null, afterSet, members, actions, resources, context });
    expect(result.lost).toEqual([expect.objectContaining({ subject: expect.objectContaining({ id: 'usr_b' }), action: 'project:read', reason: expect.stringContaining('workspace-viewer') })]);
  });

  it('counts decisions before running them, so a large change can be refused', () => {
    const actions = [byName('organization:read'), byName('workspace:read'), byName('project:read')];
    // per member: org (1) + workspaces (2) + projects (1) = 4, before and after.
    expect(countEvaluations(2, actions, resources)).toBe(16);
    expect(countEvaluations(30_000, actions, resources)).toBeGreaterThan(MAX_EVALUATIONS);
  });
});
