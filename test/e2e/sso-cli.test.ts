import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { CookieBrowser } from '../support/cookie-browser.ts';
import { startDnsServer, type TestDns } from '../support/dns-server.ts';
import { expectJson, signIn } from '../support/http.ts';
import { startOidcIdp, type TestIdp } from '../support/oidc-idp.ts';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.ts';

/** `hexaplane sso ...` against a listening server, a loopback OpenID Provider, a SAML IdP and DNS. */

const run = promisify(execFile);
// Each CLI run starts a Node process with the TypeScript loader: seconds apiece on a busy machine.
const CLI_TEST_TIMEOUT = 240_000;
let t: TestApp;
let dns: TestDns;
let okta: TestIdp;
let samlIdp: TestSamlIdp;
let baseUrl: string;
let orgId: string;
let apiKey: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-sso-cli-'));

beforeAll(async () => {
  dns = await startDnsServer();
  t = await createTestApp({ dnsServers: [dns.address] });
  const admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme-sso-cli' } })).id;
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  okta = await startOidcIdp({ flavor: 'okta', redirectUri: `${t.config.publicUrl.replace(/\/$/, '')}/api/v1/sso/oidc/callback` });
  samlIdp = startSamlIdp();
}, 60_000);

afterAll(async () => {
  await okta?.close();
  await dns?.close();
  await t?.close();
});

const cli = (...args: string[]) =>
  run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: dir, HEXAPLANE_URL: baseUrl, HEXAPLANE_API_KEY: apiKey, HEXAPLANE_ORG: orgId } });
const json = async (...args: string[]) => JSON.parse((await cli(...args, '-o', 'json')).stdout);

describe('hexaplane sso domain', () => {
  it('adds a domain (printing the TXT record), verifies it, enforces SSO, gets, lists and deletes it', async () => {
    const { stdout: added } = await cli('sso', 'domain', 'add', 'Acme-CLI.test');
    const domainId = /dom_[0-9a-z]{26}/.exec(added)![0];
    const txt = /acme-cli\.test TXT "([^"]+)"/.exec(added)![1]!;
    expect(added).toContain(`hexaplane sso domain verify ${domainId}`);

    // Not published yet: the API's 422 becomes a message and a non-zero exit.
    const refused = await cli('sso', 'domain', 'verify', domainId).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/hexaplane: 422 No TXT record/);

    dns.records.set('acme-cli.test', [txt]);
    const { stdout: verified } = await cli('sso', 'domain', 'verify', domainId);
    expect(verified).toMatch(/acme-cli\.test\s*│\s*yes/);
    expect(await json('sso', 'domain', 'update', domainId, '--enforce-sso')).toMatchObject({ id: domainId, enforceSso: true, verified: true });
    expect(await json('sso', 'domain', 'get', domainId)).toMatchObject({ domain: 'acme-cli.test', enforceSso: true });
    expect((await json('sso', 'domain', 'list')).map((d: { id: string }) => d.id)).toEqual([domainId]);

    expect(await json('sso', 'domain', 'delete', domainId)).toEqual({ id: domainId, deleted: true });
    expect(await json('sso', 'domain', 'list')).toEqual([]);
    // Deleted means gone for routing too: the address no longer discovers single sign-on.
    const found = await t.app.inject({ method: 'POST', url: '/api/v1/sso/discover', payload: { email: 'someone@acme-cli.test' } });
    expect(found.json()).toEqual({ sso: false });
  }, CLI_TEST_TIMEOUT);
});

describe('hexaplane sso connection', () => {
  it('creates an OIDC connection with the secret from a file, changes, enables, tests and deletes it', async () => {
    const secretFile = path.join(dir, 'client-secret');
    writeFileSync(secretFile, `${okta.clientSecret}\n`);
    const { stdout: created } = await cli('sso', 'connection', 'create', 'Okta', '--kind', 'oidc', '--preset', 'okta', '--discovery-url', okta.issuer, '--client-id', okta.clientId, '--client-secret-file', secretFile);
    expect(created).not.toContain(okta.clientSecret);
    expect(created).toContain('/api/v1/sso/oidc/callback');
    const id = /sso_[0-9a-z]{26}/.exec(created)![0];

    const got = await json('sso', 'connection', 'get', id);
    expect(got).toMatchObject({ id, kind: 'oidc', preset: 'okta', enabled: false, oidc: { clientId: okta.clientId, clientSecretSet: true } });
    expect(JSON.stringify(got)).not.toContain(okta.clientSecret);

    const updated = await json('sso', 'connection', 'update', id, '--name', 'Okta (prod)', '--scope', 'openid', '--scope', 'email', '--no-jit');
    expect(updated).toMatchObject({ name: 'Okta (prod)', jitProvisioning: false, oidc: { scopes: ['openid', 'email'] } });
    const { stdout: enabled } = await cli('sso', 'connection', 'enable', id);
    expect(enabled).toMatch(/Okta \(prod\)\s*│\s*oidc\/okta\s*│\s*yes/);

    // A test sign-in starts at the IdP's authorization endpoint, with PKCE.
    const test = await json('sso', 'connection', 'test', id);
    const authorize = new URL(test.authorizationUrl);
    expect(authorize.origin).toBe(new URL(okta.issuer).origin);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    // Opened in a browser that did not start it (no state cookie): a test needs none, and
    // finishes on the console's SSO page with its trace.
    okta.accounts.set('00u-tester', { email: 'tester@acme-cli.test', name: 'Tester', groups: ['Engineering'] });
    okta.nextAccount = '00u-tester';
    const other = await new CookieBrowser().follow(test.authorizationUrl, (next) => next.pathname === '/api/v1/sso/oidc/callback');
    const callback = await t.app.inject({ method: 'GET', url: `${other.stoppedAt!.pathname}${other.stoppedAt!.search}` });
    expect(callback.statusCode).toBe(302);
    expect(new URL(String(callback.headers.location)).pathname).toBe(`/orgs/${orgId}/sso`);
    expect(String(callback.headers['set-cookie'] ?? '')).not.toContain('hxp_session=');
    const traces = await json('sso', 'traces', id);
    expect(traces[0]).toMatchObject({ outcome: 'success', purpose: 'test', reason: 'ok', subject: '00u-tester' });
    expect(traces[0].detail).toContain('tester@acme-cli.test');
    // A real sign-in still needs the browser that started it.
    const started = await t.app.inject({ method: 'GET', url: `/api/v1/sso/oidc/${id}/start` });
    const signIn = await new CookieBrowser().follow(String(started.headers.location), (next) => next.pathname === '/api/v1/sso/oidc/callback');
    const refused = await t.app.inject({ method: 'GET', url: `${signIn.stoppedAt!.pathname}${signIn.stoppedAt!.search}` });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().type).toMatch(/sso-state-missing$/);

    expect((await json('sso', 'connection', 'disable', id)).enabled).toBe(false);
    const none = await cli('sso', 'connection', 'update', id).then(() => null, (error: { stderr: string }) => error);
    expect(none?.stderr).toContain('nothing to change');
    await cli('sso', 'connection', 'delete', id);
    const gone = await cli('sso', 'connection', 'get', id).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(gone?.code).toBe(1);
    expect(gone?.stderr).toMatch(/hexaplane: 404/);
  }, CLI_TEST_TIMEOUT);

  it('creates a SAML connection from metadata, lists it, and shows a failed sign-in in its traces', async () => {
    const metadataFile = path.join(dir, 'idp-metadata.xml');
    writeFileSync(metadataFile, samlIdp.metadata);
    const created = await json('sso', 'connection', 'create', 'Corporate SAML', '--kind', 'saml', '--metadata-file', metadataFile, '--clock-skew', '30');
    expect(created).toMatchObject({ kind: 'saml', saml: { idpEntityId: samlIdp.entityId, ssoUrl: samlIdp.ssoUrl, clockSkewSeconds: 30, allowIdpInitiated: false } });
    const id = created.id as string;
    const { stdout: table } = await cli('sso', 'connection', 'get', id);
    expect(table).toContain(created.saml.acsUrl);
    expect(table).toContain(created.saml.spEntityId);
    expect((await json('sso', 'connection', 'list')).map((c: { id: string }) => c.id)).toContain(id);

    // Mappings from a JSON file; a role that does not exist is refused, naming the entry.
    const mappingsFile = path.join(dir, 'mappings.json');
    writeFileSync(mappingsFile, JSON.stringify([{ claim: 'groups', value: 'auditors', roleId: 'org-security-auditor', scope: { type: 'organization', id: orgId } }]));
    expect(await json('sso', 'connection', 'mappings', id, '--file', mappingsFile)).toEqual([{ claim: 'groups', value: 'auditors', roleId: 'org-security-auditor', scope: { type: 'organization', id: orgId } }]);
    writeFileSync(mappingsFile, JSON.stringify({ mappings: [{ claim: 'groups', value: 'x', roleId: 'no-such-role', scope: { type: 'organization', id: orgId } }] }));
    const badRole = await cli('sso', 'connection', 'mappings', id, '--file', mappingsFile).then(() => null, (error: { stderr: string }) => error);
    expect(badRole?.stderr).toMatch(/hexaplane: 400 .*\(mappings\.0\.roleId\)/);
    const { stdout: mappingTable } = await cli('sso', 'connection', 'mappings', id);
    expect(mappingTable).toMatch(/auditors\s*│\s*org-security-auditor/);
    await cli('sso', 'connection', 'enable', id);

    expect(await json('sso', 'traces', id)).toEqual([]);
    // Someone posts a response that is not one: the ACS refuses it and records why.
    const forged = Buffer.from('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>').toString('base64');
    const acs = await t.app.inject({ method: 'POST', url: `/api/v1/sso/saml/${id}/acs`, payload: `SAMLResponse=${encodeURIComponent(forged)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(acs.statusCode).toBe(303);
    const traces = await json('sso', 'traces', id);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ outcome: 'failure', purpose: 'sign-in' });
    const { stdout: traceTable } = await cli('sso', 'traces', id);
    expect(traceTable).toContain(traces[0].reason);
    expect(traceTable).toContain('failure');

    const test = await json('sso', 'connection', 'test', id);
    expect(test.authorizationUrl.startsWith(`${samlIdp.ssoUrl}?SAMLRequest=`)).toBe(true);
  }, CLI_TEST_TIMEOUT);
});
