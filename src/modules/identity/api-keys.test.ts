import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import { fixedClock } from '../../kernel/clock.ts';
import { sha256Hex } from '../../kernel/crypto.ts';
import { inviteAndSignIn } from '../../../test/support/world.ts';

let t: TestApp;
let clock: ReturnType<typeof fixedClock>;
let admin: Credentials & { kind: 'session' };
let orgId: string;
let otherOrgId: string;

const asKey = (token: string): Credentials => ({ kind: 'apiKey', token, keyId: token.slice(4, 34) });

async function createKey(body: Record<string, unknown> = {}) {
  return expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'ci-pipeline', roleId: 'org-admin', ...body } });
}

async function status(token: string, url = '/api/v1/me') {
  return (await call(t.app, asKey(token), 'GET', url)).statusCode;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Keys Inc', slug: 'keys-inc' } })).id;
  otherOrgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Other Inc', slug: 'other-inc' } })).id;
});

afterAll(async () => {
  await t?.close();
});

beforeEach(() => {
  clock = fixedClock(new Date());
  t.deps.clock = clock;
});

describe('API keys', () => {
  it('creates a key whose secret is shown once and authenticates as the key', async () => {
    const created = await createKey();
    expect(created.secret).toMatch(/^hxp_key_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({
      orgId,
      name: 'ci-pipeline',
      roleId: 'org-admin',
      actions: null,
      workspaceId: null,
      status: 'active',
      createdBy: t.adminUserId,
      expiresAt: null,
      lastUsedAt: null,
      rateLimitPerMinute: t.config.apiKeyRateLimitPerMinute,
      version: 1,
    });
    expect(created.secret).toContain(created.apiKey.id);

    const me = await expectJson(t.app, asKey(created.secret), 'GET', '/api/v1/me', 200);
    expect(me).toEqual({
      user: null,
      apiKey: { id: created.apiKey.id, orgId, name: 'ci-pipeline' },
      sessionId: null,
      csrfToken: null,
      authenticatedVia: 'apiKey',
    });
    // A key may enter its own organization only; others do not exist for it.
    await expectJson(t.app, asKey(created.secret), 'GET', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}`, 200);
    expect(await status(created.secret, `/api/v1/orgs/${otherOrgId}/api-keys`)).toBe(404);
    // State-changing calls with a key need no CSRF token.
    const group = await call(t.app, asKey(created.secret), 'POST', `/api/v1/orgs/${orgId}/groups`, { body: { name: 'made-by-key' } });
    expect(group.statusCode).toBe(201);
  });

  it('never shows the secret again, and keeps it (and its hash) out of the audit log', async () => {
    const created = await createKey({ name: 'secret-keeper' });
    const secretPart = created.secret.split('_').slice(3).join('_');
    const get = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}`);
    const list = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/api-keys`, { query: { limit: '200' } });
    const rotated = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}/rotate`, 201, { body: {} });
    for (const body of [get.body, list.body]) {
      expect(body).not.toContain(secretPart);
      expect(body).not.toContain('secret"');
    }
    const audit = JSON.stringify(await t.db.selectFrom('audit_events').selectAll().where('target_id', '=', created.apiKey.id).execute());
    expect(audit).toContain('api-key:create');
    expect(audit).toContain('api-key:rotate');
    for (const token of [created.secret, rotated.secret]) {
      const secret = token.slice(35);
      expect(audit).not.toContain(secret);
      expect(audit).not.toContain(sha256Hex(secret));
    }
  });

  it('rotates with an overlap: both secrets work, then only the new one', async () => {
    const created = await createKey({ name: 'rotating' });
    const rotated = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}/rotate`, 201, { body: { overlapMinutes: 30 } });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.apiKey).toMatchObject({ id: created.apiKey.id, version: 2, status: 'active' });
    expect(rotated.apiKey.previousSecretExpiresAt).toBe(new Date(clock.now().getTime() + 30 * 60_000).toISOString());
    expect(await status(created.secret)).toBe(200);
    expect(await status(rotated.secret)).toBe(200);

    clock.advance(30 * 60_000);
    expect(await status(created.secret)).toBe(401);
    expect(await status(rotated.secret)).toBe(200);
  });

  it('rotates without an overlap: the old secret stops at once', async () => {
    const created = await createKey({ name: 'hard-rotation' });
    expect(await status(created.secret)).toBe(200);
    const rotated = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}/rotate`, 201, { body: { overlapMinutes: 0 } });
    expect(rotated.apiKey.previousSecretExpiresAt).toBeNull();
    expect(await status(created.secret)).toBe(401);
    expect(await status(rotated.secret)).toBe(200);
  });

  it('revokes: the key fails at once, even while cached', async () => {
    const created = await createKey({ name: 'to-revoke' });
    expect(await status(created.secret)).toBe(200);
    const revoked = await expectJson(t.app, admin, 'DELETE', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}`, 200);
    expect(revoked).toMatchObject({ status: 'revoked', version: 2 });
    expect(await status(created.secret)).toBe(401);
    expect((await call(t.app, admin, 'DELETE', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}`)).statusCode).toBe(409);
    expect((await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}/rotate`, { body: {} })).statusCode).toBe(409);
    const list = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/api-keys`, 200, { query: { limit: '200' } });
    expect(list.items.find((k: { id: string }) => k.id === created.apiKey.id).status).toBe('revoked');
  });

  it('serves a known key from memory, and drops it when another replica announces a change', async () => {
    const created = await createKey({ name: 'cached' });
    expect(await status(created.secret)).toBe(200);
    // Another replica revokes it: the row changes, and a notification arrives.
    await t.db.withTables<{ api_keys: { id: string; status: string } }>().updateTable('api_keys').set({ status: 'revoked' }).where('id', '=', created.apiKey.id).execute();
    expect(await status(created.secret)).toBe(200);
    t.deps.changes.deliver(`api-key:${created.apiKey.id}`);
    expect(await status(created.secret)).toBe(401);
  });

  it('refuses an expired key', async () => {
    const created = await createKey({ name: 'short-lived', expiresInDays: 1 });
    expect(created.apiKey.expiresAt).toBe(new Date(clock.now().getTime() + 86_400_000).toISOString());
    expect(await status(created.secret)).toBe(200);
    clock.advance(86_400_000);
    expect(await status(created.secret)).toBe(401);
    // The day also ended the administrator's session.
    admin = await signIn(t.app);
    const shown = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}`, 200);
    expect(shown.status).toBe('expired');
    expect((await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}/rotate`, { body: {} })).statusCode).toBe(409);
  });

  it('refuses forged tokens', async () => {
    const created = await createKey({ name: 'forgery-target' });
    const forged = created.secret.slice(0, -4) + (created.secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await status(forged)).toBe(401);
    expect(await status(`hxp_key_${'0'.repeat(26)}_${'A'.repeat(43)}`)).toBe(401);
    expect(await status('hxp_nonsense')).toBe(401);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer something-else' } });
    expect(res.statusCode).toBe(401);
  });

  it('records the last use in batches, not per request', async () => {
    const created = await createKey({ name: 'usage' });
    await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${created.secret}` }, remoteAddress: '10.2.0.7' });
    const stored = () =>
      t.db.withTables<{ api_keys: { id: string; last_used_at: Date | null; last_used_ip: string | null } }>()
        .selectFrom('api_keys').select(['last_used_at', 'last_used_ip']).where('id', '=', created.apiKey.id).executeTakeFirstOrThrow();
    expect((await stored()).last_used_at).toBeNull();
    // Reads show the pending use already.
    const shown = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/api-keys/${created.apiKey.id}`, 200);
    expect(shown).toMatchObject({ lastUsedAt: clock.now().toISOString(), lastUsedIp: '10.2.0.7' });
    await t.deps.services.identity.flushKeyUsage();
    expect(await stored()).toEqual({ last_used_at: clock.now(), last_used_ip: '10.2.0.7' });
  });

  it('applies the per-key rate limit', async () => {
    const created = await createKey({ name: 'throttled', rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect(await status(created.secret)).toBe(200);
    const limited = await call(t.app, asKey(created.secret), 'GET', '/api/v1/me');
    expect(limited.statusCode).toBe(429);
  });

  it('takes a role or an action list, exactly one', async () => {
    const both = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, { body: { name: 'both', roleId: 'org-admin', actions: ['workspace:read'] } });
    expect(both.statusCode).toBe(400);
    expect(both.json().field).toBe('actions');
    const neither = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, { body: { name: 'neither' } });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().field).toBe('roleId');
    const badAction = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, { body: { name: 'bad', actions: ['not an action'] } });
    expect(badAction.statusCode).toBe(400);
    expect(badAction.json().field).toBe('body.actions.0');
    const ws = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, { body: { name: 'ws', roleId: 'workspace-viewer', workspaceId: `ws_${'0'.repeat(26)}` } });
    expect(ws.statusCode).toBe(400);
    expect(ws.json().field).toBe('workspaceId');

    const listed = await createKey({ name: 'reader', roleId: undefined, actions: ['workspace:read', 'workspace:read', 'project:read'] });
    expect(listed.apiKey).toMatchObject({ roleId: null, actions: ['workspace:read', 'project:read'] });
    const me = await expectJson(t.app, asKey(listed.secret), 'GET', '/api/v1/me', 200);
    expect(me.apiKey.id).toBe(listed.apiKey.id);
  });

  it('acts only within its grant, and nobody hands a key more than they hold', async () => {
    const reader = await createKey({ name: 'group-reader', roleId: undefined, actions: ['group:read'] });
    expect((await call(t.app, asKey(reader.secret), 'GET', `/api/v1/orgs/${orgId}/groups`)).statusCode).toBe(200);
    const denied = await call(t.app, asKey(reader.secret), 'POST', `/api/v1/orgs/${orgId}/groups`, { body: { name: 'nope' } });
    expect(denied.statusCode).toBe(403);
    // A key cannot mint a stronger key either.
    const minted = await call(t.app, asKey(reader.secret), 'POST', `/api/v1/orgs/${orgId}/api-keys`, { body: { name: 'stronger', roleId: 'org-admin' } });
    expect(minted.statusCode).toBe(403);

    const member = await inviteAndSignIn(t, admin, orgId, 'erin@hexaplane.test', 'org-member');
    const escalate = await call(t.app, member, 'POST', `/api/v1/orgs/${orgId}/api-keys`, { body: { name: 'escalation', roleId: 'org-admin' } });
    expect(escalate.statusCode).toBe(403);

    // Access sees the key's grant for simulations.
    const check = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/authz/check`, 200, {
      body: { action: 'group:create', resource: { type: 'organization', id: orgId }, principal: { type: 'apiKey', id: reader.apiKey.id } },
    });
    expect(check.allowed).toBe(false);
  });

  it('stops the keys a removed member created', async () => {
    const created = await createKey({ name: 'orphan' });
    expect(await status(created.secret)).toBe(200);
    await t.db.transaction().execute((tx) => t.deps.services.identity.revokeAccessInOrg(tx, orgId, t.adminUserId));
    expect(await status(created.secret)).toBe(401);
  });
});
