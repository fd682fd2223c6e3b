import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
  const orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', currency: 'EUR' } })).id;
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Finance-BU', slug: 'finance' } });
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-billing-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => t?.close());

describe('hexaplane contract', () => {
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-contract-cli-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl } });

  it('creates a contract, prints a closed period trued up, and its statement as CSV', async () => {
    await cli('login', '--api-key', apiKey);
    const created = JSON.parse((await cli('contract', 'create', 'Platform', '--period', 'monthly', '--commitment', '1000', '--starts-on', '2026-01-01', '--overage-rate', '125', '-o', 'json')).stdout);
    expect(created).toMatchObject({ commitment: '1000.000000', currency: 'EUR', overageRateBp: 12_500 });
    const { stdout: table } = await cli('contract', 'list');
    expect(table).toContain('1000.000000 EUR');
    expect(table).toContain('125.00 %');
    // Nothing was used in January: the whole commitment is owed at close.
    const { stdout: statement } = await cli('contract', 'statement', created.id, '--period', '2026-01-20');
    expect(statement).toContain('2026-01-01 – 2026-02-01 (closed)');
    expect(statement).toContain('true-up 1000.000000');
    const { stdout: csv } = await cli('contract', 'statement', created.id, '--period', '2026-01-20', '--csv');
    expect(csv.split('\n')[0]).toBe('unit,name,share_bp,showback,chargeback,currency');
    expect(csv).toMatch(/^total,2026-01-01\.\.2026-02-01,10000,0\.000000,1000\.000000,EUR$/m);
    // Not a period start: refused with the problem's detail and exit code 1.
    const refused = await cli('contract', 'create', 'Bad', '--period', 'quarterly', '--commitment', '1', '--starts-on', '2026-02-01').catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('starts on the first day of a quarter');
  });
});
