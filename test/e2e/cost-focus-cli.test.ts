import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFocusCsv } from '../../src/modules/cost/focus.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let apiKey: string;
let orgId: string;
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

describe('hexaplane cost focus', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-focus-cli-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: home, HEXAPLANE_URL: baseUrl } });
  const header = 'BilledCost,EffectiveCost,ListCost,ContractedCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ServiceName,ServiceCategory,ProviderName,Tags';
  const row = (cost: string, tags: string) => `${cost},${cost},${cost},${cost},USD,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,Usage,Amazon EC2,Compute,AWS,${tags}`;

  it('creates rules, imports a bill, shows its allocation and exports FOCUS', async () => {
    await cli('login', '--api-key', apiKey);
    const rule = JSON.parse((await cli('cost', 'focus', 'rules', 'create', '--tag', 'team', '--pattern', 'fin.*', '--workspace', financeId, '-o', 'json')).stdout);
    expect(rule).toMatchObject({ tagKey: 'team', pattern: 'fin.*', workspaceId: financeId, position: 0 });
    expect((await cli('cost', 'focus', 'rules', 'list')).stdout).toContain('~ fin.*');
    await expect(cli('cost', 'focus', 'rules', 'create', '--tag', 'team', '--pattern', '(', '--workspace', financeId)).rejects.toMatchObject({ code: 1 });

    const file = path.join(home, 'bill.csv');
    writeFileSync(file, `${header}\n${row('10.25', '"{""team"":""finance""}"')}\n${row('1.5', '')}\n`);
    const { stdout } = await cli('cost', 'focus', 'import', file);
    expect(stdout).toContain(financeId);
    expect(stdout).toContain('10.250000');
    expect(stdout).toMatch(/unallocated[│\s]+1[│\s]+1\.500000/);
    expect(stdout).toMatch(/TOTAL[│\s]+2[│\s]+11\.750000/);
    await expect(cli('cost', 'focus', 'import', file)).rejects.toMatchObject({ code: 1 });
    const imports = JSON.parse((await cli('cost', 'focus', 'imports', '-o', 'json')).stdout);
    expect(imports).toHaveLength(1);

    const { stdout: csv } = await cli('cost', 'focus', 'export', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z');
    const exported = parseFocusCsv(csv);
    expect(exported.effectiveTotalMicros).toBe(11_750_000n);
    expect(exported.lines.find((l) => l.tags['hexaplane/workspace-id'] === financeId)?.effectiveCostMicros).toBe(10_250_000n);
  }, 120_000);
});
