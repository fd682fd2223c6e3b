import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn } from '../../../test/support/http.ts';
import { fixedClock } from '../../kernel/clock.ts';
import { bootstrapAdministrator, resetPasswordByOperator } from './index.ts';
import { passwordWeaknesses } from './passwords.ts';

let t: TestApp;
let clock: ReturnType<typeof fixedClock>;
let orgId: string;
// Each test signs in from its own address, so the per-IP sign-in limit of one test
// does not spill into the next.
let address = 0;
const nextAddress = () => `10.1.0.${++address}`;

async function attempt(email: string, password: string, remoteAddress: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/session',
    payload: { email, password },
    remoteAddress,
    headers: { 'user-agent': 'identity-tests' },
  });
}

async function auditRows(action: string) {
  return t.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
}

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Identity Test', slug: 'identity-test' } })).id;
});

afterAll(async () => {
  await t?.close();
});

beforeEach(() => {
  clock = fixedClock(new Date());
  t.deps.clock = clock;
});

describe('sign-in', () => {
  it('sets an httpOnly, SameSite=Lax session cookie and returns the CSRF token', async () => {
    const res = await attempt(ADMIN_EMAIL.toUpperCase(), ADMIN_PASSWORD, nextAddress());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toEqual({ id: t.adminUserId, email: ADMIN_EMAIL, displayName: 'Administrator', platformAdmin: true });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(body.expiresAt).getTime()).toBe(clock.now().getTime() + t.config.sessionAbsoluteHours * 3600_000);
    const cookie = res.cookies.find((c) => c.name === 'hxp_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy();

    const me = await expectJson(t.app, { kind: 'session', cookie: `hxp_session=${cookie.value}`, csrfToken: body.csrfToken, userId: body.user.id }, 'GET', '/api/v1/me', 200);
    expect(me).toMatchObject({ user: { id: t.adminUserId }, csrfToken: body.csrfToken, authenticatedVia: 'session', apiKey: null });
    expect(me.sessionId).toMatch(/^ses_/);
  });

  it('stores only a hash of the session token', async () => {
    const session = await signIn(t.app);
    const token = session.cookie.split('=')[1]!;
    const rows = await t.db.withTables<{ sessions: { token_hash: string } }>().selectFrom('sessions').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('gives the same 401 for an unknown user and a wrong password', async () => {
    const ip = nextAddress();
    const unknown = await attempt('nobody@hexaplane.test', ADMIN_PASSWORD, ip);
    const wrong = await attempt(ADMIN_EMAIL, 'not the right password', ip);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(unknown.json())).toEqual(strip(wrong.json()));
    expect(unknown.json().type).toMatch(/invalid-credentials$/);
    expect(unknown.headers['set-cookie']).toBeUndefined();
    // Reset the failure count for the tests that follow.
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip)).statusCode).toBe(200);
  });

  it('refuses a malformed body with field errors', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL }, remoteAddress: nextAddress() });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.password');
  });

  it('records successful and failed sign-ins in the organizations of the user', async () => {
    const ip = nextAddress();
    const before = (await auditRows('session:create')).length;
    await attempt(ADMIN_EMAIL, 'a wrong password here', ip);
    await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip);
    const rows = (await auditRows('session:create')).slice(before);
    expect(rows.map((r) => [r.org_id, r.outcome, r.actor_ip])).toEqual([
      [orgId, 'failed', ip],
      [orgId, 'success', ip],
    ]);
    expect(rows[0]!.reason).toBe('wrong password');
    expect(rows[1]!.session_id).toMatch(/^ses_/);
    expect(JSON.stringify(rows)).not.toContain(ADMIN_PASSWORD);
  });
});

describe('lockout', () => {
  it('locks after five failures, doubles the lock, and unlocks after the time', async () => {
    const ip = nextAddress();
    for (let i = 0; i < 5; i++) expect((await attempt(ADMIN_EMAIL, `wrong password ${i}`, ip)).statusCode).toBe(401);

    // Locked: even the right password is refused, with when to retry.
    const locked = await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip);
    expect(locked.statusCode).toBe(423);
    expect(locked.json()).toMatchObject({ retryAfter: 30 });
    expect(locked.json().type).toMatch(/locked$/);
    expect(locked.headers['retry-after']).toBe('30');

    clock.advance(30_000);
    // The sixth consecutive failure locks for twice as long.
    expect((await attempt(ADMIN_EMAIL, 'still wrong password', ip)).statusCode).toBe(401);
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip)).json()).toMatchObject({ status: 423, retryAfter: 60 });

    clock.advance(60_000);
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip)).statusCode).toBe(200);
    // Success reset the count: one failure does not lock again.
    expect((await attempt(ADMIN_EMAIL, 'wrong once more', ip)).statusCode).toBe(401);
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip)).statusCode).toBe(200);

    const lockedAttempts = (await auditRows('session:create')).filter((r) => r.reason === 'account locked');
    expect(lockedAttempts).toHaveLength(2);
  });

  it('never locks an unknown e-mail differently from a known one', async () => {
    const ip = nextAddress();
    for (let i = 0; i < 6; i++) expect((await attempt('ghost@hexaplane.test', 'whatever password', ip)).statusCode).toBe(401);
  });
});

describe('sessions', () => {
  it('ends after the idle time, and activity keeps it alive', async () => {
    const s = await signIn(t.app);
    clock.advance(29 * 60_000);
    await expectJson(t.app, s, 'GET', '/api/v1/me', 200);
    clock.advance(29 * 60_000);
    await expectJson(t.app, s, 'GET', '/api/v1/me', 200);
    clock.advance(30 * 60_000);
    expect((await call(t.app, s, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });

  it('writes last_seen_at at most once a minute', async () => {
    const s = await signIn(t.app);
    const lastSeen = async () =>
      (await t.db.withTables<{ sessions: { id: string; last_seen_at: Date } }>().selectFrom('sessions').select('last_seen_at').where('id', '=', (await expectJson(t.app, s, 'GET', '/api/v1/me', 200)).sessionId).executeTakeFirstOrThrow()).last_seen_at;
    const first = await lastSeen();
    clock.advance(30_000);
    expect(await lastSeen()).toEqual(first);
    clock.advance(31_000);
    expect((await lastSeen()).getTime()).toBe(clock.now().getTime());
  });

  it('ends at the absolute expiry however active it is', async () => {
    const s = await signIn(t.app);
    const hours = t.config.sessionAbsoluteHours;
    for (let minutes = 20; minutes < hours * 60; minutes += 20) {
      clock.advance(20 * 60_000);
      await expectJson(t.app, s, 'GET', '/api/v1/me', 200);
    }
    clock.set(new Date(clock.now().getTime() + 20 * 60_000));
    expect((await call(t.app, s, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });

  it('requires the CSRF token for state-changing requests with the cookie', async () => {
    const s = await signIn(t.app);
    const without = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie } });
    expect(without.statusCode).toBe(403);
    expect(without.json().type).toMatch(/csrf$/);
    const wrong = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.statusCode).toBe(403);
    const other = await signIn(t.app);
    const crossed = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': other.csrfToken } });
    expect(crossed.statusCode).toBe(403);
    await expectJson(t.app, s, 'GET', '/api/v1/me', 200);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const s = await signIn(t.app);
    const res = await call(t.app, s, 'DELETE', '/api/v1/session');
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies.find((c) => c.name === 'hxp_session')!;
    expect(cleared.value).toBe('');
    expect((await call(t.app, s, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await auditRows('session:delete')).length).toBeGreaterThan(0);
  });

  it('lists live sessions and ends another one', async () => {
    const a = await signIn(t.app);
    const b = await signIn(t.app);
    const list = await expectJson(t.app, a, 'GET', '/api/v1/me/sessions', 200, { query: { limit: '200' } });
    const current = list.items.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    const bId = (await expectJson(t.app, b, 'GET', '/api/v1/me', 200)).sessionId;
    expect(list.items.map((s: { id: string }) => s.id)).toContain(bId);
    expect(JSON.stringify(list)).not.toContain(b.csrfToken);

    expect((await call(t.app, a, 'DELETE', `/api/v1/me/sessions/${bId}`)).statusCode).toBe(204);
    expect((await call(t.app, b, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await call(t.app, a, 'DELETE', `/api/v1/me/sessions/${bId}`)).statusCode).toBe(404);
    await expectJson(t.app, a, 'GET', '/api/v1/me', 200);
  });

  it('refuses a suspended user, signed in or not', async () => {
    const s = await signIn(t.app);
    const users = () => t.db.withTables<{ users: { id: string; status: string } }>().updateTable('users').where('id', '=', t.adminUserId);
    await users().set({ status: 'suspended' }).execute();
    try {
      expect((await call(t.app, s, 'GET', '/api/v1/me')).statusCode).toBe(401);
      const res = await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, nextAddress());
      expect(res.statusCode).toBe(403);
      expect(res.json().type).toMatch(/account-suspended$/);
      expect((await attempt(ADMIN_EMAIL, 'a wrong password here', nextAddress())).statusCode).toBe(401);
    } finally {
      await users().set({ status: 'active' }).execute();
    }
    await expectJson(t.app, s, 'GET', '/api/v1/me', 200);
    // Reset the failure count for the tests that follow.
    await signIn(t.app);
  });

  it('refuses a forged or malformed cookie', async () => {
    for (const value of ['x'.repeat(43), 'short', '']) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `hxp_session=${value}` } });
      expect(res.statusCode).toBe(401);
    }
  });
});

describe('password change', () => {
  const NEW_PASSWORD = 'a different long passphrase 7';

  it('checks the current password and the policy, then ends the other sessions', async () => {
    const mine = await signIn(t.app);
    const other = await signIn(t.app);

    const wrong = await call(t.app, mine, 'PUT', '/api/v1/me/password', { body: { currentPassword: 'not my password', newPassword: NEW_PASSWORD } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().field).toBe('currentPassword');

    const weak = await call(t.app, mine, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ field: 'newPassword', errors: [{ field: 'newPassword', message: 'must be at least 12 characters' }] });

    const named = await call(t.app, mine, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: 'i am the admin, really' } });
    expect(named.json().errors).toEqual([{ field: 'newPassword', message: 'must not contain your e-mail name' }]);

    const same = await call(t.app, mine, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD } });
    expect(same.json().errors).toEqual([{ field: 'newPassword', message: 'must differ from your current password' }]);

    expect((await call(t.app, mine, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD } })).statusCode).toBe(204);
    await expectJson(t.app, mine, 'GET', '/api/v1/me', 200);
    expect((await call(t.app, other, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, nextAddress())).statusCode).toBe(401);

    // Change it back for the tests that follow.
    await signIn(t.app, ADMIN_EMAIL, NEW_PASSWORD);
    expect((await call(t.app, mine, 'PUT', '/api/v1/me/password', { body: { currentPassword: NEW_PASSWORD, newPassword: ADMIN_PASSWORD } })).statusCode).toBe(204);
    const audit = await auditRows('password:update');
    expect(audit.filter((r) => r.outcome === 'success')).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD);
  });
});

describe('common passwords', () => {
  const COMMON = 'is one of the most common passwords (found in leaked password lists): choose another';

  it('are refused, in any case, wherever a password is set, with the field named and nothing changed', async () => {
    const admin = await signIn(t.app);
    // Invitation accept (sign-up): no account is created.
    const inv = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/invitations`, 201, { body: { email: 'common@acme.test', roleId: 'org-member' } });
    const token = new URL(inv.acceptUrl).searchParams.get('token');
    const accept = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'QWERTY123456' } });
    expect(accept.statusCode).toBe(400);
    expect(accept.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(accept.json()).toMatchObject({ field: 'password', detail: `password: ${COMMON}`, errors: [{ field: 'password', message: COMMON }] });
    expect(await t.deps.services.identity.findUserByEmail('common@acme.test')).toBeUndefined();
    expect((await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'a rare passphrase 42 river' } })).statusCode).toBe(200);

    // Password change: the old password still works.
    const changed = await call(t.app, admin, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: 'Password1234' } });
    expect(changed.statusCode).toBe(400);
    expect(changed.json()).toMatchObject({ field: 'newPassword', errors: [{ field: 'newPassword', message: COMMON }] });
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, nextAddress())).statusCode).toBe(200);

    // A configured bootstrap password is refused at start-up.
    const configured = { ...t.deps, config: { ...t.config, bootstrapAdminEmail: 'boot-common@hexaplane.test', bootstrapAdminPassword: '1q2w3e4r5t6y' } };
    await expect(bootstrapAdministrator(configured)).rejects.toThrow(/most common passwords/);
    expect(await t.deps.services.identity.findUserByEmail('boot-common@hexaplane.test')).toBeUndefined();

    // The operator's reset (hexaplane admin reset-password) generates a password that passes the same rules.
    const reset = await resetPasswordByOperator(t.deps, 'common@acme.test');
    expect(passwordWeaknesses(reset.password, 'common@acme.test')).toEqual([]);
  });
});

describe("the organization's password length at invitation accept", () => {
  it('applies the inviting organization\'s minimum to a new account', async () => {
    const admin = await signIn(t.app);
    const strict = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Strict', slug: 'strict-passwords' } })).id;
    const policy = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${strict}/security-policy`, 200);
    await expectJson(t.app, admin, 'PUT', `/api/v1/orgs/${strict}/security-policy`, 200, {
      body: { mfa: policy.mfa, password: { minLength: 20 }, sessions: policy.sessions, ipAllowList: policy.ipAllowList, lockout: policy.lockout },
    });
    const inv = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${strict}/invitations`, 201, { body: { email: 'strict@acme.test', roleId: 'org-member' } });
    const token = new URL(inv.acceptUrl).searchParams.get('token');
    const short = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'sixteen chars ok' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors).toEqual([{ field: 'password', message: "must be at least 20 characters (the organization's policy)" }]);
    expect(await t.deps.services.identity.findUserByEmail('strict@acme.test')).toBeUndefined();
    expect((await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'twenty or more characters' } })).statusCode).toBe(200);
  });
});

describe('users', () => {
  it('creates local users with the password policy and case-insensitive unique e-mail', async () => {
    const identity = t.deps.services.identity;
    const weak = await t.db.transaction().execute((tx) => identity.createLocalUser(tx, { email: 'weak@hexaplane.test', displayName: 'Weak', password: 'aaaaaaaaaaaaaaaa' })).catch((e) => e);
    expect(weak).toMatchObject({ status: 400, extensions: { field: 'password' } });

    const user = await t.db.transaction().execute((tx) => identity.createLocalUser(tx, { email: 'Carol@Hexaplane.test', displayName: 'Carol', password: 'a fine password for her' }));
    expect(user).toMatchObject({ email: 'Carol@Hexaplane.test', status: 'active' });
    expect(await identity.findUserByEmail('carol@hexaplane.TEST')).toEqual(user);
    expect(await identity.findUsers([user.id, user.id, 'usr_missing'])).toEqual([user]);

    const dup = await t.db.transaction().execute((tx) => identity.createLocalUser(tx, { email: 'CAROL@hexaplane.test', displayName: 'Carol 2', password: 'another fine password' })).catch((e) => e);
    expect(dup).toMatchObject({ status: 409, extensions: { field: 'email' } });

    // A user with no organization signs in without any audit event to write.
    expect((await attempt('carol@hexaplane.test', 'a fine password for her', nextAddress())).statusCode).toBe(200);
  });

  it('bootstraps the administrator once and never resets the password', async () => {
    const again = await bootstrapAdministrator(t.deps);
    expect(again).toEqual({ userId: t.adminUserId, email: ADMIN_EMAIL, generatedPassword: null });

    const generated = await bootstrapAdministrator({ ...t.deps, config: { ...t.config, bootstrapAdminEmail: 'root@hexaplane.test', bootstrapAdminPassword: undefined } });
    expect(generated.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const ip = nextAddress();
    const res = await attempt('root@hexaplane.test', generated.generatedPassword!, ip);
    expect(res.json().user).toMatchObject({ platformAdmin: true });
    const later = await bootstrapAdministrator({ ...t.deps, config: { ...t.config, bootstrapAdminEmail: 'root@hexaplane.test', bootstrapAdminPassword: 'a configured password later' } });
    expect(later).toEqual({ userId: generated.userId, email: 'root@hexaplane.test', generatedPassword: null });
    expect((await attempt('root@hexaplane.test', generated.generatedPassword!, ip)).statusCode).toBe(200);
  });
});

describe('sign-in rate limit', () => {
  it('allows 30 sign-in attempts a minute from one address', async () => {
    const ip = nextAddress();
    for (let i = 0; i < 30; i++) expect((await attempt(`nobody${i}@hexaplane.test`, 'some password here', ip)).statusCode).toBe(401);
    const limited = await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, ip);
    expect(limited.statusCode).toBe(429);
    expect((await attempt(ADMIN_EMAIL, ADMIN_PASSWORD, nextAddress())).statusCode).toBe(200);
  });
});

describe('behind https', () => {
  it('marks the session cookie Secure, and documents every identity route', async () => {
    const secure = await createTestApp({ publicUrl: 'https://hexaplane.example.com' });
    try {
      const res = await secure.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      expect(res.statusCode).toBe(200);
      expect(res.cookies.find((c) => c.name === 'hxp_session')).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });

      const doc = (await secure.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      const operations = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
      for (const id of ['signIn', 'signOut', 'getMe', 'listMySessions', 'revokeMySession', 'changeMyPassword', 'createApiKey', 'listApiKeys', 'getApiKey', 'rotateApiKey', 'revokeApiKey', 'createGroup', 'listGroups', 'getGroup', 'updateGroup', 'deleteGroup', 'listGroupMembers', 'addGroupMember', 'removeGroupMember']) {
        expect(operations).toContain(id);
      }
    } finally {
      await secure.close();
    }
  });
});
