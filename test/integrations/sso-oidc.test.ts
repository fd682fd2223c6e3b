import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { CookieBrowser } from '../support/cookie-browser.ts';
import { startDnsServer, type TestDns } from '../support/dns-server.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { startOidcIdp, type TestIdp } from '../support/oidc-idp.ts';
import { freePort } from '../support/ports.ts';
import { PASSWORD } from '../support/world.ts';

/**
 * OIDC single sign-on end to end against real OpenID Providers on loopback (oidc-provider as
 * an Okta-like and an Entra-like issuer), through Hexaplane listening on a real port: e-mail
 * first discovery, the redirect dance with a cookie jar, just-in-time provisioning, mapped role
 * bindings, and each rejection with its trace reason and nothing created.
 */

let t: TestApp;
let dns: TestDns;
let okta: TestIdp;
let entra: TestIdp;
let admin: Credentials & { kind: 'session' };
let base: string;
let orgId: string;
let workspaceId: string;
let oktaConnection: string;
let entraConnection: string;

const org = (path: string) => `/api/v1/orgs/${orgId}${path}`;

async function userByEmail(email: string) {
  return t.deps.services.identity.findUserByEmail(email);
}

async function bindingsOf(userId: string): Promise<Array<{ roleId: string; scope: { id: string } }>> {
  return (await expectJson(t.app, admin, 'GET', org('/role-bindings'), 200, { query: { subjectId: userId } })).items;
}

async function traces(connectionId: string): Promise<Array<{ reason: string; outcome: string; purpose: string; detail: string }>> {
  return (await expectJson(t.app, admin, 'GET', org(`/sso-connections/${connectionId}/traces`), 200)).items;
}

async function sessionCount(): Promise<number> {
  const row = await sql<{ n: string }>`SELECT count(*) AS n FROM sessions`.execute(t.db);
  return Number(row.rows[0]!.n);
}

/** Signs in through the IdP from e-mail-first discovery; returns the browser and the final redirect. */
async function ssoSignIn(email: string, account: string, idp: TestIdp, stopAtCallback = false) {
  idp.nextAccount = account;
  const browser = new CookieBrowser();
  const discovered = await (await fetch(`${base}/api/v1/sso/discover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) })).json() as { sso: boolean; startUrl: string };
  expect(discovered.sso).toBe(true);
  const result = await browser.follow(`${discovered.startUrl}?returnTo=%2Fworkspaces`, (next) =>
    stopAtCallback ? next.pathname === '/api/v1/sso/oidc/callback' : next.origin === base && !next.pathname.startsWith('/api/'),
  );
  return { browser, location: result.stoppedAt!, response: result.response };
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dns = await startDnsServer();
  t = await createTestApp({ publicUrl: base, dnsServers: [dns.address] });
  await t.app.listen({ port, host: '127.0.0.1' });
  const redirectUri = `${base}/api/v1/sso/oidc/callback`;
  okta = await startOidcIdp({ flavor: 'okta', redirectUri });
  entra = await startOidcIdp({ flavor: 'entra', redirectUri });
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  workspaceId = (await expectJson(t.app, admin, 'POST', org('/workspaces'), 201, { body: { name: 'Payments', slug: 'payments' } })).id;

  // Prove acme.test with a TXT record served by the loopback DNS server.
  const domain = await expectJson(t.app, admin, 'POST', org('/domains'), 201, { body: { domain: 'Acme.Test.' } });
  expect(domain).toMatchObject({ domain: 'acme.test', verified: false, txtRecord: { name: 'acme.test', type: 'TXT' } });
  const refused = await call(t.app, admin, 'POST', org(`/domains/${domain.id}/verify`));
  expect(refused.statusCode).toBe(422);
  expect(refused.json().type).toMatch(/domain-not-verified$/);
  dns.records.set('acme.test', ['v=spf1 -all', domain.txtRecord.value]);
  const verified = await expectJson(t.app, admin, 'POST', org(`/domains/${domain.id}/verify`), 200);
  expect(verified.verified).toBe(true);

  const okConn = await expectJson(t.app, admin, 'POST', org('/sso-connections'), 201, {
    body: { name: 'Okta', kind: 'oidc', preset: 'okta', oidc: { discoveryUrl: okta.issuer, clientId: okta.clientId, clientSecret: okta.clientSecret } },
  });
  oktaConnection = okConn.id;
  expect(JSON.stringify(okConn)).not.toContain(okta.clientSecret);
  expect(okConn.oidc).toMatchObject({ clientSecretSet: true, scopes: ['openid', 'email', 'profile', 'groups'] });
  await expectJson(t.app, admin, 'PUT', org(`/sso-connections/${oktaConnection}/mappings`), 200, {
    body: {
      mappings: [
        { claim: 'groups', value: 'Engineering', roleId: 'workspace-developer', scope: { type: 'workspace', id: workspaceId } },
        { claim: 'department', value: 'finance', roleId: 'org-billing-admin', scope: { type: 'organization', id: orgId } },
      ],
    },
  });
  await expectJson(t.app, admin, 'PATCH', org(`/sso-connections/${oktaConnection}`), 200, { body: { enabled: true } });
}, 120_000);

afterAll(async () => {
  await okta?.close();
  await entra?.close();
  await dns?.close();
  await t?.close();
});

describe('OIDC sign-in (Okta-like issuer)', () => {
  it('provisions the user just in time, binds the mapped roles, honours amr and lands in the console', async () => {
    okta.accounts.set('00u-alice', { email: 'alice@acme.test', name: 'Alice Example', groups: ['Engineering', 'Everyone'], department: 'Finance' });
    okta.amr = ['pwd', 'mfa'];
    const { browser, location } = await ssoSignIn('alice@acme.test', '00u-alice', okta);
    expect(location.href).toBe(`${base}/workspaces`);
    expect(browser.jar.has('hxp_session')).toBe(true);
    const me = (await (await browser.request(`${base}/api/v1/me`)).json()) as { user: unknown; sessionId: string };
    expect(me.user).toMatchObject({ email: 'alice@acme.test', displayName: 'Alice Example' });
    const row = await sql<{ mfa_at: Date | null; authenticated_via: string }>`SELECT mfa_at, authenticated_via FROM sessions WHERE id = ${me.sessionId}`.execute(t.db);
    expect(row.rows[0]).toMatchObject({ authenticated_via: 'sso' });
    expect(row.rows[0]!.mfa_at).not.toBeNull();
    const alice = (await userByEmail('alice@acme.test'))!;
    const bindings = await bindingsOf(alice.id);
    expect(bindings.map((b) => `${b.roleId}@${b.scope.id}`).sort()).toEqual([`org-billing-admin@${orgId}`, `workspace-developer@${workspaceId}`]);
    // The mapped role works: Alice sees the workspace.
    const ws = await browser.request(`${base}${org(`/workspaces/${workspaceId}`)}`);
    expect(ws.status).toBe(200);
    okta.amr = ['pwd'];
  });

  it('re-applies mappings on every sign-in: only the bindings it made are removed', async () => {
    const alice = (await userByEmail('alice@acme.test'))!;
    // A binding made by hand stays whatever the mapping says.
    await expectJson(t.app, admin, 'POST', org('/role-bindings'), 201, { body: { roleId: 'org-security-auditor', subject: { type: 'user', id: alice.id }, scope: { type: 'organization', id: orgId } } });
    const preview = await expectJson(t.app, admin, 'POST', org(`/sso-connections/${oktaConnection}/mappings/preview`), 200, {
      body: { userIds: [alice.id], claims: [{ label: 'an engineer', groups: ['Engineering'] }] },
    });
    expect(preview.items[0]).toMatchObject({ label: 'an engineer', grants: [{ roleId: 'workspace-developer' }] });
    expect(preview.items[1]).toMatchObject({ userId: alice.id, remove: [] });
    okta.accounts.set('00u-alice', { email: 'alice@acme.test', name: 'Alice Example', groups: ['Everyone'], department: 'Finance' });
    const { location } = await ssoSignIn('alice@acme.test', '00u-alice', okta);
    expect(location.href).toBe(`${base}/workspaces`);
    const bindings = await bindingsOf(alice.id);
    expect(bindings.map((b) => b.roleId).sort()).toEqual(['org-billing-admin', 'org-security-auditor']);
  });

  const rejections: Array<[string, Parameters<typeof setTamper>[0]]> = [
    ['issuer-mismatch', { kind: 'claims', claims: { iss: 'http://127.0.0.1:1/evil' } }],
    ['nonce-mismatch', { kind: 'claims', claims: { nonce: 'not-the-nonce-we-sent' } }],
    ['audience-mismatch', { kind: 'claims', claims: { aud: 'someone-else' } }],
    ['expired', { kind: 'claims', claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }],
    ['alg-none', { kind: 'alg-none' }],
    ['signature-invalid', { kind: 'foreign-key' }],
  ];
  function setTamper(tamper: TestIdp['tamper']) {
    okta.tamper = tamper;
  }

  it.each(rejections)('refuses a tampered ID token: %s, with its trace and nothing created', async (reason, tamper) => {
    okta.accounts.set('00u-bob', { email: 'bob@acme.test', groups: ['Engineering'] });
    const sessionsBefore = await sessionCount();
    setTamper(tamper);
    try {
      const { browser, location } = await ssoSignIn('bob@acme.test', '00u-bob', okta);
      expect(location.pathname).toBe('/sign-in');
      expect(location.searchParams.get('ssoError')).toBe(reason);
      expect(browser.jar.has('hxp_session')).toBe(false);
    } finally {
      setTamper(null);
    }
    expect(await userByEmail('bob@acme.test')).toBeUndefined();
    expect(await sessionCount()).toBe(sessionsBefore);
    const [latest] = await traces(oktaConnection);
    expect(latest).toMatchObject({ reason, outcome: 'failure', purpose: 'sign-in' });
  });

  it('refuses a mismatched state and a replayed callback', async () => {
    okta.accounts.set('00u-bob', { email: 'bob@acme.test', groups: [] });
    const { browser, location } = await ssoSignIn('bob@acme.test', '00u-bob', okta, true);
    const forged = new URL(location.href);
    forged.searchParams.set('state', 'forged-state-value-0123456789');
    const res = await browser.request(forged.href);
    expect(new URL(res.headers.get('location')!).searchParams.get('ssoError')).toBe('state-mismatch');
    expect((await traces(oktaConnection))[0]).toMatchObject({ reason: 'state-mismatch' });
    expect(await userByEmail('bob@acme.test')).toBeUndefined();

    // A good callback works once; the same response played again is refused.
    const second = await ssoSignIn('bob@acme.test', '00u-bob', okta, true);
    const stateCookie = second.browser.jar.get('hxp_sso')!;
    const ok = await second.browser.request(second.location.href);
    expect(new URL(ok.headers.get('location')!).pathname).toBe('/workspaces');
    const replayer = new CookieBrowser();
    replayer.jar.set('hxp_sso', stateCookie);
    const replayed = await replayer.request(second.location.href);
    expect(new URL(replayed.headers.get('location')!).searchParams.get('ssoError')).toBe('replay');
    expect(replayer.jar.has('hxp_session')).toBe(false);
  });

  it('refuses users of a domain the organization has not verified', async () => {
    okta.accounts.set('00u-mallory', { email: 'mallory@globex.test', groups: ['Engineering'] });
    okta.nextAccount = '00u-mallory';
    const browser = new CookieBrowser();
    const result = await browser.follow(`${base}/api/v1/sso/oidc/${oktaConnection}/start`, (next) => next.origin === base && !next.pathname.startsWith('/api/'));
    expect(result.stoppedAt!.searchParams.get('ssoError')).toBe('domain-not-verified');
    expect(await userByEmail('mallory@globex.test')).toBeUndefined();
  });

  it('runs a test sign-in that records a trace and creates no session', async () => {
    const browser = new CookieBrowser();
    const signedIn = await browser.request(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@hexaplane.test', password: 'correct horse battery staple 42' }) });
    const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
    const started = await browser.request(`${base}${org(`/sso-connections/${oktaConnection}/test`)}`, { method: 'POST', headers: { 'x-csrf-token': csrfToken } });
    expect(started.status).toBe(201);
    const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
    okta.nextAccount = '00u-alice';
    const before = await sessionCount();
    const result = await browser.follow(authorizationUrl, (next) => next.origin === base && !next.pathname.startsWith('/api/'));
    expect(result.stoppedAt!.pathname).toBe(`/orgs/${orgId}/sso`);
    expect(result.stoppedAt!.searchParams.get('tested')).toBe(oktaConnection);
    expect(await sessionCount()).toBe(before);
    expect((await traces(oktaConnection))[0]).toMatchObject({ outcome: 'success', purpose: 'test', reason: 'ok' });
  });
});

describe('OIDC sign-in (Entra-like issuer)', () => {
  beforeAll(async () => {
    const conn = await expectJson(t.app, admin, 'POST', org('/sso-connections'), 201, {
      body: { name: 'Entra ID', kind: 'oidc', preset: 'entra', oidc: { tenantId: '9188040d-6c67-4c5b-b112-36a304b66dad', discoveryUrl: entra.discoveryUrl, clientId: entra.clientId, clientSecret: entra.clientSecret } },
    });
    entraConnection = conn.id;
    await expectJson(t.app, admin, 'PUT', org(`/sso-connections/${entraConnection}/mappings`), 200, {
      body: { mappings: [{ claim: 'groups', value: 'a1b2c3d4-0000-0000-0000-00000000beef', roleId: 'workspace-viewer', scope: { type: 'workspace', id: workspaceId } }] },
    });
    await expectJson(t.app, admin, 'PATCH', org(`/sso-connections/${entraConnection}`), 200, { body: { enabled: true } });
  });

  it('maps the groups claim (object ids) to a binding', async () => {
    entra.accounts.set('entra-oid-dave', { email: 'dave@acme.test', name: 'Dave', groups: ['a1b2c3d4-0000-0000-0000-00000000beef'] });
    entra.nextAccount = 'entra-oid-dave';
    const browser = new CookieBrowser();
    const result = await browser.follow(`${base}/api/v1/sso/oidc/${entraConnection}/start`, (next) => next.origin === base && !next.pathname.startsWith('/api/'));
    expect(result.stoppedAt!.pathname).toBe('/');
    const dave = (await userByEmail('dave@acme.test'))!;
    expect((await bindingsOf(dave.id)).map((b) => b.roleId)).toEqual(['workspace-viewer']);
  });

  it('records the groups overage as a trace reason instead of guessing', async () => {
    entra.accounts.set('entra-oid-erin', { email: 'erin@acme.test', overage: true });
    entra.nextAccount = 'entra-oid-erin';
    const browser = new CookieBrowser();
    const result = await browser.follow(`${base}/api/v1/sso/oidc/${entraConnection}/start`, (next) => next.origin === base && !next.pathname.startsWith('/api/'));
    expect(result.stoppedAt!.searchParams.get('ssoError')).toBe('groups-overage');
    expect((await traces(entraConnection))[0]).toMatchObject({ reason: 'groups-overage' });
    expect(await userByEmail('erin@acme.test')).toBeUndefined();
  });
});

describe('enforce SSO', () => {
  it('refuses password sign-in for the domain, except for break-glass users', async () => {
    const invite = async (email: string) => {
      const inv = await expectJson(t.app, admin, 'POST', org('/invitations'), 201, { body: { email, roleId: 'org-member' } });
      const token = new URL(inv.acceptUrl).searchParams.get('token')!;
      return (await expectJson(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', 200, { body: { token, password: PASSWORD } })).userId as string;
    };
    await invite('frank@acme.test');
    const glassId = await invite('glass@acme.test');
    const [domain] = (await expectJson(t.app, admin, 'GET', org('/domains'), 200)).items;
    await expectJson(t.app, admin, 'PATCH', org(`/domains/${domain.id}`), 200, { body: { enforceSso: true, breakGlassUserIds: [glassId] } });

    const refused = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: 'frank@acme.test', password: PASSWORD } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ type: expect.stringMatching(/sso-required$/), startUrl: `${base}/api/v1/sso/oidc/${oktaConnection}/start` });
    // Unknown addresses of the domain get the same answer (no account enumeration).
    const unknown = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: 'nobody@acme.test', password: PASSWORD } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().type).toMatch(/sso-required$/);
    await signIn(t.app, 'glass@acme.test', PASSWORD);

    const other = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/sso/discover', { body: { email: 'someone@globex.test' } });
    expect(other.json()).toEqual({ sso: false });
  });
});
