/**
 * The cost allocation report over real usage: JSON totals that sum to the micro-unit, CSV rows,
 * the PDF read back with pdfjs, and a schedule that e-mails each business unit's managers
 * through a real SMTP server once per month.
 */
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportWorkerFor } from '../../src/modules/cost/index.ts';
import { ADMIN_EMAIL, createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const HOUR = 3_600_000;
const fonts = `${path.resolve('node_modules/pdfjs-dist/standard_fonts')}/`;

async function pdfText(bytes: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl: fonts }).promise;
  let text = '';
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    text += `${content.items.map((item) => ('str' in item ? item.str : '')).join(' ')}\n`;
  }
  return text;
}

describe('cost reports', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: Credentials;
  let orgId = '';
  let finance = '';
  let retail = '';
  const api = <T = any>(method: string, path: string, status: number, body?: unknown) =>
    expectJson<T>(t.app, admin, method, `/api/v1/orgs/${orgId}${path}`, status, body === undefined ? {} : { body });
  const now = new Date();
  const month = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  const monthText = (d: Date) => d.toISOString().slice(0, 7);
  const lastMonth = month(1);

  const push = (namespace: string, hour: Date, cores: number, labels: Record<string, string> = {}) =>
    api('POST', '/cost/usage', 200, { provider: 'aws', region: 'eu-west-1', samples: [{ cluster: 'prod', namespace, pod: `p-${namespace}-${cores}`, hour: hour.toISOString(), cpuRequestMcores: cores * 1000, labels }] });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ smtpUrl: smtp.url });
    admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', currency: 'USD', timeZone: 'UTC' } })).id;
    finance = (await api('POST', '/workspaces', 201, { name: 'Finance-BU', slug: 'finance-bu' })).id;
    retail = (await api('POST', '/workspaces', 201, { name: 'Retail-Apps', slug: 'retail-apps' })).id;
    await api('POST', '/cost/prices', 201, {
      provider: 'aws', region: 'eu-west-1', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD',
      rates: { cpuCoreHour: 1_000_000, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0 },
    });
    // Last month: 30 (team payments) + 10 (team web) + 5 in a namespace no unit owns.
    await push('hx-finance-bu', new Date(lastMonth.getTime() + 24 * HOUR), 30, { team: 'payments' });
    await push('hx-retail-apps', new Date(lastMonth.getTime() + 48 * HOUR), 10, { team: 'web' });
    await push('kube-system-x', new Date(lastMonth.getTime() + 48 * HOUR), 5);
    // Two months ago: 7 for finance (the trend).
    await push('hx-finance-bu', new Date(month(2).getTime() + 24 * HOUR), 7);
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('reports the last complete month by unit, project and label, with the trend, summing exactly', async () => {
    const r = await api('GET', `/cost/reports/allocation?label=team`, 200);
    expect(r).toMatchObject({ orgName: 'Acme', currency: 'USD', period: { month: monthText(lastMonth), closed: true }, label: 'team', total: '45.000000', unallocated: '5.000000' });
    const units = Object.fromEntries(r.businessUnits.map((l: { key: string; total: string }) => [l.key, l.total]));
    expect(units[finance]).toBe('30.000000');
    expect(units[retail]).toBe('10.000000');
    for (const section of [r.businessUnits, r.projects, r.labels]) {
      expect(section.reduce((s: number, l: { totalMicros: number }) => s + l.totalMicros, 0)).toBe(r.totalMicros);
    }
    expect(Object.fromEntries(r.labels.map((l: { key: string; total: string }) => [l.key, l.total]))).toMatchObject({ payments: '30.000000', web: '10.000000' });
    expect(r.trend.map((m: { month: string }) => m.month)).toEqual([monthText(month(4)), monthText(month(3)), monthText(month(2))]);
    expect(r.trend[2]).toMatchObject({ total: '7.000000', units: expect.arrayContaining([{ key: finance, name: 'Finance-BU', total: '7.000000', totalMicros: 7_000_000 }]) });
    expect(r.trend[0].total).toBe('0.000000');
  });

  it('refuses a bad period with a problem naming the field', async () => {
    const res = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/cost/reports/allocation?period=2026-13`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const both = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/cost/reports/allocation?period=2026-01&from=2026-01-01&to=2026-02-01`);
    expect(both.statusCode).toBe(400);
  });

  it('exports CSV rows per section and the total', async () => {
    const res = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/cost/reports/allocation.csv?period=${monthText(lastMonth)}&label=team`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const m = monthText(lastMonth);
    expect(res.body).toContain(`business_unit,${m},${finance},Finance-BU,30.000000,0.000000,0.000000,30.000000,USD`);
    expect(res.body).toContain(`label:team,${m},payments,`);
    expect(res.body).toContain(`trend_total,${monthText(month(2))},,,,,,7.000000,USD`);
    expect(res.body.trim().split('\n').at(-1)).toBe(`total,${m},,Acme,,,,45.000000,USD`);
  });

  it('renders a PDF with the total, the units and the trend', async () => {
    const res = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/cost/reports/allocation.pdf?period=${monthText(lastMonth)}&label=team`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const bytes = res.rawPayload;
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain('Organization: Acme');
    expect(text).toContain('Total: 45.00 USD');
    expect(text).toContain('Finance-BU');
    expect(text).toContain('Retail-Apps');
    expect(text).toContain('30.00 USD');
    expect(text).toContain(monthText(month(2)));
    expect(text).toContain('By label team');
  });

  it('e-mails each business unit its report once per month, and audits sends', async () => {
    const me = await expectJson<{ id: string }>(t.app, admin, 'GET', '/api/v1/me', 200);
    const userId = (me as any).user?.id ?? me.id;
    // The admin manages Finance-BU; nobody manages Retail-Apps.
    const existing = await api('GET', `/role-bindings?scopeId=${finance}&roleId=workspace-admin`, 200);
    if (!existing.items.some((b: { subject: { id: string } }) => b.subject.id === userId)) {
      await api('POST', '/role-bindings', 201, { roleId: 'workspace-admin', subject: { type: 'user', id: userId }, scope: { type: 'workspace', id: finance } });
    }
    const schedule = await api('POST', '/cost/report-schedules', 201, { name: 'Monthly', format: 'pdf', label: 'team', recipients: 'managers', emails: ['cfo@acme.test'], dayOfMonth: 1 });
    expect(schedule).toMatchObject({ id: expect.stringMatching(/^rps_/), timeZone: 'UTC', lastSentPeriod: null });

    const worker = createReportWorkerFor(t.deps);
    const before = smtp.received.length;
    expect(await worker.runOnce()).toBe(2);
    expect(await worker.runOnce()).toBe(0);
    const mails = smtp.received.slice(before);
    expect(mails).toHaveLength(2);
    const toManager = mails.find((m) => m.to.includes(ADMIN_EMAIL))!;
    expect(toManager.raw).toContain(`Cost report ${monthText(lastMonth)} for Finance-BU`);
    expect(toManager.raw).toMatch(/Content-Type: application\/pdf; name=cost-report-\d{4}-\d{2}\.pdf/);
    expect(mails.find((m) => m.to.includes('cfo@acme.test'))!.raw).toContain('filename=cost-report-');
    expect((await api('GET', `/cost/report-schedules/${schedule.id}`, 200)).lastSentPeriod).toBe(monthText(lastMonth));

    const sent = await api('POST', `/cost/report-schedules/${schedule.id}/send`, 200, { period: monthText(lastMonth) });
    expect(sent.messages).toHaveLength(2);
    expect(sent.skipped).toEqual([{ unit: retail, reason: expect.any(String) }]);
    const events = await api('GET', '/audit-events?action=report:', 200);
    expect(events.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['report:create', 'report:send']));
  });
});
