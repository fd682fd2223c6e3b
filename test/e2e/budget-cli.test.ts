import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

const run = promisify(execFile);
const HOUR = 3_600_000;
let t: TestApp;
let baseUrl: string;
let orgId: string;
let apiKey: string;
let financeId: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  financeId = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Finance-BU', slug: 'finance' } })).id;
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-billing-admin' } })).secret;
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/cost/prices`, 201, {
    body: { provider: 'aws', region: 'eu-west-1', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', rates: { cpuCoreHour: 40_000, memoryGibHour: 5_000, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
  });
  // The current hour: always inside the budget's period, whatever the day of the month. 5 cores × 0.04 = 0.20.
  const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString();
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/cost/usage`, 200, {
    body: { provider: 'aws', region: 'eu-west-1', samples: [{ cluster: 'prod', namespace: 'hx-finance', pod: 'ledger-0', hour, cpuRequestMcores: 5000, cpuUsageMcores: 2500 }] },
  });
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => t?.close());

describe('hexaplane budget', () => {
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-budget-cli-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl } });

  it('creates, shows, evaluates, updates and deletes a budget', async () => {
    await cli('login', '--api-key', apiKey);
    const created = JSON.parse(
      (await cli('budget', 'create', 'Finance monthly', '--workspace', financeId, '--period', 'monthly', '--amount', '1', '--threshold', '10', '--threshold', '100:forecast', '--on-exceeded', 'block', '-o', 'json')).stdout,
    );
    expect(created).toMatchObject({ workspaceId: financeId, amount: '1.000000', currency: 'USD', onExceeded: 'block', thresholds: [{ percent: 10, basis: 'actual' }, { percent: 100, basis: 'forecast' }] });
    const id = created.id as string;

    const { stdout: list } = await cli('budget', 'list');
    expect(list).toContain('Finance monthly');
    expect(list).toContain('1.000000 USD');
    expect(list).toContain('10%, 100% (forecast)');

    const status = JSON.parse((await cli('budget', 'status', id, '-o', 'json')).stdout);
    expect(status).toMatchObject({ actual: '0.200000', actualPercent: 20, decision: 'allow' });
    const { stdout: table } = await cli('budget', 'evaluate', id);
    expect(table).toContain('1.000000 USD');
    expect(table).toMatch(/0\.200000 USD \(20\.0 %\)/);
    expect(table).toContain('THRESHOLD 10% actual');
    expect(table).toMatch(/crossed, alerted \d{4}-/);
    expect(table).toContain('allow');

    const { stdout: decision } = await cli('budget', 'decision', '--workspace', financeId);
    expect(decision).toContain('decision: allow');
    expect(decision).toContain('20.0 %');
    const quota = JSON.parse((await cli('budget', 'quota', id, '-o', 'json')).stdout);
    expect(quota).toMatchObject({ budgetId: id, remaining: '0.800000' });

    // Below spend: actual is 200 % of 0.10, so new workloads are blocked.
    const updated = JSON.parse((await cli('budget', 'update', id, '--amount', '0.1', '-o', 'json')).stdout);
    expect(updated.amount).toBe('0.100000');
    expect((await cli('budget', 'decision', '--workspace', financeId)).stdout).toContain('decision: block');

    await expect(cli('budget', 'create', 'Bad', '--workspace', financeId, '--period', 'weekly', '--amount', '1')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('period') });
    await expect(cli('budget', 'update', id, '--amount', '0.1', '--if-match', '"v1"')).rejects.toMatchObject({ code: 1 });

    expect((await cli('budget', 'delete', id)).stdout).toContain(`deleted ${id}`);
    await expect(cli('budget', 'get', id)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('404') });
  }, 120_000);
});
