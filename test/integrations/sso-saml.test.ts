import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { CookieBrowser } from '../support/cookie-browser.ts';
import { startDnsServer, type TestDns } from '../support/dns-server.ts';
import { expectJson, signIn, type Credentials } from '../support/http.ts';
import { freePort } from '../support/ports.ts';
import { startSamlIdp, strayCertificate, stripSignatures, type TestSamlIdp } from '../support/saml-idp.ts';

/**
 * SAML single sign-on against samlify as the identity provider, through Hexaplane on a real
 * port: SP metadata, the AuthnRequest, a signed response to the ACS, JIT and mappings; and each
 * rejection with its trace reason and nothing created.
 */

let t: TestApp;
let dns: TestDns;
let idp: TestSamlIdp;
let admin: Credentials & { kind: 'session' };
let base: string;
let orgId: string;
let workspaceId: string;
let connectionId: string;
let spMetadata: string;

const org = (path: string) => `/api/v1/orgs/${orgId}${path}`;

/** Starts at Hexaplane, answers at the IdP, posts the response to the ACS; the final redirect. */
async function samlSignIn(email: string, options: { overrides?: Record<string, string>; tamper?: (r: string) => string; groups?: string[]; connection?: string; acsConnection?: string; idp?: TestSamlIdp; encryptTo?: string; metadata?: string; authnContext?: string } = {}) {
  const browser = new CookieBrowser();
  const conn = options.connection ?? connectionId;
  const start = await browser.request(`${base}/api/v1/sso/saml/${conn}/start?returnTo=%2Fworkspaces`);
  expect(start.status).toBe(302);
  const redirect = start.headers.get('location')!;
  let response = await (options.idp ?? idp).respond(options.metadata ?? spMetadata, redirect, { email, groups: options.groups ?? [] }, options.overrides, {
    ...(options.encryptTo ? { encryptTo: options.encryptTo } : {}),
    ...(options.authnContext ? { authnContext: options.authnContext } : {}),
  });
  if (options.tamper) response = options.tamper(response);
  const relay = new URL(redirect).searchParams.get('RelayState') ?? '';
  const post = () =>
    browser.request(`${base}/api/v1/sso/saml/${options.acsConnection ?? conn}/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: response, RelayState: relay }).toString(),
    });
  const acs = await post();
  expect(acs.status).toBe(303);
  return { browser, location: new URL(acs.headers.get('location')!), post };
}

async function latestTrace() {
  return (await expectJson(t.app, admin, 'GET', org(`/sso-connections/${connectionId}/traces`), 200)).items[0];
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dns = await startDnsServer();
  t = await createTestApp({ publicUrl: base, dnsServers: [dns.address] });
  await t.app.listen({ port, host: '127.0.0.1' });
  idp = startSamlIdp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  workspaceId = (await expectJson(t.app, admin, 'POST', org('/workspaces'), 201, { body: { name: 'Payments', slug: 'payments' } })).id;
  const domain = await expectJson(t.app, admin, 'POST', org('/domains'), 201, { body: { domain: 'acme.test' } });
  dns.records.set('acme.test', [domain.txtRecord.value]);
  await expectJson(t.app, admin, 'POST', org(`/domains/${domain.id}/verify`), 200);
  const conn = await expectJson(t.app, admin, 'POST', org('/sso-connections'), 201, {
    body: { name: 'Okta SAML', kind: 'saml', preset: 'okta', saml: { metadataXml: idp.metadata } },
  });
  connectionId = conn.id;
  expect(conn.saml).toMatchObject({ idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, wantAssertionsSigned: true, acsUrl: `${base}/api/v1/sso/saml/${conn.id}/acs` });
  expect(conn.saml.idpCertFingerprints).toHaveLength(1);
  await expectJson(t.app, admin, 'PUT', org(`/sso-connections/${connectionId}/mappings`), 200, {
    body: { mappings: [{ claim: 'groups', value: 'Engineering', roleId: 'workspace-developer', scope: { type: 'workspace', id: workspaceId } }] },
  });
  await expectJson(t.app, admin, 'PATCH', org(`/sso-connections/${connectionId}`), 200, { body: { enabled: true } });
  const metadata = await fetch(`${base}/api/v1/sso/saml/${connectionId}/metadata`);
  expect(metadata.headers.get('content-type')).toMatch(/samlmetadata\+xml/);
  spMetadata = await metadata.text();
  expect(spMetadata).toContain(`${base}/api/v1/sso/saml/${connectionId}/acs`);
}, 120_000);

afterAll(async () => {
  await dns?.close();
  await t?.close();
});

describe('SAML sign-in (samlify IdP)', () => {
  it('signs in with a signed assertion, provisions the user and binds the mapped role', async () => {
    const { browser, location } = await samlSignIn('sam@acme.test', { groups: ['Engineering'] });
    expect(location.href).toBe(`${base}/workspaces`);
    const me = (await (await browser.request(`${base}/api/v1/me`)).json()) as { user: { email: string } };
    expect(me.user.email).toBe('sam@acme.test');
    const user = (await t.deps.services.identity.findUserByEmail('sam@acme.test'))!;
    const bindings = (await expectJson(t.app, admin, 'GET', org('/role-bindings'), 200, { query: { subjectId: user.id } })).items;
    expect(bindings.map((b: { roleId: string }) => b.roleId)).toEqual(['workspace-developer']);
  });

  const rejections: Array<[string, string, Parameters<typeof samlSignIn>[1]]> = [
    ['an unsigned response', 'signature-invalid', { tamper: stripSignatures }],
    ['a wrong audience', 'audience-mismatch', { overrides: { Audience: 'https://someone-else.example/sp' } }],
    ['an expired assertion', 'expired', { overrides: { ConditionsNotBefore: '2020-01-01T00:00:00Z', ConditionsNotOnOrAfter: '2020-01-01T00:05:00Z', SubjectConfirmationDataNotOnOrAfter: '2020-01-01T00:05:00Z' } }],
    ['a wrong destination', 'destination-mismatch', { overrides: { Destination: 'https://elsewhere.example/acs' } }],
    ['a wrong recipient', 'recipient-mismatch', { overrides: { SubjectRecipient: 'https://elsewhere.example/acs' } }],
  ];

  it.each(rejections)('refuses %s (%s) and creates nothing', async (_what, reason, options) => {
    const { browser, location } = await samlSignIn('eve@acme.test', options);
    expect(location.searchParams.get('ssoError')).toBe(reason);
    expect(browser.jar.has('hxp_session')).toBe(false);
    expect(await t.deps.services.identity.findUserByEmail('eve@acme.test')).toBeUndefined();
    expect(await latestTrace()).toMatchObject({ reason, outcome: 'failure' });
  });

  it('refuses a response signed with a certificate that is not the IdP\'s', async () => {
    const impostor = startSamlIdp({ entityId: idp.entityId });
    const { location } = await samlSignIn('eve@acme.test', { idp: impostor });
    expect(location.searchParams.get('ssoError')).toBe('signature-invalid');
    expect(await t.deps.services.identity.findUserByEmail('eve@acme.test')).toBeUndefined();
  });

  it('refuses a replayed response', async () => {
    const first = await samlSignIn('rita@acme.test');
    expect(first.location.pathname).toBe('/workspaces');
    const again = await first.post();
    const location = new URL(again.headers.get('location')!);
    expect(location.searchParams.get('ssoError')).toBe('in-response-to-invalid');
  });

  it('refuses a comment injected into the signed e-mail (the parser must not truncate it)', async () => {
    // c14n drops comments, so the signature still verifies; a naive text read would see eve@acme.test.
    const inject = (r: string) => {
      const xml = Buffer.from(r, 'base64').toString('utf8').replaceAll('eve@acme.test.evil.test', 'eve@acme.test<!---->.evil.test');
      expect(xml.match(/<!---->/g)?.length).toBeGreaterThanOrEqual(2);
      return Buffer.from(xml).toString('base64');
    };
    const { location } = await samlSignIn('eve@acme.test.evil.test', { tamper: inject });
    expect(location.searchParams.get('ssoError')).toBe('domain-not-verified');
    expect(await t.deps.services.identity.findUserByEmail('eve@acme.test')).toBeUndefined();
  });

  it.each([
    ['a forged assertion before the signed one', (xml: string, forged: string) => xml.replace('<saml:Assertion', `${forged}<saml:Assertion`)],
    ['the signed assertion hidden in an Extensions element, a forged one in its place', (xml: string, forged: string) => {
      const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
      return xml.replace(signed, `<samlp:Extensions>${signed}</samlp:Extensions>${forged}`);
    }],
  ])('refuses XML signature wrapping: %s', async (_variant, wrap) => {
    const tamper = (r: string) => {
      const xml = Buffer.from(r, 'base64').toString('utf8');
      const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
      // The attacker's copy: no signature, another subject.
      const forged = signed.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, '').replaceAll('wrap@acme.test', 'ceo@acme.test').replace(/ID="[^"]+"/, 'ID="_forged"');
      return Buffer.from(wrap(xml, forged)).toString('base64');
    };
    const { browser, location } = await samlSignIn('wrap@acme.test', { tamper });
    expect(location.searchParams.get('ssoError')).toBe('signature-invalid');
    expect(browser.jar.has('hxp_session')).toBe(false);
    expect(await t.deps.services.identity.findUserByEmail('ceo@acme.test')).toBeUndefined();
    expect(await t.deps.services.identity.findUserByEmail('wrap@acme.test')).toBeUndefined();
  });

  it("refuses a response meant for another organization's connection", async () => {
    const otherOrg = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Globex', slug: 'globex' } })).id;
    const other = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${otherOrg}/sso-connections`, 201, { body: { name: 'Same IdP', kind: 'saml', preset: 'okta', saml: { metadataXml: idp.metadata } } });
    await expectJson(t.app, admin, 'PATCH', `/api/v1/orgs/${otherOrg}/sso-connections/${other.id}`, 200, { body: { enabled: true } });
    const { browser, location } = await samlSignIn('mia@acme.test', { acsConnection: other.id });
    expect(['in-response-to-invalid', 'audience-mismatch']).toContain(location.searchParams.get('ssoError'));
    expect(browser.jar.has('hxp_session')).toBe(false);
    expect(await t.deps.services.identity.findUserByEmail('mia@acme.test')).toBeUndefined();
  });

  it('accepts a second certificate for rollover', async () => {
    const next = startSamlIdp({ entityId: idp.entityId });
    await expectJson(t.app, admin, 'PATCH', org(`/sso-connections/${connectionId}`), 200, { body: { saml: { idpCerts: [idp.certificate, next.certificate] } } });
    const { location } = await samlSignIn('roll@acme.test', { idp: next });
    expect(location.pathname).toBe('/workspaces');
  });
});

describe('encrypted SAML assertions', () => {
  const encryptionCerts = (xml: string) => [...xml.matchAll(/<KeyDescriptor use="encryption">[\s\S]*?<ds:X509Certificate>([^<]+)</g)].map((m) => m[1]!);
  const connection = () => expectJson(t.app, admin, 'GET', org(`/sso-connections/${connectionId}`), 200);
  const setRequired = (on: boolean) => expectJson(t.app, admin, 'PATCH', org(`/sso-connections/${connectionId}`), 200, { body: { saml: { requireEncryptedAssertions: on } } });
  const freshMetadata = async () => (await fetch(`${base}/api/v1/sso/saml/${connectionId}/metadata`)).text();

  it('publishes the SP encryption certificate in the metadata and on the connection', async () => {
    const certs = encryptionCerts(spMetadata);
    expect(certs).toHaveLength(1);
    const view = await connection();
    expect(view.saml.requireEncryptedAssertions).toBe(false);
    expect(view.saml.encryptionCertificates).toHaveLength(1);
    expect(view.saml.encryptionCertificates[0]).toMatchObject({ current: true });
    expect(view.saml.encryptionCertificates[0].certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '')).toBe(certs[0]);
    // The private key is sealed at rest: no PEM key in the row.
    const row = await t.db.withTables<{ sso_connections: { id: string; sp_encryption_keys: unknown } }>().selectFrom('sso_connections').select('sp_encryption_keys').where('id', '=', connectionId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row.sp_encryption_keys)).not.toMatch(/PRIVATE KEY/);
  });

  it('signs in with an assertion encrypted to the SP certificate', async () => {
    const { browser, location } = await samlSignIn('enc@acme.test', { encryptTo: 'metadata', groups: ['Engineering'] });
    expect(location.href).toBe(`${base}/workspaces`);
    expect(browser.jar.has('hxp_session')).toBe(true);
    expect(await t.deps.services.identity.findUserByEmail('enc@acme.test')).toBeDefined();
  });

  it('refuses an assertion encrypted to another key (decryption-failed) and creates nothing', async () => {
    const { browser, location } = await samlSignIn('stray@acme.test', { encryptTo: strayCertificate() });
    expect(location.searchParams.get('ssoError')).toBe('decryption-failed');
    expect(browser.jar.has('hxp_session')).toBe(false);
    expect(await t.deps.services.identity.findUserByEmail('stray@acme.test')).toBeUndefined();
    expect(await latestTrace()).toMatchObject({ reason: 'decryption-failed', outcome: 'failure' });
  });

  it('refuses a plaintext assertion when encryption is required (assertion-not-encrypted), accepts an encrypted one', async () => {
    await setRequired(true);
    try {
      const { browser, location } = await samlSignIn('plain@acme.test');
      expect(location.searchParams.get('ssoError')).toBe('assertion-not-encrypted');
      expect(browser.jar.has('hxp_session')).toBe(false);
      expect(await t.deps.services.identity.findUserByEmail('plain@acme.test')).toBeUndefined();
      expect(await latestTrace()).toMatchObject({ reason: 'assertion-not-encrypted', outcome: 'failure' });
      const encrypted = await samlSignIn('plain@acme.test', { encryptTo: 'metadata' });
      expect(encrypted.location.pathname).toBe('/workspaces');
    } finally {
      await setRequired(false);
    }
  });

  it('rotates the SP encryption key: both certificates decrypt during the overlap, the retired one no longer does', async () => {
    const old = encryptionCerts(await freshMetadata())[0]!;
    const rotated = await expectJson(t.app, admin, 'POST', org(`/sso-connections/${connectionId}/encryption-keys`), 201);
    const [current, previous] = rotated.saml.encryptionCertificates;
    expect(previous).toMatchObject({ current: false });
    const during = await freshMetadata();
    expect(encryptionCerts(during)).toHaveLength(2);
    expect(encryptionCerts(during)[1]).toBe(old);
    const next = encryptionCerts(during)[0]!;
    expect((await samlSignIn('rot1@acme.test', { encryptTo: old, metadata: during })).location.pathname).toBe('/workspaces');
    expect((await samlSignIn('rot2@acme.test', { encryptTo: next, metadata: during })).location.pathname).toBe('/workspaces');
    await expectJson(t.app, admin, 'DELETE', org(`/sso-connections/${connectionId}/encryption-keys/${current.id}`), 409);
    const retired = await expectJson(t.app, admin, 'DELETE', org(`/sso-connections/${connectionId}/encryption-keys/${previous.id}`), 200);
    expect(retired.saml.encryptionCertificates.map((c: { id: string }) => c.id)).toEqual([current.id]);
    const after = await freshMetadata();
    expect(encryptionCerts(after)).toEqual([next]);
    const { location } = await samlSignIn('rot3@acme.test', { encryptTo: old, metadata: after });
    expect(location.searchParams.get('ssoError')).toBe('decryption-failed');
    expect(await t.deps.services.identity.findUserByEmail('rot3@acme.test')).toBeUndefined();
  });
});

describe('SSO sessions follow the organization security policy', () => {
  const policy = (sessions: { idleMinutes: number | null; absoluteHours: number | null; maxConcurrent: number | null }) => ({
    mfa: { required: 'off', stepUpMinutes: 15 },
    password: { minLength: 12 },
    sessions,
    ipAllowList: { console: [], api: [], breakGlassUserIds: [] },
    lockout: { threshold: 5, baseSeconds: 30 },
  });
  const putPolicy = (sessions: Parameters<typeof policy>[0]) => expectJson(t.app, admin, 'PUT', org('/security-policy'), 200, { body: policy(sessions) });
  const alive = async (browser: CookieBrowser) => (await browser.request(`${base}/api/v1/me`)).status === 200;
  const PASSWORD = 'a long river crossing 7';

  async function passwordSignIn(email: string) {
    const browser = new CookieBrowser();
    const res = await browser.request(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    expect(res.status).toBe(200);
    return browser;
  }

  afterAll(async () => {
    await putPolicy({ idleMinutes: null, absoluteHours: null, maxConcurrent: null });
  });

  it('counts SSO and password sessions together against the maximum, ending the oldest either way', async () => {
    // A password user of the organization whose e-mail domain is verified: SSO links to the same account.
    const pat = await t.db.transaction().execute(async (tx) => {
      const user = await t.deps.services.identity.createLocalUser(tx, { email: 'pat@acme.test', displayName: 'Pat', password: PASSWORD });
      await t.deps.services.tenancy.addMemberUnchecked(tx, orgId, user.id);
      return user;
    });
    await putPolicy({ idleMinutes: null, absoluteHours: null, maxConcurrent: 2 });
    const first = await passwordSignIn('pat@acme.test');
    const second = (await samlSignIn('pat@acme.test')).browser;
    expect([await alive(first), await alive(second)]).toEqual([true, true]);
    const third = await passwordSignIn('pat@acme.test');
    expect([await alive(first), await alive(second), await alive(third)]).toEqual([false, true, true]);
    const fourth = (await samlSignIn('pat@acme.test')).browser;
    expect([await alive(second), await alive(third), await alive(fourth)]).toEqual([false, true, true]);
    // Both kinds of sign-in record the sessions they ended.
    const creates = (await expectJson(t.app, admin, 'GET', org('/audit-events'), 200, { query: { action: 'session:create', targetId: pat.id, outcome: 'success' } })).items;
    const ended = creates.filter((e: { after?: { endedSessions?: string[] } }) => e.after?.endedSessions?.length === 1);
    expect(ended.map((e: { after: { via?: string } }) => e.after.via ?? 'password').sort()).toEqual(['password', 'sso']);
  });

  it("keeps the IdP's second factor: an MFA AuthnContext marks the session's MFA time, a password one does not", async () => {
    const mfaAt = async (browser: CookieBrowser) => ((await (await browser.request(`${base}/api/v1/me/mfa`)).json()) as { mfaAt: string | null }).mfaAt;
    const strong = await samlSignIn('strong@acme.test', { authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract' });
    expect(await mfaAt(strong.browser)).not.toBeNull();
    const weak = await samlSignIn('weak@acme.test');
    expect(await mfaAt(weak.browser)).toBeNull();
  });

  it('ends an SSO session after the policy idle time and gives it the policy absolute lifetime', async () => {
    await putPolicy({ idleMinutes: 5, absoluteHours: 1, maxConcurrent: null });
    const clock = fixedClock(new Date());
    const real = t.deps.clock;
    t.deps.clock = clock;
    try {
      const { browser } = await samlSignIn('idle@acme.test');
      const sessions = (await (await browser.request(`${base}/api/v1/me/sessions`)).json()) as { items: Array<{ current: boolean; expiresAt: string; idleExpiresAt: string }> };
      const current = sessions.items.find((s) => s.current)!;
      expect(new Date(current.expiresAt).getTime()).toBe(clock.now().getTime() + 3600_000);
      expect(new Date(current.idleExpiresAt).getTime()).toBe(clock.now().getTime() + 5 * 60_000);
      clock.advance(4 * 60_000);
      expect(await alive(browser)).toBe(true);
      clock.advance(6 * 60_000);
      expect(await alive(browser)).toBe(false);
    } finally {
      t.deps.clock = real;
    }
  });
});
