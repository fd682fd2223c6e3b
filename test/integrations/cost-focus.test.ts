import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateFocusLines, exportTagKeys, parseFocusCsv } from '../../src/modules/cost/focus.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;
let finance: { id: string; slug: string };
let web: { id: string; slug: string };
let ledger: { id: string };
const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;

// The FOCUS 1.x column set as providers publish it (a subset of the optional columns, plus a provider extension).
const header = [
  'BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency', 'BillingAccountId', 'BillingAccountName',
  'BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ChargeClass', 'ChargeDescription',
  'ChargeFrequency', 'ConsumedQuantity', 'ConsumedUnit', 'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'InvoiceIssuerName',
  'RegionId', 'RegionName', 'ResourceId', 'ResourceName', 'ResourceType', 'ServiceCategory', 'ServiceName', 'SkuId', 'SubAccountId', 'SubAccountName',
  'Tags', 'x_UsageType',
];

interface BillLine { billed: string; effective: string; day: number; category?: string; service: string; serviceCategory: string; resource: string; tags: Record<string, string> | null }

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function bill(lines: BillLine[], currency = 'EUR'): string {
  const rows = lines.map((l) => {
    const day = String(l.day).padStart(2, '0');
    const next = String(l.day + 1).padStart(2, '0');
    const cells: Record<string, string> = {
      BilledCost: l.billed, EffectiveCost: l.effective, ListCost: l.billed, ContractedCost: l.billed, BillingCurrency: currency,
      BillingAccountId: '123456789012', BillingAccountName: 'Acme payer', BillingPeriodStart: '2026-03-01T00:00:00Z', BillingPeriodEnd: '2026-04-01T00:00:00Z',
      ChargePeriodStart: `2026-03-${day}T00:00:00Z`, ChargePeriodEnd: `2026-03-${next}T00:00:00Z`, ChargeCategory: l.category ?? 'Usage', ChargeClass: '',
      ChargeDescription: `${l.service} on day ${l.day}`, ChargeFrequency: 'Usage-Based', ConsumedQuantity: '24', ConsumedUnit: 'Hours', PricingQuantity: '24', PricingUnit: 'Hours',
      ProviderName: 'AWS', PublisherName: 'AWS', InvoiceIssuerName: 'AWS', RegionId: 'eu-central-1', RegionName: 'Europe (Frankfurt)',
      ResourceId: l.resource, ResourceName: l.resource, ResourceType: 'Instance', ServiceCategory: l.serviceCategory, ServiceName: l.service,
      SkuId: 'SKU1', SubAccountId: '210987654321', SubAccountName: 'acme-prod', Tags: l.tags ? JSON.stringify(l.tags) : '', x_UsageType: 'BoxUsage',
    };
    return header.map((h) => csvCell(cells[h]!)).join(',');
  });
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}

// CSV line numbers: the header is line 1, so these are lines 2..10.
const lines: BillLine[] = [
  { billed: '14.00', effective: '12.345678', day: 1, service: 'Amazon Elastic Compute Cloud', serviceCategory: 'Compute', resource: 'i-0fin1', tags: { team: 'finance', env: 'prod' } },
  { billed: '14.00', effective: '12.345678', day: 2, service: 'Amazon Elastic Compute Cloud', serviceCategory: 'Compute', resource: 'i-0fin1', tags: { team: 'finance', env: 'prod' } },
  { billed: '3.210001', effective: '3.210001', day: 1, service: 'Amazon Simple Storage Service', serviceCategory: 'Storage', resource: 'shop-assets', tags: { team: 'web-shop' } },
  { billed: '8', effective: '7.5', day: 2, service: 'Amazon Relational Database Service', serviceCategory: 'Databases', resource: 'db-checkout', tags: { team: 'web-checkout' } },
  { billed: '1.000001', effective: '1.000001', day: 1, service: 'Amazon CloudWatch', serviceCategory: 'Management and Governance', resource: 'logs', tags: null },
  { billed: '2.5', effective: '2.5', day: 2, category: 'Tax', service: 'Tax', serviceCategory: 'Other', resource: '', tags: null },
  { billed: '-5.00', effective: '-5.000000', day: 2, category: 'Credit', service: 'Amazon Elastic Compute Cloud', serviceCategory: 'Compute', resource: 'i-0fin1', tags: { team: 'finance' } },
  { billed: '0.999999', effective: '0.999999', day: 3, service: 'AWS Lambda', serviceCategory: 'Compute', resource: 'fn-ledger', tags: { 'cost-center': 'cc-150' } },
  // "webshop" must not match the anchored pattern web-(shop|checkout).
  { billed: '4.444444', effective: '4.444444', day: 3, service: 'Amazon Elastic Compute Cloud', serviceCategory: 'Compute', resource: 'i-0stray', tags: { team: 'webshop' } },
];

const count = async (table: string) => (await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)} WHERE org_id = ${orgId}`.execute(t.db)).rows[0]!.n;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Billed', slug: 'billed', currency: 'EUR', timeZone: 'UTC' } })).id;
  finance = await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Finance', slug: 'finance' } });
  web = await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Web', slug: 'web' } });
  ledger = await expectJson(t.app, admin, 'POST', api('/projects'), 201, { body: { workspaceId: finance.id, name: 'Ledger', slug: 'ledger' } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('FOCUS tag rules', () => {
  it('refuses a bad regex naming pattern, and a project of another workspace naming projectId', async () => {
    const bad = await call(t.app, admin, 'POST', api('/cost/focus-rules'), { body: { tagKey: 'team', pattern: 'web-(', workspaceId: web.id } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json()).toMatchObject({ field: 'pattern', type: expect.stringContaining('invalid-pattern') });
    const elsewhere = await call(t.app, admin, 'POST', api('/cost/focus-rules'), { body: { tagKey: 'team', value: 'x', workspaceId: web.id, projectId: ledger.id } });
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().field).toBe('projectId');
    expect(await count('cost_focus_rules')).toBe('0');
  });

  it('creates ordered rules and updates them under If-Match', async () => {
    await expectJson(t.app, admin, 'POST', api('/cost/focus-rules'), 201, { body: { tagKey: 'team', value: 'finance', workspaceId: finance.id, projectId: ledger.id } });
    const webRule = await expectJson(t.app, admin, 'POST', api('/cost/focus-rules'), 201, { body: { tagKey: 'team', pattern: 'web-(shop|checkout)', workspaceId: finance.id } });
    const cc = await expectJson(t.app, admin, 'POST', api('/cost/focus-rules'), 201, { body: { tagKey: 'cost-center', pattern: 'cc-1\\d\\d', workspaceId: finance.id } });
    expect(cc.position).toBe(2);
    const stale = await call(t.app, admin, 'PATCH', api(`/cost/focus-rules/${webRule.id}`), { body: { workspaceId: web.id }, headers: { 'if-match': '"v99"' } });
    expect(stale.statusCode).toBe(412);
    const fixed = await expectJson(t.app, admin, 'PATCH', api(`/cost/focus-rules/${webRule.id}`), 200, { body: { workspaceId: web.id }, headers: { 'if-match': `"v${webRule.version}"` } });
    expect(fixed).toMatchObject({ workspaceId: web.id, pattern: 'web-(shop|checkout)', version: 2 });
    // Giving a value replaces the pattern (and back), so a rule matches one way only.
    const toValue = await expectJson(t.app, admin, 'PATCH', api(`/cost/focus-rules/${cc.id}`), 200, { body: { value: 'cc-150' } });
    expect(toValue).toMatchObject({ value: 'cc-150', pattern: null });
    expect(await expectJson(t.app, admin, 'PATCH', api(`/cost/focus-rules/${cc.id}`), 200, { body: { pattern: 'cc-1\\d\\d' } })).toMatchObject({ value: null, pattern: 'cc-1\\d\\d' });
    const both = await call(t.app, admin, 'PATCH', api(`/cost/focus-rules/${cc.id}`), { body: { value: 'a', pattern: 'b' } });
    expect(both.statusCode).toBe(400);
    expect(both.json().field).toBe('pattern');
    const list = await expectJson(t.app, admin, 'GET', api('/cost/focus-rules'), 200);
    expect(list.items.map((r: { tagKey: string }) => r.tagKey)).toEqual(['team', 'team', 'cost-center']);
  });
});

describe('FOCUS bill import', () => {
  let importId: string;

  it('refuses a malformed bill with line and column, writing nothing', async () => {
    const broken = bill(lines).replace('0.999999,0.999999', '0.999999,zero').replace('2026-03-03T00:00:00Z,2026-03-04', 'yesterday,2026-03-04');
    const res = await call(t.app, admin, 'POST', api('/cost/focus-imports'), { body: { csv: broken } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ line: 9, column: 'EffectiveCost' }),
      expect.objectContaining({ line: 9, column: 'ChargePeriodStart' }),
    ]));
    const dollars = await call(t.app, admin, 'POST', api('/cost/focus-imports'), { body: { csv: bill(lines, 'USD') } });
    expect(dollars.statusCode).toBe(422);
    expect(dollars.json()).toMatchObject({ field: 'csv', errors: [expect.objectContaining({ column: 'BillingCurrency' })] });
    expect(await count('cost_focus_imports')).toBe('0');
    expect(await count('cost_focus_lines')).toBe('0');
  });

  it('maps tags to workspaces and projects, keeps the unallocated rest, and reconciles to the micro-unit', async () => {
    const imported = await expectJson(t.app, admin, 'POST', api('/cost/focus-imports'), 201, { body: { csv: bill(lines) } });
    importId = imported.id;
    expect(imported).toMatchObject({ currency: 'EUR', costColumn: 'EffectiveCost', rowCount: 9, chargePeriodStart: '2026-03-01T00:00:00.000Z', chargePeriodEnd: '2026-03-04T00:00:00.000Z' });
    // Σ EffectiveCost = 12.345678×2 + 3.210001 + 7.5 + 1.000001 + 2.5 − 5 + 0.999999 + 4.444444
    expect(imported.effectiveTotal).toBe(39_345_801);
    expect(imported.billedTotal).toBe(43_154_445);
    const a = imported.allocation;
    const target = (ws: string, project: string | null) => a.byTarget.find((x: { workspaceId: string; projectId: string | null }) => x.workspaceId === ws && x.projectId === project);
    expect(target(finance.id, ledger.id)).toMatchObject({ cost: 19_691_356, lines: 3 }); // two EC2 days and the credit
    expect(target(web.id, null)).toMatchObject({ cost: 10_710_001, lines: 2 });
    expect(target(finance.id, null)).toMatchObject({ cost: 999_999, lines: 1 });
    expect(a.unallocated).toEqual({ cost: 7_944_445, lines: 3 }); // untagged, tax, "webshop"
    expect(a.total).toBe(39_345_801);
    expect(a.byTarget.reduce((s: number, x: { cost: number }) => s + x.cost, 0) + a.unallocated.cost).toBe(a.total);
    expect(await expectJson(t.app, admin, 'GET', api(`/cost/focus-imports/${importId}`), 200)).toEqual(imported);
  });

  it('counts the bill in the cost allocation: direct cost of the mapped workspace or project, by charge day', async () => {
    const window = { from: '2026-03-01T00:00:00Z', to: '2026-03-04T00:00:00Z' };
    const byWs = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { ...window, groupBy: 'workspace', series: 'day' } });
    expect(byWs.total).toBe(39_345_801);
    const group = (a: { groups: { key: string }[] }, key: string) => a.groups.find((g) => g.key === key);
    expect(group(byWs, finance.id)).toEqual({ key: finance.id, name: 'Finance', direct: 20_691_355, idle: 0, shared: 0, total: 20_691_355 });
    expect(group(byWs, web.id)).toMatchObject({ name: 'Web', direct: 10_710_001, total: 10_710_001 });
    expect(group(byWs, 'unallocated')).toMatchObject({ total: 7_944_445 });
    expect(byWs.series).toEqual([
      { day: '2026-03-01', total: 16_555_680, groups: { [finance.id]: 12_345_678, [web.id]: 3_210_001, unallocated: 1_000_001 } },
      { day: '2026-03-02', total: 17_345_678, groups: { [finance.id]: 7_345_678, [web.id]: 7_500_000, unallocated: 2_500_000 } },
      { day: '2026-03-03', total: 5_444_443, groups: { [finance.id]: 999_999, unallocated: 4_444_444 } },
    ]);
    const byProject = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { ...window, groupBy: 'project' } });
    expect(group(byProject, ledger.id)).toMatchObject({ name: 'Ledger', total: 19_691_356 });
    expect(group(byProject, 'unallocated')).toMatchObject({ total: 39_345_801 - 19_691_356 });
    // Outside the bill's charge days nothing is added.
    const before = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { from: '2026-02-01T00:00:00Z', to: '2026-03-01T00:00:00Z' } });
    expect(before.total).toBe(0);
  });

  it('refuses the same file twice (409 naming the import) and writes nothing', async () => {
    const again = await call(t.app, admin, 'POST', api('/cost/focus-imports'), { body: { csv: bill(lines) } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ importId, field: 'csv' });
    expect(await count('cost_focus_imports')).toBe('1');
    expect(await count('cost_focus_lines')).toBe('9');
  });

  it('reallocates after a rule change, and audits it', async () => {
    await expectJson(t.app, admin, 'POST', api('/cost/focus-rules'), 201, { body: { tagKey: 'team', value: 'webshop', workspaceId: web.id } });
    const after = await expectJson(t.app, admin, 'POST', api(`/cost/focus-imports/${importId}/reallocate`), 200);
    expect(after.allocation.unallocated).toEqual({ cost: 3_500_001, lines: 2 });
    expect(after.allocation.byTarget.find((x: { workspaceId: string; projectId: string | null }) => x.workspaceId === web.id && x.projectId === null)).toMatchObject({ cost: 15_154_445, lines: 3 });
    expect(after.allocation.total).toBe(39_345_801);
    const events = await expectJson(t.app, admin, 'GET', api('/audit-events'), 200, { query: { action: 'cost:configure', limit: '100' } });
    const imports = events.items.filter((e: { target: { type: string } }) => e.target.type === 'cost-focus-import');
    expect(imports).toHaveLength(2);
  });
});

describe('FOCUS export', () => {
  it('exports Hexaplane allocations as FOCUS that the rules map back to the same workspaces', async () => {
    await expectJson(t.app, admin, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'aws', region: 'eu-west-1', effectiveFrom: '2026-01-01T00:00:00Z', currency: 'EUR', rates: { cpuCoreHour: 40_000, memoryGibHour: 5_000, storageGibMonth: 0, gpuHour: 0, egressGib: 0 } },
    });
    const sample = (ns: string, pod: string, hour: string, mcores: number) => ({ cluster: 'eks-1', namespace: ns, pod, hour, cpuRequestMcores: mcores, cpuUsageMcores: mcores, memoryRequestMib: 1024, memoryUsageMib: 512 });
    await expectJson(t.app, admin, 'POST', api('/cost/usage'), 200, {
      body: {
        provider: 'aws', region: 'eu-west-1',
        samples: [
          sample(`hx-${finance.slug}`, 'ledger-0', '2026-03-01T10:00:00Z', 1500),
          sample(`hx-${finance.slug}`, 'ledger-0', '2026-03-02T10:00:00Z', 1000),
          sample(`hx-${web.slug}`, 'shop-0', '2026-03-02T11:00:00Z', 2000),
          sample('kube-system', 'coredns-0', '2026-03-02T11:00:00Z', 333),
        ],
      },
    });
    const window = { from: '2026-03-01T00:00:00Z', to: '2026-03-03T00:00:00Z' };
    const allocation = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { ...window, groupBy: 'workspace' } });
    const res = await call(t.app, admin, 'GET', api('/cost/focus-export'), { query: window });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const exported = parseFocusCsv(res.body);
    expect(exported.currency).toBe('EUR');
    expect(exported.effectiveTotalMicros).toBe(BigInt(allocation.total));
    const rules = [finance, web].map((w) => ({ tagKey: exportTagKeys.workspaceId, value: w.id, workspaceId: w.id }));
    const back = allocateFocusLines(exported, rules);
    const groupTotal = (key: string) => BigInt(allocation.groups.find((g: { key: string }) => g.key === key)?.total ?? 0);
    for (const w of [finance, web]) expect(back.byTarget.find((x) => x.workspaceId === w.id)?.costMicros).toBe(groupTotal(w.id));
    expect(groupTotal(finance.id)).toBeGreaterThan(0n);
    expect(back.unallocated.costMicros).toBe(BigInt(allocation.total) - groupTotal(finance.id) - groupTotal(web.id));

    // The export is itself a bill the import takes back, in the org's currency.
    for (const r of rules) await expectJson(t.app, admin, 'POST', api('/cost/focus-rules'), 201, { body: { ...r, position: 0 } });
    const reimported = await expectJson(t.app, admin, 'POST', api('/cost/focus-imports'), 201, { body: { csv: res.body } });
    expect(reimported.allocation.total).toBe(allocation.total);
    for (const w of [finance, web]) expect(BigInt(reimported.allocation.byTarget.find((x: { workspaceId: string }) => x.workspaceId === w.id)?.cost ?? 0)).toBe(groupTotal(w.id));
  });
});
