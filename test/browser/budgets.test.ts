/**
 * Issue 5 in a real browser: a budget created through the console form, its detail page's
 * figures and burn-down chart against the status API, "Evaluate now" recording the alert of the
 * crossed threshold, and the cost explorer showing the same spend as the budget's actual.
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
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Picks an option of a Mantine Select by its label (options render in a portal). */
async function choose(page: Page, testId: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: label, exact: true }).click();
  await expect.poll(() => page.getByTestId(testId).inputValue(), { timeout: STEP }).toBe(label);
}

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('budgets in the console', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let orgId: string;
  let financeId: string;
  let channelId: string;
  let errors: string[] = [];
  // The current hour: always inside a monthly budget's period, whatever the day of the month.
  const hourMs = Math.floor(Date.now() / HOUR) * HOUR;

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
    const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;
    financeId = (await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Finance-BU', slug: 'finance' } })).id;
    await expectJson(t.app, admin, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'onprem', region: 'default', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', rates: { cpuCoreHour: 40_000, memoryGibHour: 5_000, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
    });
    // 2 cores × 0.04 + 4 GiB × 0.005 = 0.10 for the hour.
    await expectJson(t.app, admin, 'POST', api('/cost/usage'), 200, {
      body: { samples: [{ cluster: 'c1', namespace: 'hx-finance', pod: 'ledger-0', hour: new Date(hourMs).toISOString(), cpuRequestMcores: 2000, cpuUsageMcores: 1500, memoryRequestMib: 4096, memoryUsageMib: 2048 }] },
    });
    channelId = (await expectJson(t.app, admin, 'POST', api('/notification-channels'), 201, { body: { name: 'Finance managers', kind: 'email', recipients: ['cfo@acme.test'] } })).id;
    ({ browser, page, errors } = await openSignedInConsole(base, { stepMs: STEP }));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('creates a budget in the form; its detail shows the status API figures and a burn-down chart', async () => {
    await page.goto(`/orgs/${orgId}/cost`);
    await page.getByTestId('nav-budgets').click();
    await page.waitForURL(/\/budgets$/);
    await page.getByTestId('budget-create').click();
    await page.getByTestId('budget-name').fill('Finance monthly');
    await choose(page, 'budget-workspace', 'Finance-BU');
    await page.getByTestId('budget-amount').fill('0.15');
    // Drop the 90 % threshold, add one on the forecast.
    await page.getByTestId('budget-threshold-remove').nth(2).click();
    await page.getByTestId('budget-threshold-add').click();
    await expect.poll(() => page.getByTestId('budget-threshold').count(), { timeout: STEP }).toBe(4);
    await page.getByTestId('budget-channels').click();
    await page.getByRole('option', { name: 'Finance managers' }).click();
    await page.getByTestId('budget-channels').blur();
    await page.getByRole('listbox').waitFor({ state: 'hidden' });
    await choose(page, 'budget-on-exceeded', 'Require approval for new workloads');
    await page.getByTestId('budget-submit').click();

    const row = page.getByTestId('budget-row').filter({ hasText: 'Finance monthly' });
    await row.waitFor();
    const admin = await signIn(t.app);
    const list = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/budgets`, 200);
    expect(list.items).toMatchObject([
      {
        name: 'Finance monthly', workspaceId: financeId, projectId: null, label: null, period: 'monthly', amount: '0.150000', channelIds: [channelId], onExceeded: 'require-approval',
        thresholds: [{ percent: 50, basis: 'actual' }, { percent: 80, basis: 'actual' }, { percent: 100, basis: 'actual' }, { percent: 100, basis: 'forecast' }],
      },
    ]);
    const budgetId = list.items[0].id as string;
    await expect.poll(() => row.getByTestId('budget-row-actual').innerText(), { timeout: STEP }).toBe('66.7 %');
    expect(await row.getByTestId('budget-decision').getAttribute('data-decision')).toBe('allow');

    await row.getByTestId('budget-link').click();
    await page.waitForURL(new RegExp(`/budgets/${budgetId}$`));
    const status = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/budgets/${budgetId}/status`, 200);
    expect(status).toMatchObject({ amount: '0.150000', actual: '0.100000', decision: 'allow' });
    await expect.poll(() => page.getByTestId('budget-actual').innerText(), { timeout: STEP }).toBe('0.10 USD');
    expect(await page.getByTestId('budget-actual-percent').innerText()).toBe('66.7 %');
    expect(await page.getByTestId('budget-amount').innerText()).toBe('0.15 USD');
    expect(await page.getByTestId('budget-decision').getAttribute('data-decision')).toBe('allow');
    expect(await page.getByTestId('budget-forecast').innerText()).toBe(`${status.forecast.point.slice(0, status.forecast.point.indexOf('.') + 3)} USD`);

    // One point per day of the period: cumulative actual up to today, then the forecast.
    const chart = page.getByTestId('budget-burndown');
    expect(Number(await chart.getAttribute('data-points'))).toBe(status.period.days);
    expect(status.burndown).toHaveLength(status.period.days);
    // The complete days and today, whose point carries the spend so far.
    const actualDays = status.burndown.filter((d: { actual: string | null }) => d.actual !== null).length;
    expect(actualDays).toBe(status.period.daysElapsed + 1);
    expect(Number(await chart.getAttribute('data-actual-days'))).toBe(actualDays);
    expect(await chart.getAttribute('data-actual-total')).toBe('0.100000');
    await expect.poll(() => chart.locator('.recharts-line').count(), { timeout: STEP }).toBe(2);
    expect(await chart.locator('.recharts-area').count()).toBe(1);
    expect(await chart.locator('.recharts-reference-line').textContent()).toContain('Budget 0.15 USD');
    expect(await chart.locator('.recharts-legend-item').allInnerTexts()).toEqual(expect.arrayContaining(['Actual (cumulative)', 'Forecast']));
    const actualPath = await chart.locator('.recharts-line').first().locator('path.recharts-curve').getAttribute('d');
    expect(actualPath).toMatch(/^M[\d.]+,[\d.]+/);

    // Thresholds before and after "Evaluate now": 50 % of actual is crossed and gets alerted.
    const fifty = page.getByTestId('budget-threshold-row').first();
    expect(await fifty.innerText()).toContain('not yet');
    await page.getByTestId('budget-evaluate').click();
    await expect.poll(() => fifty.innerText(), { timeout: STEP }).not.toContain('not yet');
    expect(await fifty.getAttribute('data-crossed')).toBe('true');
    expect(await page.getByTestId('budget-threshold-row').nth(1).innerText()).toContain('not yet');
    const after = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/budgets/${budgetId}/status`, 200);
    expect(after.thresholds[0]).toMatchObject({ percent: 50, crossed: true, alertedAt: expect.any(String) });

    // 0.05 left for the rest of the period.
    await expect.poll(() => page.getByTestId('budget-quota').innerText(), { timeout: STEP }).toContain('0.05 USD left');
    expect(errors).toEqual([]);
  }, 90_000);

  it("the cost explorer's total for the same window equals the budget's actual", async () => {
    await page.goto(`/orgs/${orgId}/cost`);
    const day = Math.floor(hourMs / DAY) * DAY;
    await page.getByTestId('cost-from').fill(new Date(day).toISOString().slice(0, 10));
    await page.getByTestId('cost-to').fill(new Date(day + DAY).toISOString().slice(0, 10));
    await expect.poll(() => page.getByTestId('cost-total').innerText(), { timeout: STEP }).toBe('Total 0.10 USD');
    const rows = await page.getByTestId('cost-table').locator('tbody tr').allInnerTexts();
    expect(rows[0]).toContain('Finance-BU');
    expect(rows[0]).toContain('0.10 USD');
    expect(errors).toEqual([]);
  }, 60_000);

  it('edits and deletes the budget from the list', async () => {
    await page.goto(`/orgs/${orgId}/budgets`);
    const row = page.getByTestId('budget-row').filter({ hasText: 'Finance monthly' });
    await row.getByTestId('budget-edit').click();
    await page.getByTestId('budget-amount').fill('0.08');
    await page.getByTestId('budget-submit').click();
    // Now spent beyond the amount with require-approval: 125 %.
    await expect.poll(() => row.getByTestId('budget-row-actual').innerText(), { timeout: STEP }).toBe('125.0 %');
    expect(await row.getByTestId('budget-decision').getAttribute('data-decision')).toBe('require-approval');
    await row.getByTestId('budget-delete').click();
    await page.getByTestId('budget-delete-confirm').click();
    await expect.poll(() => page.getByTestId('budget-row').count(), { timeout: STEP }).toBe(0);
    const admin = await signIn(t.app);
    expect((await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/budgets`, 200)).items).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
