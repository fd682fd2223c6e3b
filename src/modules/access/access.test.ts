import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counter } from 'prom-client';
import { fixedClock } from '../../kernel/clock.ts';
import type { Principal } from '../../kernel/authz.ts';
import { call, expectJson, type Credentials } from '../../../test/support/http.ts';
import { createWorld, inviteAndSignIn, type World } from '../../../test/support/world.ts';

type Session = Credentials & { kind: 'session'; userId: string };

let w: World;
let org: string;
let ws: string;
let n = 0;

/** A fresh member of org A with no role at all. */
async function newMember(): Promise<Session> {
  const email = `member${++n}@acme.test`;
  const who = await inviteAndSignIn(w.t, w.admin, org, email, 'org-member');
  const bindings = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${org}/role-bindings`, 200, { query: { subjectId: who.userId } });
  for (const b of bindings.items) await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/role-bindings/${b.id}`, 204);
  return who;
}

async function bind(by: Credentials, roleId: string, subject: { type: 'user' | 'group'; id: string }, scope: { type: string; id: string }, status = 201) {
  return expectJson(w.t.app, by, 'POST', `/api/v1/orgs/${org}/role-bindings`, status, { body: { roleId, subject, scope } });
}

const user = (s: Session) => ({ type: 'user' as const, id: s.userId });
const atWs = (id = ws) => ({ type: 'workspace', id });
const atOrg = () => ({ type: 'organization', id: org });

async function status(who: Credentials, method: string, url: string, body?: unknown) {
  return (await call(w.t.app, who, method, `/api/v1/orgs/${org}${url}`, body === undefined ? {} : { body })).statusCode;
}

async function newWorkspace(slug: string) {
  return expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/workspaces`, 201, { body: { name: slug, slug } });
}

async function newProject(workspaceId: string, slug: string) {
  return expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/projects`, 201, { body: { workspaceId, name: slug, slug } });
}

async function deniedAudits(actorId: string, action: string) {
  return w.t.db
    .selectFrom('audit_events')
    .select(['outcome', 'reason', 'target_id'])
    .where('org_id', '=', org)
    .where('actor_id', '=', actorId)
    .where('action', '=', action)
    .where('outcome', '=', 'denied')
    .execute();
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = w.t.deps.metrics.getSingleMetric(name) as Counter | undefined;
  const values = (await m?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  w = await createWorld();
  org = w.orgA.id;
  ws = w.workspaceA.id;
});

afterAll(async () => {
  await w?.t.close();
});

describe('catalog and roles', () => {
  it('lists the action catalog with scopes to those who may read roles', async () => {
    expect((await call(w.t.app, w.lowA, 'GET', `/api/v1/orgs/${org}/actions`)).statusCode).toBe(403);
    const page = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${org}/actions`, 200, { query: { limit: '200' } });
    const names = page.items.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['workspace:create', 'role-binding:create', 'policy:update', 'access:simulate', 'api-key:create']));
    expect(page.items.find((a: { name: string }) => a.name === 'workspace:delete')).toMatchObject({ scope: 'organization' });
  });

  it('lists built-in roles with their effective actions, and refuses to change them', async () => {
    const page = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${org}/roles`, 200, { query: { limit: '200' } });
    const viewer = page.items.find((r: { id: string }) => r.id === 'workspace-viewer');
    expect(viewer).toMatchObject({ builtIn: true, orgId: null, scope: 'workspace', effectiveActions: ['project:read', 'workspace:read'] });
    expect(page.items.filter((r: { builtIn: boolean }) => r.builtIn)).toHaveLength(11);
    const patch = await call(w.t.app, w.admin, 'PATCH', `/api/v1/orgs/${org}/roles/org-admin`, { body: { name: 'Boss' } });
    expect(patch.statusCode).toBe(409);
    expect(patch.json().type).toMatch(/built-in-role$/);
    expect(await status(w.admin, 'DELETE', '/roles/org-owner')).toBe(409);
  });

  it('hides everything of org A from org B', async () => {
    expect((await call(w.t.app, w.ownerB, 'GET', `/api/v1/orgs/${org}/roles`)).statusCode).toBe(404);
    expect((await call(w.t.app, w.keyB, 'POST', `/api/v1/orgs/${org}/authz/check`, { body: { action: 'workspace:read', resource: atWs() } })).statusCode).toBe(404);
  });
});

describe('built-in roles at each scope', () => {
  it('org-member sees the org and its members, but no workspace', async () => {
    const m = await newMember();
    await bind(w.admin, 'org-member', user(m), atOrg());
    expect(await status(m, 'GET', '')).toBe(200);
    expect(await status(m, 'GET', '/members')).toBe(200);
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    expect(await status(m, 'GET', '/workspaces')).toBe(403);
  });

  it('workspace-viewer reads its workspace and projects, lists only them, changes nothing', async () => {
    const other = await newWorkspace('viewer-other');
    const m = await newMember();
    await bind(w.admin, 'workspace-viewer', user(m), atWs());
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(200);
    expect(await status(m, 'GET', `/projects/${w.projectA.id}`)).toBe(200);
    expect(await status(m, 'GET', `/workspaces/${other.id}`)).toBe(403);
    expect(await status(m, 'PATCH', `/workspaces/${ws}`, { description: 'x' })).toBe(403);
    const listed = await expectJson(w.t.app, m, 'GET', `/api/v1/orgs/${org}/workspaces`, 200);
    expect(listed.items.map((x: { id: string }) => x.id)).toEqual([ws]);
  });

  it('a workspace role bound at the org applies in every workspace, but not to org-level actions', async () => {
    const other = await newWorkspace('dev-everywhere');
    const m = await newMember();
    await bind(w.admin, 'workspace-developer', user(m), atOrg());
    expect(await status(m, 'POST', '/projects', { workspaceId: other.id, name: 'p', slug: 'dev-p' })).toBe(201);
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(200);
    expect(await status(m, 'POST', '/workspaces', { name: 'nope', slug: 'nope' })).toBe(403);
  });

  it('workspace-developer creates projects in its workspace only', async () => {
    const other = await newWorkspace('dev-other');
    const m = await newMember();
    await bind(w.admin, 'workspace-developer', user(m), atWs());
    expect(await status(m, 'POST', '/projects', { workspaceId: ws, name: 'Dev', slug: 'dev-project' })).toBe(201);
    expect(await status(m, 'POST', '/projects', { workspaceId: other.id, name: 'Dev', slug: 'dev-project' })).toBe(403);
    expect(await status(m, 'DELETE', `/workspaces/${ws}`)).toBe(403);
  });

  it('project roles reach their project only; a project role bound at a workspace reaches its projects', async () => {
    const sibling = await newProject(ws, 'sibling');
    const m = await newMember();
    await bind(w.admin, 'project-contributor', user(m), { type: 'project', id: w.projectA.id });
    expect(await status(m, 'PATCH', `/projects/${w.projectA.id}`, { description: 'edited' })).toBe(200);
    expect(await status(m, 'GET', `/projects/${sibling.id}`)).toBe(403);
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    expect(await status(m, 'DELETE', `/projects/${w.projectA.id}`)).toBe(403);
    const listed = await expectJson(w.t.app, m, 'GET', `/api/v1/orgs/${org}/projects`, 200);
    expect(listed.items.map((x: { id: string }) => x.id)).toEqual([w.projectA.id]);

    const v = await newMember();
    await bind(w.admin, 'project-viewer', user(v), atWs());
    expect(await status(v, 'GET', `/projects/${sibling.id}`)).toBe(200);
    expect(await status(v, 'GET', `/workspaces/${ws}`)).toBe(403);
  });

  it('refuses bindings that do not fit: org roles below the org, missing scopes and subjects', async () => {
    const m = await newMember();
    const res = await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/role-bindings`, { body: { roleId: 'org-admin', subject: user(m), scope: atWs() } });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('scope.type');
    const missing = await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/role-bindings`, {
      body: { roleId: 'workspace-viewer', subject: user(m), scope: { type: 'workspace', id: 'ws_00000000000000000000000000' } },
    });
    expect(missing.json()).toMatchObject({ status: 400, field: 'scope.id' });
    const stranger = await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/role-bindings`, {
      body: { roleId: 'workspace-viewer', subject: { type: 'user', id: w.ownerB.userId }, scope: atWs() },
    });
    expect(stranger.json()).toMatchObject({ status: 400, field: 'subject.id' });
    await bind(w.admin, 'workspace-viewer', user(m), atWs());
    expect((await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/role-bindings`, { body: { roleId: 'workspace-viewer', subject: user(m), scope: atWs() } })).statusCode).toBe(409);
  });

  it('keeps at least one owner', async () => {
    const owners = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${org}/role-bindings`, 200, { query: { roleId: 'org-owner' } });
    expect(owners.items).toHaveLength(1);
    const res = await call(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/role-bindings/${owners.items[0].id}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toMatch(/last-owner$/);
  });
});

describe('no privilege escalation', () => {
  it('a workspace admin grants roles in its workspace only, and only what it holds', async () => {
    const other = await newWorkspace('admin-other');
    const admin = await newMember();
    const target = await newMember();
    await bind(w.admin, 'workspace-admin', user(admin), atWs());
    await bind(admin, 'workspace-developer', user(target), atWs());
    await bind(admin, 'workspace-viewer', user(target), atWs(other.id), 403);
    await bind(admin, 'org-member', user(target), atOrg(), 403);
    // Bound at the org, a workspace role would reach workspaces the admin does not hold.
    await bind(admin, 'workspace-viewer', user(target), atOrg(), 403);
  });

  it('a binder that lacks a role action cannot hand the role out, and the denial is audited', async () => {
    const binderRole = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, 201, {
      body: { name: 'Binder', scope: 'workspace', actions: ['role-binding:create', 'workspace:read'] },
    });
    const readerRole = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, 201, {
      body: { name: 'Reader', scope: 'workspace', actions: ['workspace:read'] },
    });
    const binder = await newMember();
    const target = await newMember();
    await bind(w.admin, binderRole.id, user(binder), atWs());
    const res = await call(w.t.app, binder, 'POST', `/api/v1/orgs/${org}/role-bindings`, { body: { roleId: 'workspace-developer', subject: user(target), scope: atWs() } });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toContain('project:create');
    expect(await deniedAudits(binder.userId, 'role-binding:create')).toHaveLength(1);
    await bind(binder, readerRole.id, user(target), atWs());
    // The binder cannot make itself more powerful either.
    await bind(binder, 'workspace-admin', user(binder), atWs(), 403);
  });

  it('a role editor cannot add actions it does not hold to a role', async () => {
    const editorRole = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, 201, {
      body: { name: 'Role editor', scope: 'organization', actions: ['role:update', 'role:read', 'workspace:read'] },
    });
    const target = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, 201, { body: { name: 'Target', scope: 'workspace', actions: ['project:read'] } });
    const editor = await newMember();
    await bind(w.admin, editorRole.id, user(editor), atOrg());
    expect(await status(editor, 'PATCH', `/roles/${target.id}`, { actions: ['project:read', 'workspace:read'] })).toBe(200);
    expect(await status(editor, 'PATCH', `/roles/${target.id}`, { actions: ['project:*'] })).toBe(403);
    expect(await deniedAudits(editor.userId, 'role:update')).toHaveLength(1);
  });

  it('API keys get no more than their creator holds', async () => {
    const keyMakerRole = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, 201, {
      body: { name: 'Key maker', scope: 'organization', actions: ['api-key:create', 'api-key:read'] },
    });
    const maker = await newMember();
    await bind(w.admin, keyMakerRole.id, user(maker), atOrg());
    await bind(w.admin, 'workspace-viewer', user(maker), atWs());
    expect(await status(maker, 'POST', '/api-keys', { name: 'too much', roleId: 'workspace-developer', workspaceId: ws })).toBe(403);
    expect(await status(maker, 'POST', '/api-keys', { name: 'viewer everywhere', roleId: 'workspace-viewer' })).toBe(403);
    const created = await expectJson(w.t.app, maker, 'POST', `/api/v1/orgs/${org}/api-keys`, 201, { body: { name: 'reader', roleId: 'workspace-viewer', workspaceId: ws } });
    const key: Credentials = { kind: 'apiKey', token: created.secret, keyId: created.apiKey.id };
    expect(await status(key, 'GET', `/workspaces/${ws}`)).toBe(200);
    expect(await status(key, 'PATCH', `/workspaces/${ws}`, { description: 'x' })).toBe(403);
    const explicit = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/api-keys`, 201, { body: { name: 'explicit', actions: ['organization:read'] } });
    const explicitKey: Credentials = { kind: 'apiKey', token: explicit.secret, keyId: explicit.apiKey.id };
    expect(await status(explicitKey, 'GET', '')).toBe(200);
    expect(await status(explicitKey, 'GET', '/members')).toBe(403);
  });
});

describe('groups and custom roles', () => {
  it('a group binding applies to its members, and stops when a member leaves the group', async () => {
    const m = await newMember();
    const group = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/groups`, 201, { body: { name: 'Finance readers', description: '' } });
    await expectJson(w.t.app, w.admin, 'PUT', `/api/v1/orgs/${org}/groups/${group.id}/members/${m.userId}`, 204);
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    const binding = await bind(w.admin, 'workspace-viewer', { type: 'group', id: group.id }, atWs());
    expect(binding).toMatchObject({ subject: { type: 'group', id: group.id }, scope: { type: 'workspace', id: ws }, roleName: 'Workspace viewer' });
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(200);
    const check = await expectJson(w.t.app, m, 'POST', `/api/v1/orgs/${org}/authz/check`, 200, { body: { action: 'workspace:read', resource: atWs() } });
    expect(check.reason).toContain(`via group ${group.id}`);
    await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/groups/${group.id}/members/${m.userId}`, 204);
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    await bind(w.admin, 'workspace-viewer', { type: 'group', id: 'grp_00000000000000000000000000' }, atWs(), 400);
  });

  it('custom roles are created, bound, changed, and deleted only when unbound', async () => {
    const role = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, 201, {
      body: { name: 'Quota keeper', description: 'Sets project quotas', scope: 'workspace', actions: ['workspace:read', 'quota:update'] },
    });
    expect(role).toMatchObject({ id: expect.stringMatching(/^role_/), builtIn: false, effectiveActions: ['quota:update', 'workspace:read'], version: 1 });
    expect(await status(w.admin, 'POST', '/roles', { name: 'quota KEEPER', scope: 'workspace', actions: ['workspace:read'] })).toBe(409);
    const bad = await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/roles`, { body: { name: 'Bad', scope: 'workspace', actions: ['workspace:read', 'workspace:create'] } });
    expect(bad.json()).toMatchObject({ status: 400, field: 'actions.1' });

    const m = await newMember();
    const binding = await bind(w.admin, role.id, user(m), atWs());
    expect(await status(m, 'PUT', `/projects/${w.projectA.id}/quota`, { cpu: '4' })).toBe(200);
    expect(await status(m, 'PATCH', `/workspaces/${ws}`, { description: 'x' })).toBe(403);

    const updated = await call(w.t.app, w.admin, 'PATCH', `/api/v1/orgs/${org}/roles/${role.id}`, { body: { actions: ['workspace:*'] }, headers: { 'if-match': '"v1"' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('"v2"');
    expect(await status(m, 'PATCH', `/workspaces/${ws}`, { description: 'x' })).toBe(200);
    expect(await status(m, 'PUT', `/projects/${w.projectA.id}/quota`, { cpu: '4' })).toBe(403);
    expect((await call(w.t.app, w.admin, 'PATCH', `/api/v1/orgs/${org}/roles/${role.id}`, { body: { name: 'Stale' }, headers: { 'if-match': '"v1"' } })).statusCode).toBe(412);

    const inUse = await call(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/roles/${role.id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().type).toMatch(/role-in-use$/);
    await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/role-bindings/${binding.id}`, 204);
    await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/roles/${role.id}`, 204);
    expect(await status(w.admin, 'GET', `/roles/${role.id}`)).toBe(404);
    const audits = await w.t.db.selectFrom('audit_events').select('action').where('target_id', '=', role.id).where('outcome', '=', 'success').execute();
    expect(audits.map((a) => a.action).sort()).toEqual(['role:create', 'role:delete', 'role:update']);
  });
});

describe('caching', () => {
  it('decides from the cache without loading, and denies right after a binding is removed', async () => {
    const m = await newMember();
    const binding = await bind(w.admin, 'workspace-viewer', user(m), atWs());
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(200);
    const loadsBefore = await metric('hexaplane_authz_cache_loads_total', {});
    for (let i = 0; i < 5; i++) expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(200);
    expect(await metric('hexaplane_authz_cache_loads_total', {})).toBe(loadsBefore);

    await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/role-bindings/${binding.id}`, 204);
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    const denied = await deniedAudits(m.userId, 'workspace:read');
    expect(denied.at(-1)).toMatchObject({ outcome: 'denied', target_id: ws, reason: 'no role grants workspace:read here' });
  });

  it('drops cached grants when another replica announces a change', async () => {
    const m = await newMember();
    const binding = await bind(w.admin, 'workspace-viewer', user(m), atWs());
    const principal: Principal = {
      kind: 'user', id: m.userId, orgId: org, displayName: 'm', platformAdmin: false, sessionId: null, apiKeyId: null, ip: null, userAgent: null, requestId: null, mfaAt: null,
    };
    const resource = { type: 'workspace', id: ws, orgId: org, workspaceId: ws };
    expect((await w.t.deps.authz.decide(principal, 'workspace:read', resource)).allowed).toBe(true);
    // Another replica removes the binding behind this one's back; only its notification reaches us.
    await w.t.db.deleteFrom('role_bindings' as never).where('id' as never, '=', binding.id).execute();
    expect((await w.t.deps.authz.decide(principal, 'workspace:read', resource)).allowed).toBe(true);
    w.t.deps.changes.deliver(`authz:${org}`);
    expect((await w.t.deps.authz.decide(principal, 'workspace:read', resource)).allowed).toBe(false);
  });

  it('keeps up with thousands of cached decisions a second', async () => {
    const principal: Principal = {
      kind: 'user', id: w.admin.userId, orgId: org, displayName: 'admin', platformAdmin: true, sessionId: null, apiKeyId: null, ip: null, userAgent: null, requestId: null, mfaAt: null,
    };
    const resource = { type: 'workspace', id: ws, orgId: org, workspaceId: ws };
    await w.t.deps.authz.decide(principal, 'workspace:read', resource);
    const started = performance.now();
    const count = 20_000;
    for (let i = 0; i < count; i++) await w.t.deps.authz.decide(principal, 'workspace:read', resource);
    const perSecond = count / ((performance.now() - started) / 1000);
    expect(perSecond).toBeGreaterThan(20_000);
  });
});

describe('Cedar policies', () => {
  const tokyoDay = (() => {
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(twoDaysAgo);
  })();
  const clock = fixedClock(new Date(`${tokyoDay}T20:00:00+09:00`));
  let policyId = '';

  beforeAll(() => {
    w.t.deps.clock = clock;
  });

  it('rejects invalid policy text with errors at line and column', async () => {
    const res = await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/policies`, {
      body: { name: 'broken', text: 'forbid (principal, action, resource)\n  when { resource.nmae == "x" };' },
    });
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem.field).toBe('text');
    expect(problem.errors[0]).toMatchObject({ field: 'text', line: 2, column: 10, message: expect.stringContaining('nmae') });
    const validation = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/policies/validate`, 200, { body: { text: 'permit (principal, action, resource) when { context.mfaAgeSeconds < 60 };' } });
    expect(validation.valid).toBe(false);
    const schema = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${org}/policies/schema`, 200);
    expect(schema.cedarSchema).toContain('action "project:delete" in [Action::"delete"]');
  });

  it('forbids deletes in Finance-BU outside 09:00-18:00 Tokyo, overriding the owner role', async () => {
    const text = `forbid (principal, action in Hexaplane::Action::"delete", resource in Hexaplane::Workspace::"${ws}")\nunless { context.time.hour >= 9 && context.time.hour < 18 };`;
    const policy = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/policies`, 201, { body: { name: 'Finance business hours', text } });
    policyId = policy.id;
    const target = await newProject(ws, 'late-night');

    clock.set(new Date(`${tokyoDay}T20:00:00+09:00`));
    const denied = await call(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/projects/${target.id}`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toContain(`forbidden by policy ${policy.id} (Finance business hours)`);
    expect(await deniedAudits(w.admin.userId, 'project:delete')).toEqual([
      expect.objectContaining({ outcome: 'denied', target_id: target.id, reason: expect.stringContaining(policy.id) }),
    ]);
    // Reads are not deletes; other workspaces are not Finance-BU.
    expect(await status(w.admin, 'GET', `/projects/${target.id}`)).toBe(200);
    const elsewhere = await newProject((await newWorkspace('not-finance')).id, 'elsewhere');
    expect(await status(w.admin, 'DELETE', `/projects/${elsewhere.id}`)).toBe(204);

    clock.set(new Date(`${tokyoDay}T10:00:00+09:00`));
    expect(await status(w.admin, 'DELETE', `/projects/${target.id}`)).toBe(204);
  });

  it('a customer permit grants beyond roles; disabling it takes effect at once', async () => {
    const m = await newMember();
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    const permit = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/policies`, 201, {
      body: { name: 'Cost center readers', text: `permit (principal == Hexaplane::User::"${m.userId}", action == Hexaplane::Action::"workspace:read", resource)\nwhen { resource.hasTag("cost-center") && resource.getTag("cost-center") == "cc-100" };` },
    });
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(200);
    const check = await expectJson(w.t.app, m, 'POST', `/api/v1/orgs/${org}/authz/check`, 200, { body: { action: 'workspace:read', resource: atWs() } });
    expect(check).toEqual({ allowed: true, reason: `permitted by policy ${permit.id} (Cost center readers)` });
    await expectJson(w.t.app, w.admin, 'PATCH', `/api/v1/orgs/${org}/policies/${permit.id}`, 200, { body: { enabled: false } });
    expect(await status(m, 'GET', `/workspaces/${ws}`)).toBe(403);
    await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/policies/${permit.id}`, 204);
  });

  afterAll(async () => {
    if (policyId) await call(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${org}/policies/${policyId}`);
  });
});

describe('questions: check, who-can, what-if', () => {
  it('checks for someone else only with access:simulate', async () => {
    const m = await newMember();
    await bind(w.admin, 'workspace-viewer', user(m), atWs());
    const forM = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/authz/check`, 200, {
      body: { action: 'workspace:update', resource: atWs(), principal: { type: 'user', id: m.userId } },
    });
    expect(forM).toEqual({ allowed: false, reason: 'no role grants workspace:update here' });
    const own = await expectJson(w.t.app, m, 'POST', `/api/v1/orgs/${org}/authz/check`, 200, { body: { action: 'workspace:read', resource: atWs() } });
    expect(own.allowed).toBe(true);
    expect(own.reason).toMatch(/^role workspace-viewer \(binding rb_\w+\) in workspace ws_/);
    expect(await status(m, 'POST', '/authz/check', { action: 'workspace:read', resource: atWs(), principal: { type: 'user', id: w.admin.userId } })).toBe(403);
    const unknown = await call(w.t.app, m, 'POST', `/api/v1/orgs/${org}/authz/check`, { body: { action: 'nope:read', resource: atWs() } });
    expect(unknown.json()).toMatchObject({ status: 400, field: 'action' });
  });

  it('who-can lists members and API keys with the binding that lets them', async () => {
    const ws2 = await newWorkspace('who-can');
    const m = await newMember();
    await bind(w.admin, 'workspace-viewer', user(m), atWs(ws2.id));
    const key = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/api-keys`, 201, { body: { name: 'ci', roleId: 'workspace-viewer', workspaceId: ws2.id } });
    const answer = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/authz/who-can`, 200, { body: { action: 'workspace:read', resource: atWs(ws2.id) } });
    expect(answer.subjects).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'user', id: w.admin.userId, via: expect.stringContaining('org-owner') }),
      expect.objectContaining({ type: 'user', id: m.userId, via: expect.stringContaining('workspace-viewer') }),
      expect.objectContaining({ type: 'apiKey', id: key.apiKey.id, name: 'ci' }),
    ]));
    expect(answer.subjects.some((s: { id: string }) => s.id === w.lowA.userId)).toBe(false);
    expect(await status(m, 'POST', '/authz/who-can', { action: 'workspace:read', resource: atWs() })).toBe(403);
  });

  it('what-if shows what a binding would add and what removing it would take away', async () => {
    const ws2 = await newWorkspace('what-if');
    const p2 = await newProject(ws2.id, 'what-if-project');
    const m = await newMember();
    const change = { kind: 'addBinding', roleId: 'workspace-viewer', subject: user(m), scope: atWs(ws2.id) };
    const added = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/authz/what-if`, 200, { body: { change } });
    expect(added.lost).toEqual([]);
    expect(added.gained).toEqual(expect.arrayContaining([
      expect.objectContaining({ subject: expect.objectContaining({ id: m.userId }), action: 'workspace:read', resource: expect.objectContaining({ type: 'workspace', id: ws2.id }) }),
      expect.objectContaining({ subject: expect.objectContaining({ id: m.userId }), action: 'project:read', resource: expect.objectContaining({ type: 'project', id: p2.id }) }),
    ]));
    expect(added.gained.every((g: { subject: { id: string } }) => g.subject.id === m.userId)).toBe(true);
    // Nothing changed for real.
    expect(await status(m, 'GET', `/workspaces/${ws2.id}`)).toBe(403);

    const binding = await bind(w.admin, 'workspace-viewer', user(m), atWs(ws2.id));
    const removed = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/authz/what-if`, 200, { body: { change: { kind: 'removeBinding', bindingId: binding.id } } });
    expect(removed.gained).toEqual([]);
    expect(removed.lost.map((l: { action: string; resource: { id: string } }) => `${l.action}@${l.resource.id}`).sort()).toEqual([`project:read@${p2.id}`, `workspace:read@${ws2.id}`]);
  });

  it('what-if of a policy shows who would lose access', async () => {
    const text = `forbid (principal, action == Hexaplane::Action::"workspace:update", resource in Hexaplane::Workspace::"${ws}");`;
    const result = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/authz/what-if`, 200, { body: { change: { kind: 'putPolicy', text } } });
    expect(result.gained).toEqual([]);
    expect(result.lost).toEqual(expect.arrayContaining([
      expect.objectContaining({ subject: expect.objectContaining({ id: w.admin.userId }), action: 'workspace:update', resource: expect.objectContaining({ id: ws }) }),
    ]));
    expect(result.lost.every((l: { action: string }) => l.action === 'workspace:update')).toBe(true);
    const bad = await call(w.t.app, w.admin, 'POST', `/api/v1/orgs/${org}/authz/what-if`, { body: { change: { kind: 'putPolicy', text: 'permit (' } } });
    expect(bad.json()).toMatchObject({ status: 400, field: 'change.text' });
  });
});

describe('contract for other modules', () => {
  it('revokeScope removes the bindings at a workspace and at its projects', async () => {
    const doomed = await newWorkspace('doomed');
    const project = await newProject(doomed.id, 'doomed-project');
    const m = await newMember();
    await bind(w.admin, 'workspace-viewer', user(m), atWs(doomed.id));
    await bind(w.admin, 'project-viewer', user(m), { type: 'project', id: project.id });
    const kept = await bind(w.admin, 'workspace-viewer', user(m), atWs());
    expect(await status(m, 'GET', `/projects/${project.id}`)).toBe(200);
    await w.t.db.transaction().execute((t) => w.t.deps.services.access.revokeScope(t, org, { type: 'workspace', id: doomed.id }));
    const left = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${org}/role-bindings`, 200, { query: { subjectId: m.userId } });
    expect(left.items.map((b: { id: string }) => b.id)).toEqual([kept.id]);
    expect(await status(m, 'GET', `/projects/${project.id}`)).toBe(403);
  });

  it('visibility gives list filters: everything for org-wide grants, else the scopes', async () => {
    const m = await newMember();
    await bind(w.admin, 'project-viewer', user(m), { type: 'project', id: w.projectA.id });
    const principal: Principal = {
      kind: 'user', id: m.userId, orgId: org, displayName: 'm', platformAdmin: false, sessionId: null, apiKeyId: null, ip: null, userAgent: null, requestId: null, mfaAt: null,
    };
    const access = w.t.deps.services.access;
    expect(await access.visibility(principal, 'project:read')).toEqual({ all: false, workspaceIds: [], projectIds: [w.projectA.id] });
    expect(await access.visibility(principal, 'workspace:read')).toEqual({ all: false, workspaceIds: [], projectIds: [] });
    expect(await access.visibility({ ...principal, id: w.admin.userId }, 'workspace:read')).toEqual({ all: true });
  });
});
