/**
 * The cost reports page in a real browser: last month's pushed usage, the page's total and
 * business-unit rows equal the report API's, the trend chart draws, and the PDF link downloads
 * a PDF with the session.
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

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('the cost reports page', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let orgId: string;
  let errors: string[] = [];
  const now = new Date();
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', timeZone: 'UTC', currency: 'USD' } })).id;
    const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;
    await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Finance-BU', slug: 'finance' } });
    await expectJson(t.app, admin, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'onprem', region: 'default', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', rates: { cpuCoreHour: 1_000_000, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
    });
    const hour = new Date(lastMonth.getTime() + 36 * 3_600_000).toISOString();
    await expectJson(t.app, admin, 'POST', api('/cost/usage'), 200, {
      body: { samples: [{ cluster: 'c1', namespace: 'hx-finance', pod: 'a', hour, cpuRequestMcores: 3000, labels: { team: 'ledger' } }, { cluster: 'c1', namespace: 'legacy', pod: 'b', hour, cpuRequestMcores: 1000 }] },
    });
    ({ browser, page, errors } = await openSignedInConsole(base, { stepMs: STEP, acceptDownloads: true }));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows last month by business unit, the trend, and downloads the PDF', async () => {
    await page.goto(`/orgs/${orgId}/cost-reports`);
    expect(await page.getByTestId('report-period').inputValue()).toBe(lastMonth.toISOString().slice(0, 7));
    await expect.poll(() => page.getByTestId('report-total').innerText(), { timeout: STEP }).toBe('Total 4.00 USD');
    const rows = await page.getByTestId('report-units').locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split(/[\t\n]/)[0]!.trim())).toEqual(['Finance-BU', 'Unallocated']);
    expect(rows[0]).toContain('3.00 USD');
    expect(await page.getByTestId('report-labels').innerText()).toContain('ledger');
    await expect.poll(() => page.getByTestId('report-trend').locator('.recharts-bar-rectangle').count(), { timeout: STEP }).toBeGreaterThanOrEqual(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-pdf').click()]);
    expect(download.suggestedFilename()).toBe(`cost-report-${lastMonth.toISOString().slice(0, 7)}.pdf`);
    expect(errors).toEqual([]);
  }, 60_000);
});
