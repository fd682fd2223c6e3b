import type { Example, ExampleBuilder } from './examples.ts';
import { startDnsServer, type TestDns } from './dns-server.ts';
import { expectJson } from './http.ts';
import { startOidcIdp, type TestIdp } from './oidc-idp.ts';
import { startSamlIdp, type TestSamlIdp } from './saml-idp.ts';
import type { World } from './world.ts';

/**
 * Examples of the single sign-on routes (ADR 0014). A loopback OpenID Provider and DNS server
 * start on first use (one each per test file) and stay up for the file's lifetime.
 */

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
const inA = (w: World, more: Record<string, string> = {}) => ({ orgId: w.orgA.id, ...more });

let peers: Promise<{ idp: TestIdp; dns: TestDns }> | undefined;

export async function ssoPeers(w: World): Promise<{ idp: TestIdp; dns: TestDns }> {
  peers ??= (async () => {
    const dns = await startDnsServer();
    const idp = await startOidcIdp({ flavor: 'okta', redirectUri: `${w.t.config.publicUrl.replace(/\/$/, '')}/api/v1/sso/oidc/callback` });
    return { dns, idp };
  })();
  const started = await peers;
  w.t.deps.config.dnsServers = [started.dns.address];
  return started;
}

let samlIdp: TestSamlIdp | undefined;

async function createInA<T = any>(w: World, path: string, body: unknown, status = 201): Promise<T> {
  return expectJson<T>(w.t.app, w.admin, 'POST', `/api/v1/orgs/${w.orgA.id}${path}`, status, { body });
}

export const ssoFixtures = {
  async connection(w: World, enabled = false): Promise<{ id: string; name: string }> {
    const { idp } = await ssoPeers(w);
    const name = unique('acme-sso');
    const conn = await createInA(w, '/sso-connections', { name, kind: 'oidc', preset: 'okta', oidc: { discoveryUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret } });
    w.rememberSecretsOfA(conn.id, name);
    if (enabled) await expectJson(w.t.app, w.admin, 'PATCH', `/api/v1/orgs/${w.orgA.id}/sso-connections/${conn.id}`, 200, { body: { enabled: true } });
    return conn;
  },

  async samlConnection(w: World, enabled = false): Promise<{ id: string; name: string }> {
    samlIdp ??= startSamlIdp();
    const name = unique('acme-saml');
    const conn = await createInA(w, '/sso-connections', { name, kind: 'saml', preset: 'okta', saml: { metadataXml: samlIdp.metadata } });
    w.rememberSecretsOfA(conn.id, name);
    if (enabled) await expectJson(w.t.app, w.admin, 'PATCH', `/api/v1/orgs/${w.orgA.id}/sso-connections/${conn.id}`, 200, { body: { enabled: true } });
    return conn;
  },

  /** A claimed domain whose TXT record the loopback DNS server serves (verified when asked). */
  async domain(w: World, verified: boolean): Promise<{ id: string; domain: string }> {
    const { dns } = await ssoPeers(w);
    const name = `${unique('acme-sso')}.test`;
    const domain = await createInA(w, '/domains', { domain: name });
    w.rememberSecretsOfA(domain.id, name);
    dns.records.set(name, [domain.txtRecord.value]);
    if (verified) await createInA(w, `/domains/${domain.id}/verify`, undefined, 200);
    return domain;
  },
};

const connectionIn = async (w: World, more: Partial<Example> = {}): Promise<Example> => ({
  params: inA(w, { connectionId: (await ssoFixtures.connection(w)).id }),
  successStatus: 200,
  ...more,
});

export const ssoExamples: Record<string, ExampleBuilder> = {
  createSsoConnection: async (w) => {
    const { idp } = await ssoPeers(w);
    const name = unique('acme-new-sso');
    w.rememberSecretsOfA(name);
    return {
      params: inA(w),
      body: { name, kind: 'oidc', preset: 'okta', oidc: { discoveryUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'email'] } },
      successStatus: 201,
      action: 'sso-connection:create',
    };
  },
  listSsoConnections: async (w) => {
    await ssoFixtures.connection(w);
    return { params: inA(w), query: { limit: '5' }, successStatus: 200 };
  },
  getSsoConnection: (w) => connectionIn(w),
  updateSsoConnection: (w) => connectionIn(w, { body: { enabled: true, oidc: { scopes: ['openid', 'email', 'profile'] } }, action: 'sso-connection:update' }),
  deleteSsoConnection: (w) => connectionIn(w, { successStatus: 204, action: 'sso-connection:delete' }),
  testSsoConnection: (w) => connectionIn(w, { successStatus: 201, action: 'sso-connection:test' }),
  putSsoMappings: (w) =>
    connectionIn(w, {
      body: { mappings: [{ claim: 'groups', value: 'Engineering', roleId: 'workspace-viewer', scope: { type: 'workspace', id: w.workspaceA.id } }] },
      action: 'sso-connection:update',
    }),
  previewSsoMappings: (w) =>
    connectionIn(w, {
      body: { mappings: [{ claim: 'department', value: 'Finance', roleId: 'org-member', scope: { type: 'organization', id: w.orgA.id } }], claims: [{ label: 'finance', department: 'finance' }] },
      action: 'sso-connection:read',
      readOnly: true,
    }),
  listSsoTraces: (w) => connectionIn(w),
  createSsoEncryptionKey: async (w) => ({ params: inA(w, { connectionId: (await ssoFixtures.samlConnection(w)).id }), successStatus: 201, action: 'sso-connection:update' }),
  // A rotation under way: the previous key is the one to retire.
  retireSsoEncryptionKey: async (w) => {
    const conn = await ssoFixtures.samlConnection(w);
    const rotated = await createInA(w, `/sso-connections/${conn.id}/encryption-keys`, undefined);
    const previous = rotated.saml.encryptionCertificates.find((c: { current: boolean }) => !c.current);
    return { params: inA(w, { connectionId: conn.id, keyId: previous.id }), successStatus: 200, action: 'sso-connection:update' };
  },
  createDomain: async (w) => {
    const name = `${unique('acme-new-domain')}.test`;
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { domain: name }, successStatus: 201, action: 'domain:create' };
  },
  listDomains: async (w) => {
    await ssoFixtures.domain(w, false);
    return { params: inA(w), query: { limit: '5' }, successStatus: 200 };
  },
  getDomain: async (w) => ({ params: inA(w, { domainId: (await ssoFixtures.domain(w, true)).id }), successStatus: 200 }),
  deleteDomain: async (w) => ({ params: inA(w, { domainId: (await ssoFixtures.domain(w, true)).id }), successStatus: 204, action: 'domain:delete' }),
  verifyDomain: async (w) => ({ params: inA(w, { domainId: (await ssoFixtures.domain(w, false)).id }), successStatus: 200, action: 'domain:verify' }),
  updateDomain: async (w) => ({
    params: inA(w, { domainId: (await ssoFixtures.domain(w, true)).id }),
    body: { enforceSso: true, breakGlassUserIds: [w.admin.userId] },
    successStatus: 200,
    action: 'domain:update',
  }),
  discoverSso: async () => ({ params: {}, body: { email: 'someone@example.com' }, successStatus: 200 }),
  startSsoSignIn: async (w) => ({ params: { connectionId: (await ssoFixtures.connection(w, true)).id }, query: { returnTo: '/workspaces' }, successStatus: 302 }),
  getSamlSpMetadata: async (w) => ({ params: { connectionId: (await ssoFixtures.samlConnection(w)).id }, successStatus: 200 }),
  startSamlSignIn: async (w) => ({ params: { connectionId: (await ssoFixtures.samlConnection(w, true)).id }, query: { returnTo: '/workspaces' }, successStatus: 302 }),
  // Not a valid response: the ACS answers with a redirect naming the failure (and records it).
  completeSamlSignIn: async (w) => ({
    params: { connectionId: (await ssoFixtures.samlConnection(w, true)).id },
    body: { SAMLResponse: Buffer.from('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>').toString('base64'), RelayState: '/' },
    successStatus: 303,
  }),
  // Success needs the browser's state cookie and the IdP's code: test/integrations/sso-oidc.test.ts.
  completeSsoSignIn: async () => ({ params: {}, query: { state: 'unknown-state-value', code: 'unknown-code' }, successStatus: 400 }),
};
