import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import { inviteAndSignIn } from '../../../test/support/world.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;
let outsiderId: string;

const groups = () => `/api/v1/orgs/${orgId}/groups`;

async function auditCount(action: string, targetId: string) {
  const rows = await t.db.selectFrom('audit_events').select('id').where('action', '=', action).where('target_id', '=', targetId).execute();
  return rows.length;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Groups Ltd', slug: 'groups-ltd' } })).id;
  const outsider = await t.db.transaction().execute((tx) =>
    t.deps.services.identity.createLocalUser(tx, { email: 'outsider@hexaplane.test', displayName: 'Outsider', password: 'a password from outside 1' }),
  );
  outsiderId = outsider.id;
});

afterAll(async () => {
  await t?.close();
});

describe('groups', () => {
  it('creates, lists, renames with If-Match, and audits each change once', async () => {
    const res = await call(t.app, admin, 'POST', groups(), { body: { name: 'SRE', description: 'On call' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"v1"');
    const group = res.json();
    expect(group).toMatchObject({ id: expect.stringMatching(/^grp_/), orgId, name: 'SRE', description: 'On call', memberCount: 0, version: 1 });

    const dup = await call(t.app, admin, 'POST', groups(), { body: { name: 'sre' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().field).toBe('name');

    const list = await expectJson(t.app, admin, 'GET', groups(), 200);
    expect(list.items.map((g: { id: string }) => g.id)).toContain(group.id);

    const renamed = await expectJson(t.app, admin, 'PATCH', `${groups()}/${group.id}`, 200, { body: { name: 'Site Reliability' }, headers: { 'if-match': '"v1"' } });
    expect(renamed).toMatchObject({ name: 'Site Reliability', version: 2 });
    const stale = await call(t.app, admin, 'PATCH', `${groups()}/${group.id}`, { body: { description: 'x' }, headers: { 'if-match': '"v1"' } });
    expect(stale.statusCode).toBe(412);
    const empty = await call(t.app, admin, 'PATCH', `${groups()}/${group.id}`, { body: {} });
    expect(empty.statusCode).toBe(400);

    expect(await auditCount('group:create', group.id)).toBe(1);
    expect(await auditCount('group:update', group.id)).toBe(1);
  });

  it('adds and removes members of the organization only', async () => {
    const group = await expectJson(t.app, admin, 'POST', groups(), 201, { body: { name: 'Platform' } });
    const member = `${groups()}/${group.id}/members/${t.adminUserId}`;

    expect((await call(t.app, admin, 'PUT', member)).statusCode).toBe(204);
    expect((await call(t.app, admin, 'PUT', member)).statusCode).toBe(204);
    expect(await auditCount('group:update', group.id)).toBe(1);

    const members = await expectJson(t.app, admin, 'GET', `${groups()}/${group.id}/members`, 200);
    expect(members.items).toEqual([{ userId: t.adminUserId, email: 'admin@hexaplane.test', displayName: 'Administrator', addedAt: expect.any(String) }]);
    expect((await expectJson(t.app, admin, 'GET', `${groups()}/${group.id}`, 200)).memberCount).toBe(1);
    expect(await t.deps.services.identity.groupsOfUser(orgId, t.adminUserId)).toContain(group.id);

    const outsider = await call(t.app, admin, 'PUT', `${groups()}/${group.id}/members/${outsiderId}`);
    expect(outsider.statusCode).toBe(422);
    expect(outsider.json().field).toBe('userId');

    expect((await call(t.app, admin, 'DELETE', member)).statusCode).toBe(204);
    expect((await call(t.app, admin, 'DELETE', member)).statusCode).toBe(404);
    expect(await t.deps.services.identity.groupsOfUser(orgId, t.adminUserId)).not.toContain(group.id);
    expect(await auditCount('group:update', group.id)).toBe(2);
  });

  it('deletes a group with its memberships', async () => {
    const group = await expectJson(t.app, admin, 'POST', groups(), 201, { body: { name: 'Temporary' } });
    await call(t.app, admin, 'PUT', `${groups()}/${group.id}/members/${t.adminUserId}`);
    expect(await t.deps.services.identity.groupsOfUser(orgId, t.adminUserId)).toContain(group.id);

    expect((await call(t.app, admin, 'DELETE', `${groups()}/${group.id}`)).statusCode).toBe(204);
    expect((await call(t.app, admin, 'GET', `${groups()}/${group.id}`)).statusCode).toBe(404);
    expect(await t.deps.services.identity.groupsOfUser(orgId, t.adminUserId)).not.toContain(group.id);
    expect(await auditCount('group:delete', group.id)).toBe(1);
  });

  it('takes a removed member out of every group of the organization', async () => {
    const group = await expectJson(t.app, admin, 'POST', groups(), 201, { body: { name: 'Leavers' } });
    await call(t.app, admin, 'PUT', `${groups()}/${group.id}/members/${t.adminUserId}`);
    await t.db.transaction().execute((tx) => t.deps.services.identity.revokeAccessInOrg(tx, orgId, t.adminUserId));
    expect(await t.deps.services.identity.groupsOfUser(orgId, t.adminUserId)).toEqual([]);
  });

  it('gives members the roles bound to the group, from the moment they join until they leave', { timeout: 60_000 }, async () => {
    const member = await inviteAndSignIn(t, admin, orgId, 'dana@hexaplane.test', 'org-member');
    const group = await expectJson(t.app, admin, 'POST', groups(), 201, { body: { name: 'Admins' } });
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/role-bindings`, 201, {
      body: { roleId: 'org-admin', subject: { type: 'group', id: group.id }, scope: { type: 'organization', id: orgId } },
    });
    const tryCreate = (name: string) => call(t.app, member, 'POST', groups(), { body: { name } });
    // Access caches nothing for 2 s after its own changes; past that, the member's group list
    // is cached, and only identity forgetting it on each change keeps decisions fresh.
    await new Promise((resolve) => setTimeout(resolve, 2_100));

    expect((await tryCreate('before-joining')).statusCode).toBe(403);
    expect((await tryCreate('before-joining-again')).statusCode).toBe(403);
    expect((await call(t.app, admin, 'PUT', `${groups()}/${group.id}/members/${member.userId}`)).statusCode).toBe(204);
    expect((await tryCreate('after-joining')).statusCode).toBe(201);
    expect((await call(t.app, admin, 'DELETE', `${groups()}/${group.id}/members/${member.userId}`)).statusCode).toBe(204);
    expect((await tryCreate('after-leaving')).statusCode).toBe(403);

    // Deleting the group removes its bindings with it.
    await call(t.app, admin, 'PUT', `${groups()}/${group.id}/members/${member.userId}`);
    expect((await call(t.app, admin, 'DELETE', `${groups()}/${group.id}`)).statusCode).toBe(204);
    expect((await tryCreate('after-deletion')).statusCode).toBe(403);
    const bindings = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/role-bindings`, 200, { query: { subjectId: group.id } });
    expect(bindings.items).toEqual([]);
    // Each refusal was audited as a denial.
    const denied = await t.db.selectFrom('audit_events').select('id').where('action', '=', 'group:create').where('outcome', '=', 'denied').where('actor_id', '=', member.userId).execute();
    expect(denied).toHaveLength(4);
  });

  it('validates ids in the path', async () => {
    expect((await call(t.app, admin, 'GET', `${groups()}/not-a-group`)).statusCode).toBe(400);
    expect((await call(t.app, admin, 'GET', `${groups()}/grp_${'0'.repeat(26)}`)).statusCode).toBe(404);
  });
});
