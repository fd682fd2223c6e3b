import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let apiKey: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  const orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', currency: 'EUR', timeZone: 'UTC' } })).id;
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Finance-BU', slug: 'finance' } });
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/cost/prices`, 201, {
    body: { provider: 'aws', region: 'eu-west-1', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'EUR', rates: { cpuCoreHour: 1_000_000, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
  });
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/cost/usage`, 200, {
    body: { provider: 'aws', region: 'eu-west-1', samples: [{ cluster: 'prod', namespace: 'hx-finance', pod: 'a', hour: '2026-01-10T00:00:00Z', cpuRequestMcores: 12_000 }] },
  });
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-billing-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => t?.close());

describe('hexaplane report', () => {
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-report-cli-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl } });

  it('shows a month, exports it as CSV and PDF, and manages a schedule', async () => {
    await cli('login', '--api-key', apiKey);
    const { stdout: table } = await cli('report', 'show', '--period', '2026-01');
    expect(table).toContain('Acme: 2026-01, total 12.000000 EUR');
    expect(table).toMatch(/Finance-BU[\s│]+12\.000000/);
    const { stdout: csv } = await cli('report', 'csv', '--period', '2026-01');
    expect(csv.trim().split('\n').at(-1)).toBe('total,2026-01,,Acme,,,,12.000000,EUR');
    const out = path.join(configHome, 'report.pdf');
    await cli('report', 'pdf', '--period', '2026-01', '--out', out);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');

    const created = JSON.parse((await cli('report', 'schedule', 'create', 'Monthly', '--to', 'cfo@acme.test', '--no-managers', '--day', '3', '-o', 'json')).stdout);
    expect(created).toMatchObject({ recipients: 'emails', emails: ['cfo@acme.test'], dayOfMonth: 3, format: 'pdf' });
    expect((await cli('report', 'schedule', 'list')).stdout).toContain('cfo@acme.test');
    await cli('report', 'schedule', 'delete', created.id);
    expect((await cli('report', 'schedule', 'list')).stdout).not.toContain('Monthly');
  });
});
