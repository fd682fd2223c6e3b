/**
 * Fixed-price contracts over the real allocation: a closed month under its commitment is trued
 * up, an open month over it pays overage, and the chargeback per business unit sums to the
 * charge to the micro-unit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';

const HOUR = 3_600_000;

describe('contracts', () => {
  let t: TestApp;
  let admin: Credentials;
  let orgId = '';
  let finance = '';
  let retail = '';
  let contractId = '';
  const api = <T = any>(method: string, path: string, status: number, body?: unknown) =>
    expectJson<T>(t.app, admin, method, `/api/v1/orgs/${orgId}${path}`, status, body === undefined ? {} : { body });
  const now = new Date();
  const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const day = (d: Date) => d.toISOString().slice(0, 10);

  const push = (namespace: string, hour: Date, cores: number) =>
    api('POST', '/cost/usage', 200, { provider: 'aws', region: 'eu-west-1', samples: [{ cluster: 'prod', namespace, pod: `p-${cores}`, hour: hour.toISOString(), cpuRequestMcores: cores * 1000 }] });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', currency: 'USD', timeZone: 'UTC' } })).id;
    finance = (await api('POST', '/workspaces', 201, { name: 'Finance-BU', slug: 'finance-bu' })).id;
    retail = (await api('POST', '/workspaces', 201, { name: 'Retail-Apps', slug: 'retail-apps' })).id;
    await api('POST', '/cost/prices', 201, {
      provider: 'aws', region: 'eu-west-1', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD',
      rates: { cpuCoreHour: 1_000_000, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0 },
    });
    // Last month: 30 + 10 = 40 USD against a commitment of 100.
    await push('hx-finance-bu', new Date(lastMonth.getTime() + 24 * HOUR), 30);
    await push('hx-retail-apps', new Date(lastMonth.getTime() + 48 * HOUR), 10);
    // This month, in its first hour: 100 + 20 = 120 USD.
    await push('hx-finance-bu', thisMonth, 100);
    await push('hx-retail-apps', thisMonth, 20);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('creates a contract that starts on a period start, and audits it', async () => {
    const wrong = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/contracts`, { body: { name: 'x', period: 'monthly', commitment: '100', startsOn: `${day(lastMonth).slice(0, 8)}15` } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ type: expect.stringContaining('not-a-period-start'), field: 'startsOn' });
    const contract = await api('POST', '/contracts', 201, { name: 'Platform 2026', period: 'monthly', commitment: '100', overageRateBp: 12_500, startsOn: day(lastMonth) });
    expect(contract).toMatchObject({ id: expect.stringMatching(/^ctr_/), commitment: '100.000000', currency: 'USD', endsOn: null });
    contractId = contract.id;
    const events = await api('GET', '/audit-events?action=contract:', 200);
    expect(events.items.map((e: { action: string }) => e.action)).toContain('contract:create');
  });

  it('trues up a closed month under its commitment, charged back by usage', async () => {
    const s = await api('GET', `/contracts/${contractId}/statement?period=${day(lastMonth)}`, 200);
    expect(s).toMatchObject({ period: { start: day(lastMonth), end: day(thisMonth), closed: true }, usage: '40.000000', drawdown: '40.000000', trueUp: '60.000000', overageCharge: '0.000000', charge: '100.000000' });
    const byUnit = Object.fromEntries(s.units.map((u: { unit: string; showback: string; chargeback: string }) => [u.unit, [u.showback, u.chargeback]]));
    expect(byUnit[finance]).toEqual(['30.000000', '75.000000']);
    expect(byUnit[retail]).toEqual(['10.000000', '25.000000']);
  });

  it('charges overage in an open month, and the chargeback sums to the charge exactly', async () => {
    const s = await api('GET', `/contracts/${contractId}/statement`, 200);
    expect(s).toMatchObject({ period: { start: day(thisMonth), closed: false }, usage: '120.000000', drawdown: '100.000000', overageUsage: '20.000000', overageCharge: '25.000000', trueUp: '0.000000', charge: '125.000000' });
    const micros = (text: string) => BigInt(text.replace('.', ''));
    expect(s.units.reduce((sum: bigint, u: { chargeback: string }) => sum + micros(u.chargeback), 0n)).toBe(micros(s.charge));
    const byUnit = Object.fromEntries(s.units.map((u: { unit: string; chargeback: string }) => [u.unit, u.chargeback]));
    expect(byUnit[finance]).toBe('104.166667');
    expect(byUnit[retail]).toBe('20.833333');
    const csv = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/contracts/${contractId}/statement/export`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain(`${finance},Finance-BU,8333,100.000000,104.166667,USD`);
    expect(csv.body.trim().split('\n').at(-1)).toContain('total');
  });

  it('refuses periods outside the contract', async () => {
    const before = new Date(Date.UTC(lastMonth.getUTCFullYear(), lastMonth.getUTCMonth() - 1, 10));
    const res = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/contracts/${contractId}/statement?period=${day(before)}`);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ type: expect.stringContaining('outside-contract'), field: 'period' });
  });
});
