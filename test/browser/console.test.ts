/**
 * The console in a real browser against a real listening server: the "Foundation" walk-through
 * an administrator does on day one, from sign-in to finding every change in the audit log.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { sealPending } from '../../src/modules/audit/sealer.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';
import { freePort } from '../support/ports.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP_TIMEOUT = 10_000;
const MEMBER_EMAIL = 'dev@example.test';
const MEMBER_PASSWORD = 'a browser test passphrase 7';

/** What went wrong in a page that the DOM would not show: uncaught errors and failed API calls. */
interface PageTrouble {
  errors: string[];
  failedApiCalls: string[];
}

function watch(page: Page): PageTrouble {
  const trouble: PageTrouble = { errors: [], failedApiCalls: [] };
  page.on('pageerror', (error) => trouble.errors.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400 && new URL(response.url()).pathname.startsWith('/api/')) {
      trouble.failedApiCalls.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
    }
  });
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT);
  return trouble;
}

/** Picks an option of a Mantine Select by its label (options render in a portal). */
async function choose(page: Page, testId: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: label, exact: true }).click();
  await expect.poll(() => page.getByTestId(testId).inputValue(), { timeout: STEP_TIMEOUT }).toBe(label);
}

/** Adds actions to the role MultiSelect; each option shows the action name and its description. */
async function pickActions(page: Page, testId: string, actions: string[]): Promise<void> {
  const field = page.getByTestId(testId);
  for (const action of actions) {
    await field.fill(action);
    await page.getByRole('option').filter({ has: page.getByText(action, { exact: true }) }).click();
  }
  // A MultiSelect stays open for more picks, covering the buttons below it: leave the field.
  await field.blur();
  await page.getByRole('listbox').waitFor({ state: 'hidden' });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

function idFromPath(page: Page, pattern: RegExp): string {
  const match = new URL(page.url()).pathname.match(pattern);
  if (!match?.[1]) throw new Error(`${page.url()} does not match ${pattern}`);
  return match[1];
}

const browserAvailable = peerAvailable('chromium', CHROMIUM);

describe.skipIf(!browserAvailable)('the console in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let admin: BrowserContext;
  let member: BrowserContext;
  let shots: string;

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console (npm test does)`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ publicUrl: base });
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, timeout: 30_000 });
    admin = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base });
    member = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
    shots = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-console-'));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in, builds an organization, grants access, manages a key, and finds it all in the audit log', async () => {
    const page = await admin.newPage();
    const adminTrouble = watch(page);
    const guest = await member.newPage();
    const memberTrouble = watch(guest);
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(shots, 'failure-admin.png'), fullPage: true }).catch(() => {});
      await guest.screenshot({ path: path.join(shots, 'failure-member.png'), fullPage: true }).catch(() => {});
      console.error(`screenshots: ${shots}`, { adminTrouble, memberTrouble });
    });

    // Sign in: the console sends a visitor without a session to the sign-in page.
    await page.goto('/');
    await page.waitForURL('**/sign-in');
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.waitForURL('**/orgs');

    // Organization: the bootstrap administrator starts with none.
    await page.getByTestId('org-create').click();
    await page.getByTestId('org-name').fill('Acme Browsers');
    expect(await page.getByTestId('org-slug').inputValue()).toBe('acme-browsers');
    await page.getByTestId('org-submit').click();
    await page.waitForURL(/\/orgs\/org_[^/]+\/workspaces$/);
    const orgId = idFromPath(page, /^\/orgs\/([^/]+)\//);

    // Workspace: creating one opens its page.
    await page.getByTestId('workspace-create').click();
    await page.getByTestId('workspace-name').fill('Payments');
    await page.getByTestId('workspace-submit').click();
    await page.waitForURL(/\/workspaces\/ws_[^/?]+/);
    const workspaceId = idFromPath(page, /\/workspaces\/([^/?]+)/);
    await expect.poll(() => page.getByTestId('workspace-title').textContent()).toBe('Payments');

    // Project, in the workspace's Projects tab.
    await page.getByTestId('tab-projects').click();
    await page.getByTestId('project-create').click();
    await page.getByTestId('project-name').fill('Checkout API');
    await page.getByTestId('project-submit').click();
    const projectRow = page.locator('[data-testid="project-row"][data-slug="checkout-api"]');
    await projectRow.waitFor();
    expect(await projectRow.getAttribute('data-id')).toMatch(/^prj_/);

    // Invitation: the accept link appears once, and points at this server.
    await page.getByTestId('nav-members').click();
    await page.getByTestId('invite-open').click();
    await page.getByTestId('invite-email').fill(MEMBER_EMAIL);
    await page.getByTestId('invite-submit').click();
    const acceptUrl = (await page.getByTestId('invite-accept-url').textContent())?.trim() ?? '';
    expect(acceptUrl).toMatch(new RegExp(`^${base.replace(/[.]/g, '\\.')}/accept-invitation\\?token=.+`));
    await page.getByTestId('invite-done').click();
    await page.getByTestId('invite-accept-url').waitFor({ state: 'detached' });
    await page.getByTestId('tab-invitations').click();
    await page.locator(`[data-testid="invitation-row"][data-email="${MEMBER_EMAIL}"]`).waitFor();

    // The invitee accepts in a browser of their own, then signs in: as an org-member they see
    // the organization but no workspace yet.
    await guest.goto(acceptUrl);
    await guest.getByTestId('accept-display-name').fill('Dev Eloper');
    await guest.getByTestId('accept-password').fill(MEMBER_PASSWORD);
    await guest.getByTestId('accept-submit').click();
    await guest.getByTestId('accept-done').waitFor();
    await guest.getByTestId('accept-sign-in').click();
    await guest.waitForURL('**/sign-in?**');
    expect(await guest.getByTestId('signin-email').inputValue()).toBe(MEMBER_EMAIL);
    await guest.getByTestId('signin-password').fill(MEMBER_PASSWORD);
    await guest.getByTestId('signin-submit').click();
    await guest.waitForURL(`**/orgs/${orgId}/workspaces`);
    await guest.getByTestId('no-access').waitFor();

    // Custom role: workspace scope, two actions.
    await page.getByTestId('nav-roles').click();
    await page.getByTestId('role-create').click();
    await page.getByTestId('role-name').fill('Payments reader');
    await pickActions(page, 'role-actions', ['workspace:read', 'project:read']);
    await page.getByTestId('role-submit').click();
    const roleRow = page.locator('[data-testid="role-row"][data-name="Payments reader"]');
    await roleRow.waitFor();
    const roleId = (await roleRow.getAttribute('data-id')) ?? '';
    expect(roleId).toMatch(/^role_/);

    // Bind it to the new member on the workspace. The member joined in another browser, so this
    // console's member list may be older than that: load the page afresh, as a person would.
    await page.reload();
    await page.getByTestId('tab-bindings').click();
    await page.getByTestId('binding-create').click();
    await choose(page, 'binding-role', 'Payments reader (workspace)');
    await choose(page, 'binding-subject', `Dev Eloper <${MEMBER_EMAIL}>`);
    await choose(page, 'binding-scope', 'Payments');
    await page.getByTestId('binding-submit').click();
    await page.locator(`[data-testid="binding-row"][data-role="${roleId}"]`).waitFor();

    // The grant takes effect: the member now sees exactly that workspace.
    await guest.reload();
    await guest.locator(`[data-testid="workspace-row"][data-id="${workspaceId}"]`).waitFor();
    expect(await guest.getByTestId('workspace-row').count()).toBe(1);

    // API key: the secret is shown once and works.
    await page.getByTestId('nav-api-keys').click();
    await page.getByTestId('apikey-create').click();
    await page.getByTestId('apikey-name').fill('ci-reader');
    await choose(page, 'apikey-role', 'Security auditor (organization)');
    await page.getByTestId('apikey-submit').click();
    const secret = (await page.getByTestId('secret-value').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^hxp_key_[0-9a-z]{26}_\S+$/);
    const listWorkspaces = (token: string) => fetch(`${base}/api/v1/orgs/${orgId}/workspaces`, { headers: { authorization: `Bearer ${token}` } });
    const viaKey = await listWorkspaces(secret);
    expect(viaKey.status).toBe(200);
    expect(((await viaKey.json()) as { items: { id: string }[] }).items.map((w) => w.id)).toEqual([workspaceId]);
    await page.getByTestId('secret-done').click();
    await page.getByTestId('secret-value').waitFor({ state: 'detached' });
    const keyRow = page.locator('[data-testid="apikey-row"][data-name="ci-reader"]');
    await keyRow.waitFor();
    const keyId = (await keyRow.getAttribute('data-id')) ?? '';
    expect(secret.startsWith(`hxp_${keyId}_`)).toBe(true);
    expect(await page.content()).not.toContain(secret);

    // Rotation: a new secret, shown once; the old one keeps working during the overlap.
    await keyRow.getByTestId('apikey-rotate').click();
    await page.getByTestId('apikey-rotate-submit').click();
    const rotated = (await page.getByTestId('secret-value').textContent())?.trim() ?? '';
    expect(rotated).toMatch(new RegExp(`^hxp_${keyId}_\\S+$`));
    expect(rotated).not.toBe(secret);
    expect((await listWorkspaces(rotated)).status).toBe(200);
    expect((await listWorkspaces(secret)).status).toBe(200);
    await page.getByTestId('secret-done').click();
    await page.getByTestId('secret-value').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(rotated);

    // Audit: each change is found through the action filter.
    await page.getByTestId('nav-audit').click();
    const expected: [action: string, target: string][] = [
      ['workspace:create', 'Payments'],
      ['project:create', 'Checkout API'],
      // The invitee's address is masked on read by the default PII rules (docs/pii.md): its domain shows.
      ['invitation:create', `@${MEMBER_EMAIL.split('@')[1]}`],
      ['role:create', 'Payments reader'],
      ['role-binding:create', 'Payments'],
      ['api-key:create', 'ci-reader'],
      ['api-key:rotate', 'ci-reader'],
    ];
    const filter = page.getByTestId('audit-filter-action');
    const auditRows = page.getByTestId('audit-row');
    for (const [action, target] of expected) {
      await filter.fill(action);
      // The filter is debounced: wait until the table shows this action's events only.
      await expect
        .poll(() => auditRows.evaluateAll((rows, wanted) => rows.length > 0 && rows.every((row) => row.getAttribute('data-action') === wanted), action), {
          timeout: STEP_TIMEOUT,
        })
        .toBe(true);
      const row = page.locator(`[data-testid="audit-row"][data-action="${action}"]`, { hasText: target });
      await row.first().waitFor();
      expect(await row.count(), action).toBe(1);
    }

    // Seal what the walk-through wrote (the test app runs no background sealer), so the drawer
    // can show the event's inclusion proof, which the console checks with WebCrypto.
    while ((await sealPending(t.deps)) > 0);
    // The rotation's detail opens in the drawer, and shows neither secret.
    const rotation = page.locator('[data-testid="audit-row"][data-action="api-key:rotate"]');
    const eventId = (await rotation.getAttribute('data-id')) ?? '';
    await rotation.click();
    const detail = page.getByTestId('audit-detail');
    await detail.waitFor();
    expect(await detail.getAttribute('data-id')).toBe(eventId);
    const detailText = (await detail.textContent()) ?? '';
    expect(detailText).toContain('api-key:rotate');
    expect(detailText).toContain(keyId);
    const secretPart = (token: string) => token.slice(`hxp_${keyId}_`.length);
    expect(detailText).not.toContain(secretPart(secret));
    expect(detailText).not.toContain(secretPart(rotated));
    await page.getByTestId('audit-proof-verified').waitFor();

    await page.screenshot({ path: path.join(shots, 'audit-detail.png'), animations: 'disabled' });

    // Cleared filters list everything the walk-through did, newest first.
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await page.getByTestId('audit-filter-clear').click();
    await expect.poll(() => auditRows.count(), { timeout: STEP_TIMEOUT }).toBeGreaterThanOrEqual(expected.length);
    // The timeline above the table counts the same events the API holds for the org.
    const total = await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
    await expect.poll(() => page.getByTestId('audit-timeline').getAttribute('data-total'), { timeout: STEP_TIMEOUT }).toBe(String(total.n));
    await page.screenshot({ path: path.join(shots, 'audit.png'), fullPage: true, animations: 'disabled' });

    // Save a search, clear the filters, apply the saved search again.
    await filter.fill('api-key:');
    await expect.poll(() => auditRows.evaluateAll((rows) => rows.length > 0 && rows.every((r) => r.getAttribute('data-action')?.startsWith('api-key:'))), { timeout: STEP_TIMEOUT }).toBe(true);
    await page.getByTestId('audit-saved-searches').click();
    await page.getByTestId('audit-save-search').click();
    await page.getByTestId('audit-save-search-name').fill('Key changes');
    await page.getByTestId('audit-save-search-submit').click();
    await page.getByTestId('audit-filter-clear').click();
    await expect.poll(() => filter.inputValue()).toBe('');
    await page.getByTestId('audit-saved-searches').click();
    await page.locator('[data-testid="audit-saved-search"][data-name="Key changes"]').click();
    await expect.poll(() => filter.inputValue()).toBe('api-key:');

    // Export what the filter selects; the file behind the link is the one the manifest names.
    await page.getByTestId('audit-export').click();
    await page.getByTestId('audit-export-jsonl').click();
    const ready = page.getByTestId('audit-export-ready');
    await ready.waitFor();
    const exported = Number(await ready.getAttribute('data-count'));
    expect(exported).toBeGreaterThanOrEqual(2);
    const href = (await page.getByTestId('audit-export-file').getAttribute('href')) ?? '';
    const body = await page.evaluate(async (url) => (await fetch(url)).text(), href);
    expect(body.trim().split('\n')).toHaveLength(exported);
    await page.keyboard.press('Escape');
    console.log(`console screenshots: ${shots}`);

    expect(adminTrouble.errors).toEqual([]);
    expect(memberTrouble.errors).toEqual([]);
    // Before sign-in GET /me answers 401; nothing else the administrator did may fail.
    expect(adminTrouble.failedApiCalls).toEqual(['GET /api/v1/me 401']);
    console.log('member API failures (expected denials):', memberTrouble.failedApiCalls);
  });
});
