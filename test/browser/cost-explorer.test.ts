/**
 * The cost explorer in a real browser (ADR 0015): pushed usage for two workspaces, the page's
 * total and per-group rows equal the allocation API's, and the stacked daily chart draws bars.
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
const DAY = 86_400_000;

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('the cost explorer', () => {
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
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
    const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;
    for (const slug of ['finance', 'sales']) await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: slug === 'finance' ? 'Finance-BU' : 'Sales-BU', slug } });
    await expectJson(t.app, admin, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'onprem', region: 'default', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', rates: { cpuCoreHour: 40_000, memoryGibHour: 5_000, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
    });
    // Two days before today (UTC), inside the page's default window of the last 30 days.
    const samples = [];
    const first = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    for (let h = 0; h < 48; h++) {
      const hour = new Date(first + h * 3_600_000).toISOString();
      samples.push({ cluster: 'c1', namespace: 'hx-finance', pod: 'ledger-0', hour, cpuRequestMcores: 2000, cpuUsageMcores: 1500 + h * 10, memoryRequestMib: 4096, memoryUsageMib: 2048 });
      samples.push({ cluster: 'c1', namespace: 'hx-sales', pod: 'crm-0', hour, cpuRequestMcores: 500, cpuUsageMcores: 700, memoryRequestMib: 1024, memoryUsageMib: 1024 });
      samples.push({ cluster: 'c1', namespace: 'legacy', pod: 'old-0', hour, cpuRequestMcores: 250, cpuUsageMcores: 0 });
    }
    await expectJson(t.app, admin, 'POST', api('/cost/usage'), 200, { body: { samples } });
    ({ browser, page, errors } = await openSignedInConsole(base, { stepMs: STEP }));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the allocation total and groups the API computes, and a stacked chart', async () => {
    await page.goto(`/orgs/${orgId}/cost`);
    const from = await page.getByTestId('cost-from').inputValue();
    const to = await page.getByTestId('cost-to').inputValue();
    const admin = await signIn(t.app);
    const a = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/cost/allocation`, 200, { query: { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z`, groupBy: 'workspace' } });
    // 48 h of Finance at 2 cores (request) and 4 GiB, Sales at 0.7 core and 1 GiB, legacy 0.25 core.
    expect(a.total).toBe(48 * (80_000 + 20_000) + 48 * (28_000 + 5_000) + 48 * 10_000);
    await expect.poll(() => page.getByTestId('cost-total').innerText(), { timeout: STEP }).toBe(`Total ${(a.total / 1e6).toFixed(2)} USD`);
    const rows = await page.getByTestId('cost-table').locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split(/[\t\n]/)[0]!.trim())).toEqual(['Finance-BU', 'Sales-BU', 'Unallocated']);
    const finance = a.groups.find((g: { name: string }) => g.name === 'Finance-BU');
    expect(rows[0]).toContain(`${(finance.total / 1e6).toFixed(2)} USD`);
    // Two days with cost, three groups stacked: recharts draws one bar shape per group and day.
    await expect.poll(() => page.getByTestId('cost-chart').locator('.recharts-bar-rectangle').count(), { timeout: STEP }).toBeGreaterThanOrEqual(6);
    expect(errors).toEqual([]);
  }, 60_000);
});
