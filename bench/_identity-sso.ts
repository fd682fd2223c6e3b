/**
 * OIDC sign-ins per second, end to end: a real Hexaplane server (its own process, embedded
 * PostgreSQL) and a real OpenID Provider (oidc-provider, this process) on loopback. One sign-in
 * is start → IdP authorization + interaction → callback (code exchange, ID token validation with
 * signature, JIT/mapping, session). The baseline is the password sign-in (scrypt) of the same
 * server in the same run, at the same concurrency.
 */
import { startDnsServer } from '../test/support/dns-server.ts';
import { CookieBrowser } from '../test/support/cookie-browser.ts';
import { startOidcIdp } from '../test/support/oidc-idp.ts';
import { freePort, percentile } from './_database.ts';
import { startBenchServer } from './_server.ts';

const CONCURRENCY = 8;
const WINDOW_MS = 8_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers read loosely, as in test fixtures
async function json(res: Response): Promise<any> {
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Runs `once` from CONCURRENCY loops for WINDOW_MS; operations per second and latency percentiles. */
async function saturate(once: () => Promise<number>) {
  const latencies: number[] = [];
  const callbackLatencies: number[] = [];
  const deadline = Date.now() + WINDOW_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        callbackLatencies.push(await once());
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  callbackLatencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: latencies.length,
    perSecond: round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    stepP50Ms: round(percentile(callbackLatencies, 50)),
    stepP99Ms: round(percentile(callbackLatencies, 99)),
  };
}

export async function measureOidcCallbacks() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dns = await startDnsServer();
  const idp = await startOidcIdp({ flavor: 'okta', redirectUri: `${base}/api/v1/sso/oidc/callback` });
  const server = await startBenchServer(port, {
    HEXAPLANE_PUBLIC_URL: base,
    HEXAPLANE_DNS_SERVERS: dns.address,
    HEXAPLANE_EGRESS_ALLOW_CIDRS: '127.0.0.0/8',
    // Each simulated user comes from an address of its own (x-forwarded-for), as in production:
    // the per-address sign-in rate limits would otherwise measure themselves.
    HEXAPLANE_TRUST_PROXY: 'true',
  });
  try {
    const admin = new CookieBrowser();
    const { csrfToken } = await json(await admin.request(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) }));
    const send = (method: string, path: string, body?: unknown) =>
      admin
        .request(`${base}${path}`, {
          method,
          headers: { 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
        .then(json);
    const org = await send('POST', '/api/v1/orgs', { name: 'Bench', slug: 'bench' });
    const ws = await send('POST', `/api/v1/orgs/${org.id}/workspaces`, { name: 'Bench WS', slug: 'bench-ws' });
    const domain = await send('POST', `/api/v1/orgs/${org.id}/domains`, { domain: 'bench.test' });
    dns.records.set('bench.test', [domain.txtRecord.value]);
    await send('POST', `/api/v1/orgs/${org.id}/domains/${domain.id}/verify`);
    const conn = await send('POST', `/api/v1/orgs/${org.id}/sso-connections`, { name: 'Okta', kind: 'oidc', preset: 'okta', oidc: { discoveryUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret } });
    await send('PUT', `/api/v1/orgs/${org.id}/sso-connections/${conn.id}/mappings`, { mappings: [{ claim: 'groups', value: 'Engineering', roleId: 'workspace-developer', scope: { type: 'workspace', id: ws.id } }] });
    await send('PATCH', `/api/v1/orgs/${org.id}/sso-connections/${conn.id}`, { enabled: true });
    idp.accounts.set('00u-bench', { email: 'bench.user@bench.test', groups: ['Engineering'] });
    idp.nextAccount = '00u-bench';

    // Password baseline: a local member with a password, signed in over and over.
    const invitation = await send('POST', `/api/v1/orgs/${org.id}/invitations`, { email: 'local@other.test', roleId: 'org-member' });
    const password = 'a long enough bench password 9';
    await json(await fetch(`${base}/api/v1/invitations/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: new URL(invitation.acceptUrl).searchParams.get('token'), password }) }));

    let client = 0;
    const nextAddress = () => {
      client += 1;
      return `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`;
    };
    const ssoOnce = async () => {
      const browser = new CookieBrowser({ 'x-forwarded-for': nextAddress() });
      const result = await browser.follow(conn.startUrl, (next) => next.pathname === '/api/v1/sso/oidc/callback');
      const t0 = performance.now();
      const callback = await browser.request(result.stoppedAt!.href);
      await callback.arrayBuffer();
      const location = callback.headers.get('location') ?? '';
      if (callback.status !== 302 || location.includes('ssoError')) throw new Error(`SSO sign-in failed: ${location}`);
      return performance.now() - t0;
    };
    const passwordOnce = async () => {
      const t0 = performance.now();
      const headers = { 'content-type': 'application/json', 'x-forwarded-for': nextAddress() };
      await json(await fetch(`${base}/api/v1/session`, { method: 'POST', headers, body: JSON.stringify({ email: 'local@other.test', password }) }));
      return performance.now() - t0;
    };
    await ssoOnce(); // discovery and JWKS cached, the user provisioned: measure the steady state
    const sso = await saturate(ssoOnce);
    const baseline = await saturate(passwordOnce);
    return {
      concurrency: CONCURRENCY,
      windowSeconds: WINDOW_MS / 1000,
      oidcSignIns: { ...sso, note: 'full flow (start, IdP authorize + interaction, callback); step* = the callback request alone' },
      passwordSignInBaseline: { ...baseline, note: 'POST /api/v1/session (scrypt); step* = the same request' },
      ratioToPasswordSignIn: Math.round((sso.perSecond / baseline.perSecond) * 100) / 100,
    };
  } finally {
    await server.stop();
    await idp.close();
    await dns.close();
  }
}

/**
 * SAML responses validated per second, in-process: node-saml signature, audience, time window
 * and InResponseTo checks plus our destination/recipient and replay checks
 * (`validateSamlResponse`), over distinct signed responses from samlify. Baseline: parsing the
 * same responses' XML alone (xml2js), which every validation also does. Encrypted assertions
 * (ADR 0014 amendment) are measured the way the ACS handles them — key choice by RSA-OAEP trial
 * over two SP keys (a rotation), then node-saml decrypting — against the plaintext validation.
 */
export async function measureSamlValidation(responses = 200) {
  const { SAML } = await import('@node-saml/node-saml');
  const { parseStringPromise } = await import('xml2js');
  const { samlClient, validateSamlResponse, parseIdpMetadata } = await import('../src/modules/identity/sso-saml.ts');
  const { defaultClaimNames } = await import('../src/modules/identity/sso-claims.ts');
  const { startSamlIdp } = await import('../test/support/saml-idp.ts');
  const { encryptionFacts } = await import('../src/modules/identity/sso-saml.ts');
  const { keyOpening, newSpEncryptionKey, withEncryptionCertificates } = await import('../src/modules/identity/sso-saml-keys.ts');
  const idp = startSamlIdp();
  const meta = (await parseIdpMetadata(idp.metadata))!;
  const sp = { entityId: 'https://hexaplane.bench/sp', acsUrl: 'https://hexaplane.bench/acs' };
  const settings = { ...meta, wantAssertionsSigned: true, wantResponseSigned: false, allowIdpInitiated: false, clockSkewSeconds: 120, attributes: defaultClaimNames };
  // Request ids are accepted once each; one AuthnRequest is answered many times, so this cache says yes.
  const requests = { saveAsync: async (_k: string, v: string) => ({ value: v, createdAt: Date.now() }), getAsync: async () => new Date().toISOString(), removeAsync: async () => null };
  const client = samlClient(settings, sp, requests);
  void SAML;
  const authorizeUrl = await client.getAuthorizeUrlAsync('/', undefined, {});
  const spMetadata = client.generateServiceProviderMetadata(null, null);
  const generated: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < responses; i++) generated.push(await idp.respond(spMetadata, authorizeUrl, { email: `user${i}@bench.test`, groups: ['Engineering'] }));
  const generationSeconds = (performance.now() - t0) / 1000;
  // Encrypted to the current key of two (the previous one is tried first, as during a rotation).
  const [previousKey, currentKey] = await Promise.all([newSpEncryptionKey(sp.entityId, Buffer.from([1]), new Date()), newSpEncryptionKey(sp.entityId, Buffer.from([2]), new Date())]);
  const encryptedMetadata = withEncryptionCertificates(spMetadata, [currentKey.certificate]);
  const encrypted: string[] = [];
  for (let i = 0; i < responses; i++) encrypted.push(await idp.respond(encryptedMetadata, authorizeUrl, { email: `enc${i}@bench.test`, groups: ['Engineering'] }, {}, { encryptTo: 'metadata' }));

  const seen = new Set<string>();
  const replays = { remember: async (id: string) => (seen.has(id) ? false : (seen.add(id), true)) };
  const validateStart = performance.now();
  const latencies: number[] = [];
  for (const response of generated) {
    const s = performance.now();
    await validateSamlResponse(client, response, sp.acsUrl, replays, new Date());
    latencies.push(performance.now() - s);
  }
  const validateSeconds = (performance.now() - validateStart) / 1000;
  const encryptedLatencies: number[] = [];
  const encryptedStart = performance.now();
  const pems = [previousKey.privateKeyPem, currentKey.privateKeyPem];
  for (const response of encrypted) {
    const s = performance.now();
    const facts = await encryptionFacts(response);
    const pem = pems[keyOpening(facts.encryptedKeys, pems)];
    if (!pem) throw new Error('no key opens the bench response');
    await validateSamlResponse(samlClient(settings, sp, requests, pem), response, sp.acsUrl, replays, new Date());
    encryptedLatencies.push(performance.now() - s);
  }
  const encryptedSeconds = (performance.now() - encryptedStart) / 1000;
  encryptedLatencies.sort((a, b) => a - b);
  const parseStart = performance.now();
  for (const response of generated) await parseStringPromise(Buffer.from(response, 'base64').toString('utf8'));
  const parseSeconds = (performance.now() - parseStart) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    responses,
    validatedPerSecond: round(responses / validateSeconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    baselineXmlParsePerSecond: round(responses / parseSeconds),
    ratioToXmlParse: Math.round((validateSeconds / parseSeconds) * 100) / 100,
    encrypted: {
      validatedPerSecond: round(responses / encryptedSeconds),
      p50Ms: round(percentile(encryptedLatencies, 50)),
      p99Ms: round(percentile(encryptedLatencies, 99)),
      ratioToPlaintextValidation: Math.round((encryptedSeconds / validateSeconds) * 100) / 100,
      note: 'RSA-OAEP + AES-256-CBC (samlify), key chosen from two SP keys; ratio = encrypted / plaintext validation time',
    },
    note: `responses generated by samlify beforehand (${round(generationSeconds)} s); ratio = validation time / parse-only time`,
  };
}
