/**
 * Contracts in a real browser: a contract created through the console's form, and the statement
 * of a closed month under its commitment (trued up) with each business unit's chargeback.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { openSignedInConsole } from '../support/console-browser.ts';
import { CHROMIUM, peerAvailable } from '../support/peers.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP = 10_000;

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('contracts in the console', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let orgId: string;
  let errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', currency: 'USD', timeZone: 'UTC' } })).id;
    const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;
    for (const slug of ['finance', 'retail']) await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: slug === 'finance' ? 'Finance-BU' : 'Retail-Apps', slug } });
    await expectJson(t.app, admin, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'onprem', region: 'default', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', rates: { cpuCoreHour: 1_000_000, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
    });
    // January 2026: Finance-BU 30 core-hours, Retail-Apps 10: 40 USD against 100 committed.
    const hour = '2026-01-10T00:00:00Z';
    await expectJson(t.app, admin, 'POST', api('/cost/usage'), 200, {
      body: { samples: [{ cluster: 'c1', namespace: 'hx-finance', pod: 'ledger-0', hour, cpuRequestMcores: 30_000 }, { cluster: 'c1', namespace: 'hx-retail', pod: 'shop-0', hour, cpuRequestMcores: 10_000 }] },
    });
    ({ browser, page, errors } = await openSignedInConsole(base, { stepMs: STEP }));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('creates a contract and shows a closed month trued up, charged back by usage', async () => {
    await page.goto(`/orgs/${orgId}/contracts`);
    await page.getByTestId('contract-create').click();
    await page.getByTestId('contract-name').fill('Platform 2026');
    await page.getByTestId('contract-commitment').fill('100');
    await page.getByLabel('Starts on').fill('2026-01-01');
    await page.getByTestId('contract-submit').click();
    const row = page.getByTestId('contract-row').filter({ hasText: 'Platform 2026' });
    await expect.poll(() => row.count(), { timeout: STEP }).toBe(1);
    await row.getByTestId('contract-statement').click();
    await page.getByTestId('statement-period').fill('2026-01-15');
    await expect.poll(() => page.getByTestId('statement-charge').innerText(), { timeout: STEP }).toBe('100.000000 USD');
    expect(await page.getByTestId('statement-usage').innerText()).toBe('40.000000 USD');
    expect(await page.getByTestId('statement-state').innerText()).toMatch(/closed/i);
    const units = await page.getByTestId('statement-units').locator('tbody tr').allInnerTexts();
    expect(units.find((u) => u.startsWith('Finance-BU'))).toMatch(/75\.00 %\s+30\.000000\s+75\.000000/);
    expect(units.find((u) => u.startsWith('Retail-Apps'))).toMatch(/25\.00 %\s+10\.000000\s+25\.000000/);
    const csv = await page.getByTestId('statement-csv').getAttribute('href');
    expect(csv).toContain('/statement/export?period=2026-01-15');
    expect(errors).toEqual([]);
  });
});
