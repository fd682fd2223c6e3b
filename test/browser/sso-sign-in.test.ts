/**
 * Single sign-on in a real browser (issue 3, ADR 0014): a person types their e-mail on the
 * console's sign-in page, is sent to their organization's identity provider, signs in on the
 * IdP's own page, and lands back in the console signed in, with the roles their IdP groups map
 * to — through an Okta-like OpenID Provider (oidc-provider) and a SAML IdP (samlify, HTTP-POST
 * binding). The console is served as `localhost`, the IdPs as `127.0.0.1`: different sites, as
 * in real life, so the SameSite rules of the state and session cookies are exercised too.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { startDnsServer, type TestDns } from '../support/dns-server.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { startOidcIdp, type TestIdp } from '../support/oidc-idp.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';
import { freePort } from '../support/ports.ts';
import { startSamlIdpServer, type SamlIdpServer } from '../support/saml-idp.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP_TIMEOUT = 15_000;
const ALICE = { email: 'alice@globex.test', password: 'okta password of alice 1' };
const CAROL = { email: 'carol@initech.test', password: 'saml password of carol 2' };

interface PageTrouble {
  errors: string[];
  failedApiCalls: string[];
}

function watch(page: Page): PageTrouble {
  const trouble: PageTrouble = { errors: [], failedApiCalls: [] };
  page.on('pageerror', (error) => trouble.errors.push(error.message));
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400 && url.pathname.startsWith('/api/')) trouble.failedApiCalls.push(`${response.request().method()} ${url.pathname} ${response.status()}`);
  });
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT);
  return trouble;
}

async function workspaceSlugs(page: Page): Promise<string[]> {
  await page.getByTestId('workspace-row').first().waitFor();
  return page.getByTestId('workspace-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-slug') ?? ''));
}

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('single sign-on in Chromium', () => {
  let t: TestApp;
  let base: string;
  let dns: TestDns;
  let okta: TestIdp;
  let saml: SamlIdpServer;
  let browser: Browser;
  let admin: Credentials & { kind: 'session' };
  let shots: string;
  const ids = { globex: '', initech: '', finance: '', marketing: '', ledger: '', payroll: '', oidc: '', saml: '' };

  const inOrg = (orgId: string, p: string) => `/api/v1/orgs/${orgId}${p}`;

  async function verifiedDomain(orgId: string, domain: string) {
    const claimed = await expectJson(t.app, admin, 'POST', inOrg(orgId, '/domains'), 201, { body: { domain } });
    dns.records.set(domain, [claimed.txtRecord.value]);
    await expectJson(t.app, admin, 'POST', inOrg(orgId, `/domains/${claimed.id}/verify`), 200);
  }

  async function workspace(orgId: string, name: string, slug: string): Promise<string> {
    return (await expectJson(t.app, admin, 'POST', inOrg(orgId, '/workspaces'), 201, { body: { name, slug } })).id;
  }

  async function bindingsOf(orgId: string, email: string): Promise<string[]> {
    const user = await t.deps.services.identity.findUserByEmail(email);
    if (!user) return [];
    const page = await expectJson(t.app, admin, 'GET', inOrg(orgId, '/role-bindings'), 200, { query: { subjectId: user.id } });
    return (page.items as Array<{ roleId: string; scope: { id: string } }>).map((b) => `${b.roleId}@${b.scope.id}`).sort();
  }

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console (npm test does)`);
    const port = await freePort();
    base = `http://localhost:${port}`;
    dns = await startDnsServer();
    t = await createTestApp({ publicUrl: base, dnsServers: [dns.address] });
    await t.app.listen({ host: '127.0.0.1', port });
    okta = await startOidcIdp({ flavor: 'okta', redirectUri: `${base}/api/v1/sso/oidc/callback`, loginForm: true });
    saml = await startSamlIdpServer();
    admin = await signIn(t.app);

    // Globex signs in through Okta (OIDC); Initech through a SAML IdP.
    ids.globex = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Globex', slug: 'globex' } })).id;
    ids.initech = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Initech', slug: 'initech' } })).id;
    ids.finance = await workspace(ids.globex, 'Finance-BU', 'finance-bu');
    ids.marketing = await workspace(ids.globex, 'Marketing', 'marketing');
    ids.ledger = await workspace(ids.initech, 'Ledger', 'ledger');
    ids.payroll = await workspace(ids.initech, 'Payroll', 'payroll');
    await verifiedDomain(ids.globex, 'globex.test');
    await verifiedDomain(ids.initech, 'initech.test');

    ids.oidc = (
      await expectJson(t.app, admin, 'POST', inOrg(ids.globex, '/sso-connections'), 201, {
        body: { name: 'Okta', kind: 'oidc', preset: 'okta', oidc: { discoveryUrl: okta.issuer, clientId: okta.clientId, clientSecret: okta.clientSecret } },
      })
    ).id;
    await expectJson(t.app, admin, 'PUT', inOrg(ids.globex, `/sso-connections/${ids.oidc}/mappings`), 200, {
      body: {
        mappings: [
          { claim: 'groups', value: 'finance-admins', roleId: 'workspace-admin', scope: { type: 'workspace', id: ids.finance } },
          { claim: 'groups', value: 'marketing-readers', roleId: 'workspace-viewer', scope: { type: 'workspace', id: ids.marketing } },
        ],
      },
    });
    await expectJson(t.app, admin, 'PATCH', inOrg(ids.globex, `/sso-connections/${ids.oidc}`), 200, { body: { enabled: true } });

    ids.saml = (
      await expectJson(t.app, admin, 'POST', inOrg(ids.initech, '/sso-connections'), 201, {
        body: { name: 'Corporate SAML', kind: 'saml', preset: 'generic', saml: { metadataXml: saml.metadata } },
      })
    ).id;
    await expectJson(t.app, admin, 'PUT', inOrg(ids.initech, `/sso-connections/${ids.saml}/mappings`), 200, {
      body: {
        mappings: [
          { claim: 'groups', value: 'auditors', roleId: 'workspace-viewer', scope: { type: 'workspace', id: ids.ledger } },
          { claim: 'groups', value: 'payroll-admins', roleId: 'workspace-admin', scope: { type: 'workspace', id: ids.payroll } },
        ],
      },
    });
    await expectJson(t.app, admin, 'PATCH', inOrg(ids.initech, `/sso-connections/${ids.saml}`), 200, { body: { enabled: true } });
    // The IdP administrator registers Hexaplane from the SP metadata it publishes.
    const spMetadata = await t.app.inject({ method: 'GET', url: `/api/v1/sso/saml/${ids.saml}/metadata` });
    expect(spMetadata.statusCode).toBe(200);
    saml.trust(spMetadata.body);

    okta.accounts.set('00u-alice', { email: ALICE.email, name: 'Alice Finance', groups: ['finance-admins', 'Everyone'], password: ALICE.password });
    saml.users.set(CAROL.email, { email: CAROL.email, name: 'Carol Auditor', groups: ['auditors'], password: CAROL.password });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...chromiumArgs, '--host-resolver-rules=MAP localhost 127.0.0.1'], timeout: 30_000 });
    shots = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-sso-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await okta?.close();
    await saml?.close();
    await dns?.close();
    await t?.close();
  });

  async function newPage(name: string): Promise<{ page: Page; trouble: PageTrouble }> {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const trouble = watch(page);
    onTestFailed(async () => {
      const file = path.join(shots, `${name}-failure.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`screenshot: ${file}; url: ${page.url()}`, trouble);
    });
    return { page, trouble };
  }

  /** From the console's sign-in page to the IdP's own sign-in page, by e-mail alone. */
  async function startAtConsole(page: Page, email: string, idpOrigin: string) {
    await page.goto('/');
    await page.waitForURL('**/sign-in**');
    await page.getByTestId('signin-email').fill(email);
    await page.getByTestId('signin-sso').click();
    await page.waitForURL((url) => url.origin === idpOrigin);
    await page.getByTestId('idp-title').waitFor();
  }

  async function signInAtIdp(page: Page, email: string, password: string) {
    await page.getByTestId('idp-email').fill(email);
    await page.getByTestId('idp-password').fill(password);
    await page.getByTestId('idp-submit').click();
  }

  it('OIDC (Okta-like): e-mail first, the IdP login form, back in the console as a Finance-BU admin', async () => {
    const { page, trouble } = await newPage('oidc');
    await startAtConsole(page, ALICE.email, new URL(okta.issuer).origin);

    // The IdP's own form refuses a wrong password and nothing reaches Hexaplane.
    await signInAtIdp(page, ALICE.email, 'not the password');
    await page.getByTestId('idp-error').waitFor();
    expect(okta.formSignIns).toEqual({ ok: 0, refused: 1 });
    expect(await t.deps.services.identity.findUserByEmail(ALICE.email)).toBeUndefined();

    await signInAtIdp(page, ALICE.email, ALICE.password);
    await page.waitForURL(`${base}/orgs/${ids.globex}/workspaces`);
    const me = (await page.evaluate(async () => (await fetch('/api/v1/me')).json())) as { user: { email: string; displayName: string } };
    expect(me.user).toMatchObject({ email: ALICE.email, displayName: 'Alice Finance' });

    // Just-in-time provisioning and the mapping: workspace-admin of Finance-BU, nothing else.
    expect(await bindingsOf(ids.globex, ALICE.email)).toEqual([`workspace-admin@${ids.finance}`]);
    expect(await workspaceSlugs(page)).toEqual(['finance-bu']);

    // Allowed by the role: a project in Finance-BU.
    await page.getByTestId('workspace-link').click();
    await page.waitForURL(`**/workspaces/${ids.finance}`);
    await page.getByTestId('tab-projects').click();
    await page.getByTestId('project-create').click();
    await page.getByTestId('project-name').fill('Close the books');
    await page.getByTestId('project-submit').click();
    await page.locator('[data-testid="project-row"][data-slug="close-the-books"]').waitFor();

    // The binding the mapping made shows in the workspace's Role bindings tab.
    await page.getByTestId('tab-access').click();
    const binding = page.locator('[data-testid="binding-row"][data-role="workspace-admin"]');
    await binding.waitFor();
    await expect.poll(() => binding.textContent()).toContain('Alice Finance');

    // Not granted: another workspace, and creating workspaces (an organization-level action).
    await page.goto(`/orgs/${ids.globex}/workspaces/${ids.marketing}`);
    await page.getByTestId('no-access').waitFor();
    await page.goto(`/orgs/${ids.globex}/workspaces`);
    await page.getByTestId('workspace-create').click();
    await page.getByTestId('workspace-name').fill('Shadow IT');
    await page.getByTestId('workspace-submit').click();
    await expect.poll(() => page.getByRole('dialog').getByTestId('problem-alert').textContent()).toMatch(/Not allowed.*workspace:create/);
    const all = await expectJson(t.app, admin, 'GET', inOrg(ids.globex, '/workspaces'), 200);
    expect((all.items as Array<{ slug: string }>).map((w) => w.slug).sort()).toEqual(['finance-bu', 'marketing']);

    expect(trouble.errors).toEqual([]);
    expect(okta.formSignIns).toEqual({ ok: 1, refused: 1 });
  }, 120_000);

  it('SAML (HTTP-POST binding): e-mail first, the IdP login page, back in the console as a Ledger viewer', async () => {
    const { page, trouble } = await newPage('saml');
    await startAtConsole(page, CAROL.email, new URL(saml.ssoUrl).origin);
    await signInAtIdp(page, CAROL.email, CAROL.password);
    // The IdP's page posts the response to the ACS, which answers 303 to the console.
    await page.waitForURL(`${base}/orgs/${ids.initech}/workspaces`);
    expect(saml.signIns).toEqual({ ok: 1, refused: 0 });
    const me = (await page.evaluate(async () => (await fetch('/api/v1/me')).json())) as { user: { email: string; displayName: string } };
    expect(me.user).toMatchObject({ email: CAROL.email, displayName: 'Carol Auditor' });

    expect(await bindingsOf(ids.initech, CAROL.email)).toEqual([`workspace-viewer@${ids.ledger}`]);
    expect(await workspaceSlugs(page)).toEqual(['ledger']);
    // Only Initech: the sign-in made Carol a member of the connection's organization alone.
    const orgs = (await page.evaluate(async () => (await fetch('/api/v1/orgs')).json())) as { items: Array<{ id: string }> };
    expect(orgs.items.map((o) => o.id)).toEqual([ids.initech]);
    const carol = (await t.deps.services.identity.findUserByEmail(CAROL.email))!;
    expect((await call(t.app, admin, 'GET', inOrg(ids.globex, '/role-bindings'), { query: { subjectId: carol.id } })).json().items).toEqual([]);

    // A viewer sees Ledger and its projects, and may not create one.
    await page.getByTestId('workspace-link').click();
    await page.waitForURL(`**/workspaces/${ids.ledger}`);
    await expect.poll(() => page.getByTestId('workspace-title').textContent()).toBe('Ledger');
    await page.getByTestId('tab-projects').click();
    await page.getByTestId('project-create').click();
    await page.getByTestId('project-name').fill('Not allowed');
    await page.getByTestId('project-submit').click();
    await expect.poll(() => page.getByRole('dialog').getByTestId('problem-alert').textContent()).toMatch(/Not allowed.*project:create/);
    const projects = await expectJson(t.app, admin, 'GET', inOrg(ids.initech, '/projects'), 200, { query: { workspaceId: ids.ledger } });
    expect(projects.items).toEqual([]);
    await page.goto(`/orgs/${ids.initech}/workspaces/${ids.payroll}`);
    await page.getByTestId('no-access').waitFor();

    expect(trouble.errors).toEqual([]);
  }, 120_000);

  it("the administrator's SSO page: a domain claimed and deleted, a SAML test sign-in landing on its trace", async () => {
    const { page, trouble } = await newPage('admin');
    await page.goto('/sign-in');
    await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
    await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.waitForURL('**/orgs**');

    await page.goto(`/orgs/${ids.initech}/sso`);
    await page.locator('[data-testid="domain-row"][data-domain="initech.test"]').waitFor();
    await page.getByLabel('Domain').fill('old-initech.test');
    await page.getByRole('button', { name: 'Claim' }).click();
    const claimed = page.locator('[data-testid="domain-row"][data-domain="old-initech.test"]');
    await claimed.waitFor();
    await claimed.getByTestId('domain-delete').click();
    await page.getByTestId('domain-delete-confirm').click();
    await claimed.waitFor({ state: 'detached' });
    const domains = await expectJson(t.app, admin, 'GET', inOrg(ids.initech, '/domains'), 200);
    expect((domains.items as Array<{ domain: string }>).map((d) => d.domain)).toEqual(['initech.test']);
    const audit = await expectJson(t.app, admin, 'GET', inOrg(ids.initech, '/audit-events'), 200, { query: { action: 'domain:delete' } });
    expect(audit.items).toMatchObject([{ action: 'domain:delete', target: { type: 'domain', name: 'old-initech.test' } }]);

    // A test sign-in through the SAML connection: the IdP's page opens in a new tab, then comes
    // back to this page showing the connection's trace.
    const row = page.locator(`[data-testid="sso-connection-row"][data-id="${ids.saml}"]`);
    const [popup] = await Promise.all([page.context().waitForEvent('page'), row.getByTestId('sso-connection-test').click()]);
    const popupTrouble = watch(popup);
    await popup.getByTestId('idp-title').waitFor();
    await signInAtIdp(popup, CAROL.email, CAROL.password);
    await popup.waitForURL(`${base}/orgs/${ids.initech}/sso?tested=${ids.saml}`);
    await popup.getByTestId('sso-tested').waitFor();
    await popup.locator('[data-testid="sso-trace-row"][data-outcome="success"][data-reason="ok"]').waitFor();
    // A test creates no session: the console is still the administrator's.
    const me = (await popup.evaluate(async () => (await fetch('/api/v1/me')).json())) as { user: { email: string } };
    expect(me.user.email).toBe(ADMIN_EMAIL);
    expect(trouble.errors).toEqual([]);
    expect(popupTrouble.errors).toEqual([]);
  }, 120_000);
});
