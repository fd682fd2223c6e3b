import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { inviteAndSignIn } from '../support/world.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let billing: Credentials & { kind: 'session' };
let orgId: string;
let finance: { id: string; slug: string };
const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;

const price = (effectiveFrom: string, extra: Record<string, unknown> = {}) => ({
  provider: 'aws', region: 'eu-west-1', effectiveFrom, currency: 'EUR',
  rates: { cpuCoreHour: 40_000, memoryGibHour: 5_000, storageGibMonth: 100_000, gpuHour: 0, egressGib: 0 }, ...extra,
});

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Priced', slug: 'priced', currency: 'EUR', timeZone: 'Europe/Berlin' } })).id;
  finance = await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Finance', slug: 'finance', labels: { 'cost-center': 'cc-100' } } });
  billing = await inviteAndSignIn(t, admin, orgId, 'billing@priced.test', 'org-billing-admin');
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('prices', () => {
  it('creates versions in the org currency only, and a billing admin manages them', async () => {
    const wrong = await call(t.app, billing, 'POST', api('/cost/prices'), { body: { ...price('2026-01-01T00:00:00Z'), currency: 'USD' } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ type: expect.stringContaining('currency-mismatch'), field: 'currency' });
    const created = await expectJson(t.app, billing, 'POST', api('/cost/prices'), 201, { body: price('2026-01-01T00:00:00Z', { discountBp: 1250 }) });
    expect(created).toMatchObject({ id: expect.stringMatching(/^cpr_/), kind: 'list', discountBp: 1250, rates: { cpuCoreHour: 40_000 } });
    const dup = await call(t.app, billing, 'POST', api('/cost/prices'), { body: price('2026-01-01T00:00:00Z') });
    expect(dup.statusCode).toBe(409);
    const onPrem = await expectJson(t.app, billing, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'onprem', region: 'dc-1', effectiveFrom: '2026-01-01T00:00:00Z', currency: 'EUR', kind: 'on-prem', amortisation: { capex: 360_000_000_000, lifetimeMonths: 36, opexMonthly: 2_000_000_000, vcpus: 512, memoryGib: 4096 } },
    });
    expect(onPrem.rates).toMatchObject({ cpuCoreHour: 20_869, memoryGibHour: 1_405 });
  });

  it('exports CSV and imports it back all-or-nothing, with one audit event per import', async () => {
    const res = await call(t.app, billing, 'GET', api('/cost/prices/export'));
    expect(res.headers['content-type']).toContain('text/csv');
    const csv = res.body;
    expect(csv).toContain('aws,eu-west-1,2026-01-01T00:00:00.000Z,EUR,list,0.040000,0.005000,0.100000,0.000000,0.000000,12.50');
    expect(await expectJson(t.app, billing, 'POST', api('/cost/prices/import'), 200, { body: { csv } })).toEqual({ created: 0, updated: 0, unchanged: 2 });
    const changed = `${csv.replace('0.040000', '0.041000')}aws,eu-west-1,2026-06-01T00:00:00Z,EUR,list,0.03,0.004,0.1,0,0,0,\n`;
    expect(await expectJson(t.app, billing, 'POST', api('/cost/prices/import'), 200, { body: { csv: changed } })).toEqual({ created: 1, updated: 1, unchanged: 1 });
    const before = (await sql<{ n: string }>`SELECT count(*)::text AS n FROM cost_prices WHERE org_id = ${orgId}`.execute(t.db)).rows[0]!.n;
    const broken = await call(t.app, billing, 'POST', api('/cost/prices/import'), { body: { csv: `${changed}aws,eu-west-2,2026-01-01T00:00:00Z,EUR,list,abc,0.004,0,0,0,0,\n` } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().detail).toContain('line 5, cpu_core_hour');
    expect((await sql<{ n: string }>`SELECT count(*)::text AS n FROM cost_prices WHERE org_id = ${orgId}`.execute(t.db)).rows[0]!.n).toBe(before);
    const events = await expectJson(t.app, admin, 'GET', api('/audit-events'), 200, { query: { action: 'cost:configure', limit: '100' } });
    expect(events.items.filter((e: { target: { type: string } }) => e.target.type === 'cost-price-catalog')).toHaveLength(2);
  });
});

describe('sources', () => {
  it('refuses a Prometheus URL the egress guard refuses, and never returns the bearer token', async () => {
    const refused = await call(t.app, admin, 'POST', api('/cost/sources'), { body: { name: 'inside', cluster: 'c1', url: 'http://10.1.2.3:9090', provider: 'aws', region: 'eu-west-1' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().field).toBe('body.url');
    const ok = await call(t.app, admin, 'POST', api('/cost/sources'), { body: { name: 'loop', cluster: 'c1', url: 'http://127.0.0.1:9', provider: 'aws', region: 'eu-west-1', bearerToken: 'prom-secret-token' } });
    expect(ok.statusCode).toBe(201);
    expect(ok.body).not.toContain('prom-secret-token');
    expect(ok.json().hasBearerToken).toBe(true);
    const stored = await sql<{ t: string }>`SELECT bearer_token::text AS t FROM cost_sources WHERE id = ${ok.json().id}`.execute(t.db);
    expect(stored.rows[0]!.t).not.toContain('prom-secret-token');
    // Nothing listens there: the run fails, is recorded, and the watermark does not move.
    const run = await expectJson(t.app, admin, 'POST', api(`/cost/sources/${ok.json().id}/collect`), 200, { body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T03:00:00Z' } });
    expect(run.status).toBe('failed');
    const source = await expectJson(t.app, admin, 'GET', api(`/cost/sources/${ok.json().id}`), 200);
    expect(source).toMatchObject({ collectedUntil: null, lastRun: { status: 'failed' } });
  });
});

describe('pushed usage', () => {
  const sample = (pod: string, hour: string, cpu: number) => ({ cluster: 'edge-1', namespace: `hx-${finance.slug}`, pod, hour, cpuRequestMcores: 1000, cpuUsageMcores: cpu, memoryRequestMib: 1024, memoryUsageMib: 512, labels: { team: 'ledger' } });

  it('is idempotent by (cluster, namespace, pod, hour) and allocates by max(request, usage)', async () => {
    const body = { provider: 'aws', region: 'eu-west-1', samples: [sample('web-0', '2026-02-01T00:00:00Z', 1500), sample('web-0', '2026-02-01T01:00:00Z', 500)] };
    await expectJson(t.app, billing, 'POST', api('/cost/usage'), 200, { body });
    await expectJson(t.app, billing, 'POST', api('/cost/usage'), 200, { body });
    const a = await expectJson(t.app, billing, 'GET', api('/cost/allocation'), 200, { query: { from: '2026-02-01T00:00:00Z', to: '2026-02-02T00:00:00Z', groupBy: 'workspace', series: 'day' } });
    // Version 2026-01-01 was changed by the import to 0.041/vCPU-h; 12.5 % off.
    // CPU 1.5 + 1.0 core-hours × 0.041 = 0.1025; memory 2 GiB-hours × 0.005 = 0.01; × 0.875 = 0.0984375 → 0.098438 (half up).
    expect(a.total).toBe(98_438);
    expect(a.groups).toEqual([
      { key: finance.id, name: 'Finance', direct: 98_438, idle: 0, shared: 0, total: 98_438 },
      { key: 'unallocated', name: 'Unallocated', direct: 0, idle: 0, shared: 0, total: 0 },
    ]);
    // Berlin days: 01:00 and 02:00 local on 1 February.
    expect(a.series).toEqual([{ day: '2026-02-01', total: 98_438, groups: { [finance.id]: 98_438, unallocated: 0 } }]);
    const byTeam = await expectJson(t.app, billing, 'GET', api('/cost/allocation'), 200, { query: { from: '2026-02-01T00:00:00Z', to: '2026-02-02T00:00:00Z', groupBy: 'label:team' } });
    expect(byTeam.groups[0]).toMatchObject({ key: 'ledger', total: 98_438 });
    expect(a.unpricedClusters).toEqual([]);
    // The budgets ports: the same day, by workspace and by a label inside it; and today's rates after the discount.
    const window = { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-02-02T00:00:00Z') };
    expect(await t.deps.services.cost.dailySpend(orgId, { workspaceId: finance.id, projectId: null, label: null }, window)).toEqual(new Map([['2026-02-01', 98_438n]]));
    expect(await t.deps.services.cost.dailySpend(orgId, { workspaceId: finance.id, projectId: null, label: { key: 'team', value: 'ledger' } }, window)).toEqual(new Map([['2026-02-01', 98_438n]]));
    expect(await t.deps.services.cost.dailySpend(orgId, { workspaceId: finance.id, projectId: null, label: { key: 'team', value: 'crm' } }, window)).toEqual(new Map());
    // 0.041 × 0.875 = 0.035875 per vCPU-hour; 0.005 × 0.875 = 0.004375 per GiB-hour (edge-1 is priced as aws/eu-west-1).
    expect(await t.deps.services.cost.unitPrices(orgId, new Date('2026-02-01T00:00:00Z'))).toEqual({ cpuHourMicros: 35_875n, memoryGibHourMicros: 4_375n });
  });

  it('names clusters whose usage no price covers, instead of hiding a zero', async () => {
    await expectJson(t.app, billing, 'POST', api('/cost/usage'), 200, { body: { samples: [{ ...sample('web-9', '2026-02-03T00:00:00Z', 1000), cluster: 'unpriced-1' }] } });
    const a = await expectJson(t.app, billing, 'GET', api('/cost/allocation'), 200, { query: { from: '2026-02-03T00:00:00Z', to: '2026-02-04T00:00:00Z' } });
    expect(a).toMatchObject({ total: 0, unpricedClusters: ['unpriced-1'] });
  });

  it('refuses a sample not on the hour, and two samples for the same hour, writing nothing', async () => {
    const off = await call(t.app, billing, 'POST', api('/cost/usage'), { body: { samples: [sample('web-1', '2026-02-01T00:30:00Z', 1)] } });
    expect(off.statusCode).toBe(400);
    expect(off.json().field).toContain('hour');
    const twice = await call(t.app, billing, 'POST', api('/cost/usage'), { body: { samples: [sample('web-1', '2026-02-01T00:00:00Z', 1), sample('web-1', '2026-02-01T00:00:00Z', 2)] } });
    expect(twice.statusCode).toBe(400);
    const rows = await sql<{ n: string }>`SELECT count(*)::text AS n FROM cost_usage_samples WHERE org_id = ${orgId} AND pod = 'web-1'`.execute(t.db);
    expect(rows.rows[0]!.n).toBe('0');
  });
});
