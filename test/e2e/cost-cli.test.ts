import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

const run = promisify(execFile);
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
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => t?.close());

describe('hexaplane cost', () => {
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-cost-cli-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl } });

  it('manages prices with decimal amounts, exports and imports CSV', async () => {
    await cli('login', '--api-key', apiKey);
    const created = JSON.parse((await cli('cost', 'price', 'create', '--provider', 'aws', '--region', 'eu-west-1', '--from', '2026-01-01T00:00:00Z', '--currency', 'USD', '--cpu', '0.04', '--memory', '0.005', '--discount', '10', '-o', 'json')).stdout);
    expect(created).toMatchObject({ rates: { cpuCoreHour: 40_000, memoryGibHour: 5_000 }, discountBp: 1000 });
    const { stdout: table } = await cli('cost', 'price', 'list');
    expect(table).toContain('aws/eu-west-1');
    expect(table).toContain('0.040000');
    expect(table).toContain('10.00 %');
    const { stdout: csv } = await cli('cost', 'price', 'export');
    expect(csv.split('\n')[0]).toBe('provider,region,effective_from,currency,kind,cpu_core_hour,memory_gib_hour,storage_gib_month,gpu_hour,egress_gib,discount_percent,note');
    const file = path.join(configHome, 'prices.csv');
    writeFileSync(file, `${csv}aws,eu-west-1,2026-03-01T00:00:00Z,USD,list,0.05,0.005,0,0,0,0,spring\n`);
    expect((await cli('cost', 'price', 'import', file)).stdout).toContain('created 1, updated 0, unchanged 1');
    await expect(cli('cost', 'price', 'create', '--provider', 'aws', '--region', 'eu-west-1', '--from', '2026-01-01T00:00:00Z', '--currency', 'EUR', '--cpu', '1', '--memory', '1')).rejects.toMatchObject({ code: 1 });
  }, 120_000);

  it('prints an allocation whose groups sum to the total', async () => {
    const admin = await signIn(t.app);
    const samples = Array.from({ length: 24 }, (_, h) => ({ cluster: 'c1', namespace: 'hx-finance', pod: 'web-0', hour: new Date(Date.UTC(2026, 1, 1, h)).toISOString(), cpuRequestMcores: 1000, cpuUsageMcores: 500, memoryRequestMib: 1024, memoryUsageMib: 1024 }));
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/cost/usage`, 200, { body: { provider: 'aws', region: 'eu-west-1', samples } });
    const a = JSON.parse((await cli('cost', 'allocation', '--from', '2026-02-01T00:00:00Z', '--to', '2026-02-02T00:00:00Z', '-o', 'json')).stdout);
    // 24 core-hours × 0.04 + 24 GiB-hours × 0.005 = 1.08, 10 % off = 0.972.
    expect(a.total).toBe(972_000);
    expect(a.groups[0]).toMatchObject({ key: financeId, total: 972_000 });
    const { stdout } = await cli('cost', 'allocation', '--from', '2026-02-01T00:00:00Z', '--to', '2026-02-02T00:00:00Z');
    expect(stdout).toContain('Finance-BU');
    expect(stdout).toContain('0.972000');
  }, 120_000);
});
