/**
 * The Cloud bills (FOCUS) console page in a real browser: a rule added in the page, a bill
 * uploaded through the file input, and the import's allocation table showing the mapped
 * workspace, the unallocated rest and the total the API computes.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP = 10_000;

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('the cloud bills page', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let orgId: string;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Finance-BU', slug: 'finance' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, timeout: 30_000 });
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(STEP);
    await page.goto('/sign-in');
    await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
    await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.waitForURL(/\/orgs/);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('adds a rule, imports a bill and shows its allocation', async () => {
    await page.goto(`/orgs/${orgId}/cloud-bills`);
    await page.getByTestId('focus-rule-tag').fill('team');
    await page.getByTestId('focus-rule-match').fill('finance');
    await page.getByTestId('focus-rule-workspace').click();
    await page.getByRole('option', { name: 'Finance-BU' }).click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.getByTestId('focus-rules').locator('tbody tr').allInnerTexts(), { timeout: STEP }).toEqual([expect.stringContaining('Finance-BU')]);

    const header = 'BilledCost,EffectiveCost,ListCost,ContractedCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ServiceName,ServiceCategory,ProviderName,Tags';
    const row = (cost: string, tags: string) => `${cost},${cost},${cost},${cost},USD,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,Usage,Amazon EC2,Compute,AWS,${tags}`;
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hexaplane-bill-')), 'bill.csv');
    writeFileSync(file, `${header}\n${row('120.5', '"{""team"":""finance""}"')}\n${row('9.5', '')}\n`);
    await page.locator('input[type="file"]').setInputFiles(file);
    await page.getByTestId('focus-import').click();
    const rows = page.getByTestId('focus-allocation').locator('tbody tr');
    await expect.poll(() => rows.allInnerTexts(), { timeout: STEP }).toHaveLength(3);
    const texts = await rows.allInnerTexts();
    expect(texts[0]).toContain('Finance-BU');
    expect(texts[0]).toContain('120.50 USD');
    expect(texts[1]!.toLowerCase()).toContain('unallocated');
    expect(texts[1]).toContain('9.50 USD');
    expect(texts[2]).toContain('130.00 USD');
    await expect.poll(() => page.getByTestId('focus-imports').locator('tbody tr').count(), { timeout: STEP }).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);
});
