import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { filter as scimFilter, stringify, type Filter } from 'scim2-parse-filter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetPasswordByOperator } from '../../src/modules/identity/index.ts';
import type { ScimTables } from '../../src/modules/identity/scim-store.ts';
import { ADMIN_EMAIL, createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';

/**
 * Replays the request sequences Okta and Entra ID send when they provision, update,
 * deactivate and delete users and groups (from their published SCIM integration guides),
 * and checks what they leave behind in Hexaplane.
 */

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgA: string;
let orgB: string;
let tokenA: string;
let tokenB: string;

const SCIM_JSON = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

async function scim(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: method as 'GET',
    url: `/scim/v2${path}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': SCIM_JSON, 'user-agent': 'Okta SCIM Client 1.0.0', ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

async function ok(res: LightMyRequestResponse, status: number) {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.body ? res.json() : undefined;
}

const idb = () => t.db.withTables<ScimTables>();
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

async function auditActions(orgId: string, targetId: string) {
  const rows = await t.db.selectFrom('audit_events').select(['action', 'actor_kind']).where('org_id', '=', orgId).where('target_id', '=', targetId).orderBy('occurred_at').execute();
  return rows;
}

async function isMember(orgId: string, userId: string) {
  return t.deps.services.tenancy.isMember(orgId, userId);
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgA = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme-scim' } })).id;
  orgB = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Beta', slug: 'beta-scim' } })).id;
  tokenA = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/scim-tokens`, 201, { body: { name: 'Okta' } })).token;
  tokenB = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgB}/scim-tokens`, 201, { body: { name: 'Entra' } })).token;
});

afterAll(async () => {
  await t?.close();
});

describe('SCIM tokens', () => {
  it('are shown once with the base URL, hashed at rest, rotated with overlap, and revoked', async () => {
    const created = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/scim-tokens`, 201, { body: { name: 'Rotating' } });
    expect(created.token).toMatch(/^hxs_stk_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    expect(created.baseUrl).toMatch(/\/scim\/v2$/);
    const row = await idb().selectFrom('scim_tokens').selectAll().where('id', '=', created.scimToken.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(created.token.split('_').pop());
    await ok(await scim(created.token, 'GET', '/ServiceProviderConfig'), 200);

    const rotated = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/scim-tokens/${created.scimToken.id}/rotate`, 201, { body: { overlapMinutes: 5 } });
    await ok(await scim(created.token, 'GET', '/Users'), 200);
    await ok(await scim(rotated.token, 'GET', '/Users'), 200);

    const revoked = await expectJson(t.app, admin, 'DELETE', `/api/v1/orgs/${orgA}/scim-tokens/${created.scimToken.id}`, 200);
    expect(revoked.status).toBe('revoked');
    const refused = await scim(rotated.token, 'GET', '/Users');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toContain(SCIM_JSON);
    expect(refused.json()).toMatchObject({ schemas: [ERROR], status: '401' });

    const list = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/scim-tokens`, 200);
    expect(list.items.map((i: { id: string }) => i.id)).toContain(created.scimToken.id);
    expect((await auditActions(orgA, created.scimToken.id)).map((a) => a.action)).toEqual(['scim-token:create', 'scim-token:rotate', 'scim-token:revoke']);
  });

  it('open only the SCIM API, and the SCIM API takes nothing else', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgA}/members`, headers: { authorization: `Bearer ${tokenA}` } });
    expect(res.statusCode).toBe(401);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${tokenA}` } });
    expect(me.statusCode).toBe(401);
    const withSession = await call(t.app, admin, 'GET', '/scim/v2/Users');
    expect(withSession.statusCode).toBe(401);
    expect(withSession.json().schemas).toEqual([ERROR]);
  });
});

describe('Okta provisioning sequence', () => {
  let userId: string;
  let groupId: string;

  it('looks the user up, creates it, and finds it by userName', async () => {
    const lookup = await ok(await scim(tokenA, 'GET', `/Users?filter=${encodeURIComponent('userName eq "ada@acme.test"')}&startIndex=1&count=100`), 200);
    expect(lookup).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim(tokenA, 'POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      userName: 'ada@acme.test',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, value: 'ada@acme.test', type: 'work' }],
      displayName: 'Ada Lovelace',
      locale: 'en-GB',
      externalId: '00u1abcd',
      groups: [],
      password: 'ignored-by-hexaplane-1',
      active: true,
      [ENTERPRISE]: { department: 'Engineering', costCenter: 'CC-42', employeeNumber: '7', manager: { value: 'boss' } },
    });
    const user = await ok(created, 201);
    expect(created.headers['content-type']).toContain(SCIM_JSON);
    expect(created.headers.etag).toBe('W/"v1"');
    expect(user).toMatchObject({ id: expect.stringMatching(/^usr_/), userName: 'ada@acme.test', active: true, locale: 'en-GB', [ENTERPRISE]: { department: 'Engineering', costCenter: 'CC-42', manager: { value: 'boss' } }, meta: { resourceType: 'User', version: 'W/"v1"' } });
    expect(user.password).toBeUndefined();
    userId = user.id;
    expect(await isMember(orgA, userId)).toBe(true);

    const found = await ok(await scim(tokenA, 'GET', `/Users?filter=${encodeURIComponent('userName eq "ADA@acme.test"')}`), 200);
    expect(found.totalResults).toBe(1);
    expect(found.Resources[0].id).toBe(userId);
    const byDept = await ok(await scim(tokenA, 'GET', `/Users?filter=${encodeURIComponent(`${ENTERPRISE}:department eq "engineering" and not (active eq false)`)}`), 200);
    expect(byDept.totalResults).toBe(1);

    const dup = await scim(tokenA, 'POST', '/Users', { schemas: [USER], userName: 'ada@acme.test', emails: [{ value: 'ada2@acme.test' }] });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
  });

  it('creates a group with the user, and a role binding on the group applies to the user', async () => {
    const group = await ok(await scim(tokenA, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Platform Admins', members: [{ value: userId, display: 'ada@acme.test' }] }), 201);
    groupId = group.id;
    expect(group.members).toEqual([{ value: userId, display: 'Ada Lovelace' }]);
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/role-bindings`, 201, {
      body: { roleId: 'org-admin', subject: { type: 'group', id: groupId }, scope: { type: 'organization', id: orgA } },
    });
    const members = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/groups/${groupId}/members`, 200);
    expect(members.items.map((m: { userId: string }) => m.userId)).toEqual([userId]);
  });

  it('deactivation (PATCH replace active false) ends sessions and suspends API keys; reactivation restores them', async () => {
    const { password } = await resetPasswordByOperator(t.deps, 'ada@acme.test');
    const ada = await signIn(t.app, 'ada@acme.test', password);
    const key = await expectJson(t.app, ada, 'POST', `/api/v1/orgs/${orgA}/api-keys`, 201, { body: { name: 'ada-ci', roleId: 'org-member' } });
    const revokedKey = await expectJson(t.app, ada, 'POST', `/api/v1/orgs/${orgA}/api-keys`, 201, { body: { name: 'ada-old', roleId: 'org-member' } });
    await expectJson(t.app, ada, 'DELETE', `/api/v1/orgs/${orgA}/api-keys/${revokedKey.apiKey.id}`, 200);
    const asKey = { kind: 'apiKey', token: key.secret, keyId: key.apiKey.id } as const;
    await expectJson(t.app, asKey, 'GET', `/api/v1/orgs/${orgA}`, 200);

    const deactivated = await ok(await scim(tokenA, 'PATCH', `/Users/${userId}`, patch({ op: 'replace', value: { active: false } })), 200);
    expect(deactivated.active).toBe(false);
    expect((await call(t.app, ada, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await call(t.app, asKey, 'GET', `/api/v1/orgs/${orgA}`)).statusCode).toBe(401);
    expect((await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/api-keys/${key.apiKey.id}`, 200)).status).toBe('suspended');
    const signInAgain = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'ada@acme.test', password } });
    expect(signInAgain.statusCode).toBe(403);

    // Okta reactivates with a PUT of the whole user.
    const put = await ok(await scim(tokenA, 'PUT', `/Users/${userId}`, { schemas: [USER], userName: 'ada@acme.test', name: { givenName: 'Ada', familyName: 'King' }, emails: [{ primary: true, value: 'ada@acme.test' }], active: true }), 200);
    expect(put).toMatchObject({ active: true, name: { familyName: 'King' } });
    expect(put[ENTERPRISE]).toBeUndefined();
    await expectJson(t.app, asKey, 'GET', `/api/v1/orgs/${orgA}`, 200);
    expect((await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/api-keys/${revokedKey.apiKey.id}`, 200)).status).toBe('revoked');
    await signIn(t.app, 'ada@acme.test', password);

    const actions = await auditActions(orgA, userId);
    expect(actions.filter((a) => a.actor_kind === 'scim').map((a) => a.action)).toEqual(['user:provision', 'user:deactivate', 'user:reactivate']);
  });

  it('Okta pushes group membership with PATCH add/remove, then deletes', async () => {
    const bob = await ok(await scim(tokenA, 'POST', '/Users', { schemas: [USER], userName: 'bob@acme.test', emails: [{ value: 'bob@acme.test', primary: true }], active: true }), 201);
    await ok(await scim(tokenA, 'PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: bob.id, display: 'bob' }] })), 204);
    expect(await t.deps.services.identity.groupsOfUser(orgA, bob.id)).toEqual([groupId]);
    await ok(await scim(tokenA, 'PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: 'members', value: [{ value: bob.id }] })), 204);
    expect(await t.deps.services.identity.groupsOfUser(orgA, bob.id)).toEqual([]);
    await ok(await scim(tokenA, 'DELETE', `/Users/${bob.id}`), 204);
    await ok(await scim(tokenA, 'DELETE', `/Users/${bob.id}`), 204);
    expect(await isMember(orgA, bob.id)).toBe(false);
    expect((await scim(tokenA, 'GET', `/Users/${bob.id}`)).statusCode).toBe(404);
  });
});

describe('Entra ID provisioning sequence', () => {
  let userId: string;
  let groupId: string;

  it('creates a user with string booleans and PATCHes with capitalised ops, paths and no path', async () => {
    const probe = await ok(await scim(tokenB, 'GET', `/Users?filter=${encodeURIComponent('userName eq "non-existent-user"')}`), 200);
    expect(probe.totalResults).toBe(0);
    const user = await ok(await scim(tokenB, 'POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: 'e7f2',
      userName: 'grace@beta.test',
      active: 'True',
      displayName: 'Grace Hopper',
      emails: [{ primary: 'True', type: 'work', value: 'grace@beta.test' }],
      name: { formatted: 'Grace Hopper', familyName: 'Hopper', givenName: 'Grace' },
      [ENTERPRISE]: { department: 'Navy' },
    }), 201);
    userId = user.id;
    expect(user.active).toBe(true);

    const updated = await ok(await scim(tokenB, 'PATCH', `/Users/${userId}`, patch(
      { op: 'Replace', path: 'displayName', value: 'Rear Admiral Hopper' },
      { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Computing' },
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'grace@beta.test' },
      { op: 'Replace', value: { 'name.givenName': 'Grace B.' } },
    )), 200);
    expect(updated).toMatchObject({ displayName: 'Rear Admiral Hopper', [ENTERPRISE]: { department: 'Computing' }, meta: { version: 'W/"v2"' } });

    const stale = await scim(tokenB, 'PATCH', `/Users/${userId}`, patch({ op: 'Replace', path: 'displayName', value: 'x' }), { 'if-match': 'W/"v1"' });
    expect(stale.statusCode).toBe(412);

    const off = await ok(await scim(tokenB, 'PATCH', `/Users/${userId}`, patch({ op: 'Replace', path: 'active', value: 'False' })), 200);
    expect(off.active).toBe(false);
    const status = await idb().selectFrom('users').select('status').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(status.status).toBe('suspended');
  });

  it('creates a group, adds members in concurrent PATCHes without losing any, removes by members[value eq]', async () => {
    const group = await ok(await scim(tokenB, 'POST', '/Groups', { schemas: [GROUP], externalId: 'g-1', displayName: 'Engineers' }), 201);
    groupId = group.id;
    const others = [];
    for (let i = 0; i < 8; i++) {
      others.push((await ok(await scim(tokenB, 'POST', '/Users', { schemas: [USER], userName: `eng${i}@beta.test`, active: 'True' }), 201)).id as string);
    }
    const responses = await Promise.all([userId, ...others].map((id) => scim(tokenB, 'PATCH', `/Groups/${groupId}`, patch({ op: 'Add', path: 'members', value: [{ value: id }] }))));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(9).fill(204));
    const full = await ok(await scim(tokenB, 'GET', `/Groups/${groupId}`), 200);
    expect(full.members).toHaveLength(9);
    expect(full.meta.version).toBe('W/"v10"');

    await ok(await scim(tokenB, 'PATCH', `/Groups/${groupId}`, patch({ op: 'Remove', path: `members[value eq "${others[0]}"]` })), 204);
    await ok(await scim(tokenB, 'PATCH', `/Groups/${groupId}`, patch({ op: 'Replace', value: { id: groupId, displayName: 'Engineering' } })), 204);
    const slim = await ok(await scim(tokenB, 'GET', `/Groups/${groupId}?excludedAttributes=members`), 200);
    expect(slim).toMatchObject({ displayName: 'Engineering' });
    expect(slim.members).toBeUndefined();
    const byMember = await ok(await scim(tokenB, 'GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${others[1]}"] and displayName sw "eng"`)}&excludedAttributes=members`), 200);
    expect(byMember.totalResults).toBe(1);
    expect(await t.deps.services.identity.groupsOfUser(orgB, others[0]!)).toEqual([]);

    const page = await ok(await scim(tokenB, 'GET', '/Users?startIndex=3&count=2'), 200);
    expect(page).toMatchObject({ totalResults: 9, startIndex: 3, itemsPerPage: 2 });
  });

  it('deletes the group (and its bindings) and the user, idempotently', async () => {
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgB}/role-bindings`, 201, {
      body: { roleId: 'org-member', subject: { type: 'group', id: groupId }, scope: { type: 'organization', id: orgB } },
    });
    await ok(await scim(tokenB, 'DELETE', `/Groups/${groupId}`), 204);
    await ok(await scim(tokenB, 'DELETE', `/Groups/${groupId}`), 204);
    const bindings = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgB}/role-bindings?subjectId=${groupId}`, 200);
    expect(bindings.items).toEqual([]);
    await ok(await scim(tokenB, 'DELETE', `/Users/${userId}`), 204);
    expect(await isMember(orgB, userId)).toBe(false);
    const actions = (await auditActions(orgB, groupId)).map((a) => `${a.actor_kind} ${a.action}`);
    expect(actions).toContain('scim group:provision');
    expect(actions).toContain('scim group:deprovision');
  });
});

describe('SCIM errors and isolation', () => {
  it('answers bad input with SCIM errors, never problem+json', async () => {
    const cases: Array<[LightMyRequestResponse, number, string | undefined]> = [
      [await scim(tokenA, 'GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter'],
      [await scim(tokenA, 'GET', `/Users?filter=${encodeURIComponent('password eq "x"')}`), 400, 'invalidFilter'],
      [await scim(tokenA, 'POST', '/Users', { schemas: [USER] }), 400, 'invalidValue'],
      [await scim(tokenA, 'POST', '/Users', { schemas: [USER], userName: 'no-email-here' }), 400, 'invalidValue'],
      [await scim(tokenA, 'PATCH', '/Users/usr_00000000000000000000000000', patch({ op: 'replace', value: { active: false } })), 404, undefined],
      [await scim(tokenA, 'PATCH', '/Groups/grp_00000000000000000000000000', { Operations: [{ op: 'jump' }] }), 400, 'invalidSyntax'],
      [await scim(tokenA, 'POST', '/Groups', { schemas: [GROUP], displayName: 'x', members: [{ value: 'usr_nobody' }] }), 400, 'invalidValue'],
      [await scim(tokenA, 'POST', '/Users', { schemas: [USER], userName: ADMIN_EMAIL }), 409, 'uniqueness'],
    ];
    // A PATCH whose result is not a valid user changes nothing.
    const someone = (await ok(await scim(tokenA, 'GET', '/Users?count=1'), 200)).Resources[0];
    const broke = await scim(tokenA, 'PATCH', `/Users/${someone.id}`, patch({ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'remove', path: 'userName' }));
    expect(broke.statusCode).toBe(400);
    expect(broke.json()).toMatchObject({ schemas: [ERROR], scimType: 'invalidValue' });
    expect((await ok(await scim(tokenA, 'GET', `/Users/${someone.id}`), 200)).meta.version).toBe(someone.meta.version);
    for (const [res, status, scimType] of cases) {
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toContain(SCIM_JSON);
      expect(res.json()).toMatchObject({ schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}) });
    }
    const broken = await t.app.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${tokenA}`, 'content-type': SCIM_JSON }, payload: '{"userName":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ schemas: [ERROR], scimType: 'invalidSyntax' });
  });

  it("a token of org B cannot see or change org A's users and groups", async () => {
    const a = await ok(await scim(tokenA, 'GET', '/Users'), 200);
    const someone = a.Resources[0].id as string;
    const groups = await ok(await scim(tokenA, 'GET', '/Groups'), 200);
    const groupOfA = groups.Resources[0].id as string;
    expect((await scim(tokenB, 'GET', `/Users/${someone}`)).statusCode).toBe(404);
    expect((await scim(tokenB, 'PATCH', `/Users/${someone}`, patch({ op: 'replace', value: { active: false } }))).statusCode).toBe(404);
    expect((await scim(tokenB, 'PATCH', `/Groups/${groupOfA}`, patch({ op: 'add', path: 'members', value: [{ value: someone }] }))).statusCode).toBe(404);
    const list = await ok(await scim(tokenB, 'GET', `/Users?filter=${encodeURIComponent(`id eq "${someone}"`)}`), 200);
    expect(list.totalResults).toBe(0);
    await ok(await scim(tokenB, 'DELETE', `/Users/${someone}`), 204);
    expect(await isMember(orgA, someone)).toBe(true);
    // An account of org A cannot be claimed by org B's IdP.
    const claim = await scim(tokenB, 'POST', '/Users', { schemas: [USER], userName: 'ada@acme.test', emails: [{ value: 'ada@acme.test' }] });
    expect(claim.statusCode).toBe(409);
  });

  it('serves the discovery endpoints', async () => {
    const config = await ok(await scim(tokenA, 'GET', '/ServiceProviderConfig'), 200);
    expect(config).toMatchObject({ patch: { supported: true }, filter: { supported: true }, etag: { supported: true } });
    const types = await ok(await scim(tokenA, 'GET', '/ResourceTypes'), 200);
    expect(types.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
    const schemas = await ok(await scim(tokenA, 'GET', '/Schemas'), 200);
    expect(schemas.totalResults).toBe(3);
    const bulk = await scim(tokenA, 'POST', '/Bulk', { Operations: [] });
    expect(bulk.statusCode).toBe(404);
    expect(bulk.json().schemas).toEqual([ERROR]);
  });
});

describe('filter translation against the reference evaluator', () => {
  // Lower-case ASCII values on attributes every user has, so SQL's and scim2-parse-filter's
  // in-memory semantics coincide (case folding and missing attributes are where they differ).
  it('selects exactly the users scim2-parse-filter selects, for random filters', async () => {
    const orgC = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Gamma', slug: 'gamma-scim' } })).id;
    const token = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgC}/scim-tokens`, 201, { body: { name: 'ref' } })).token;
    const words = ['ab', 'abc', 'b', 'ca', 'cab', 'bca'];
    for (let i = 0; i < 24; i++) {
      const w = (k: number) => words[(i * 7 + k * 3) % words.length]!;
      await ok(await scim(token, 'POST', '/Users', {
        schemas: [USER, ENTERPRISE],
        userName: `${w(0)}${i}@gamma.test`,
        displayName: w(1),
        externalId: w(2),
        name: { givenName: w(3), familyName: w(4) },
        emails: [{ value: `${w(0)}${i}@gamma.test`, type: w(5) }],
        active: i % 3 !== 0,
        [ENTERPRISE]: { department: w(6) },
      }), 201);
    }
    const all = (await ok(await scim(token, 'GET', '/Users?count=1000'), 200)).Resources as Array<{ id: string }>;
    const attr = fc.constantFrom('userName', 'displayName', 'externalId', 'name.givenName', 'name.familyName', 'emails.value', 'emails.type', `${ENTERPRISE}:department`);
    const leaf: fc.Arbitrary<Filter> = fc.oneof(
      fc.record({ op: fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt'), attrPath: attr, compValue: fc.constantFrom(...words, 'a', 'c', 'zz') }) as fc.Arbitrary<Filter>,
      fc.record({ op: fc.constant('pr'), attrPath: attr }) as fc.Arbitrary<Filter>,
      fc.record({ op: fc.constantFrom('eq', 'ne'), attrPath: fc.constant('active'), compValue: fc.boolean() }) as fc.Arbitrary<Filter>,
    );
    const tree = fc.letrec<{ f: Filter }>((tie) => ({
      f: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.record({ op: fc.constantFrom('and', 'or'), filters: fc.array(tie('f'), { minLength: 2, maxLength: 3 }) }) as fc.Arbitrary<Filter>,
        fc.record({ op: fc.constant('not'), filter: tie('f') }) as fc.Arbitrary<Filter>,
      ),
    })).f;
    let discriminating = 0;
    await fc.assert(
      fc.asyncProperty(tree, async (f) => {
        const text = stringify(f);
        const res = await ok(await scim(token, 'GET', `/Users?count=1000&filter=${encodeURIComponent(text)}`), 200);
        const got = (res.Resources as Array<{ id: string }>).map((r) => r.id).sort();
        const expected = all.filter(scimFilter(f)).map((r) => r.id).sort();
        expect(got, text).toEqual(expected);
        if (got.length > 0 && got.length < all.length) discriminating += 1;
      }),
      { numRuns: 120 },
    );
    // The data is varied enough that most filters select some users but not all.
    expect(discriminating).toBeGreaterThan(30);
  });
});
