/**
 * The Access log and Retention pages in a real browser (ADR 0009): the access log shows the
 * requests the console itself made, with the status chart; retention settings are saved, a
 * legal hold is placed and released.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogWriterOf } from '../../src/modules/audit/index.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP = 10_000;

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('the Access log and Retention pages', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let orgId: string;
  let shots: string;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    // The server's writer, as main.ts runs it: the page should see its own requests.
    accessLogWriterOf(t.deps).start();
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Payments', slug: 'payments' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, timeout: 30_000 });
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(STEP);
    shots = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-retention-'));
    await page.goto('/sign-in');
    await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
    await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.waitForURL(/\/orgs/);
  });

  afterAll(async () => {
    await accessLogWriterOf(t.deps).stop();
    await browser?.close();
    await t?.close();
  });

  it('lists the API requests with a chart by status class', async () => {
    await page.goto(`/orgs/${orgId}/access-log`);
    // The page's own requests reach the table within a flush interval (a second).
    await page.waitForTimeout(1500);
    await page.reload();
    await expect.poll(() => page.getByTestId('access-log-row').count(), { timeout: STEP }).toBeGreaterThan(3);
    const routes = await page.getByTestId('access-log-row').allInnerTexts();
    expect(routes.some((text) => text.includes('/api/v1/orgs/:orgId/access-log'))).toBe(true);
    await page.getByTestId('access-log-chart').waitFor();
    await page.getByTestId('access-log-filter-status').fill('4xx');
    await expect.poll(() => page.getByTestId('access-log-row').count(), { timeout: STEP }).toBe(0);
    await page.getByTestId('access-log-filter-clear').click();
    await expect.poll(() => page.getByTestId('access-log-row').count(), { timeout: STEP }).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(shots, 'access-log.png'), fullPage: true, animations: 'disabled' });
    expect(errors).toEqual([]);
  });

  it('saves retention, places a legal hold and releases it', async () => {
    await page.goto(`/orgs/${orgId}/retention`);
    const audit = page.getByTestId('retention-audit-days');
    await audit.fill('10');
    await page.getByTestId('retention-save').click();
    await page.getByText('must be at least 30 days').waitFor();
    await audit.fill('730');
    await page.getByTestId('retention-save').click();
    await expect.poll(async () => (await expectJson(t.app, await signIn(t.app), 'GET', `/api/v1/orgs/${orgId}/retention`, 200)).auditDays, { timeout: STEP }).toBe(730);

    await page.getByTestId('hold-create').click();
    await page.getByTestId('hold-name').fill('Litigation 2026-17');
    await page.getByTestId('hold-reason').fill('Preserve everything');
    await page.getByTestId('hold-create-submit').click();
    const row = page.locator('[data-testid="hold-row"][data-status="active"]');
    await row.waitFor();
    await page.screenshot({ path: path.join(shots, 'retention.png'), fullPage: true, animations: 'disabled' });
    await row.getByTestId('hold-release').click();
    await page.getByTestId('hold-release-reason').fill('Matter closed');
    await page.getByTestId('hold-release-submit').click();
    await page.locator('[data-testid="hold-row"][data-status="released"]').waitFor();
    expect(errors).toEqual([]);
    console.log(`screenshots in ${shots}`);
  });
});
