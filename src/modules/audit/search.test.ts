import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let auditor: Credentials & { kind: 'apiKey' };
let orgId: string;

const api = (path: string) => `/api/v1/orgs/${orgId}${path}`;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Searched', slug: 'searched' } })).id;
  for (const slug of ['one', 'two', 'three']) await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: slug, slug } });
  const key = await expectJson(t.app, admin, 'POST', api('/api-keys'), 201, { body: { name: 'auditor', roleId: 'org-security-auditor' } });
  auditor = { kind: 'apiKey', token: key.secret, keyId: key.apiKey.id };
  // A denial by the auditor, so the timeline has more than one outcome.
  expect((await call(t.app, auditor, 'POST', api('/workspaces'), { body: { name: 'blocked', slug: 'blocked' } })).statusCode).toBe(403);
});
afterAll(async () => t?.close());

describe('audit timeline', () => {
  it('counts events by outcome per hour, with the search filters, zero-filling empty hours', async () => {
    const timeline = await expectJson(t.app, admin, 'GET', api('/audit-timeline'), 200, { query: { bucket: 'hour', action: 'workspace:' } });
    // 24 hours not aligned to the hour touch 25 hourly buckets.
    expect(timeline.buckets.length).toBeGreaterThanOrEqual(24);
    expect(timeline.buckets.length).toBeLessThanOrEqual(25);
    const totals = timeline.buckets.reduce(
      (acc: Record<string, number>, b: Record<string, number>) => ({ success: acc.success! + b.success!, denied: acc.denied! + b.denied!, failed: acc.failed! + b.failed! }),
      { success: 0, denied: 0, failed: 0 },
    );
    expect(totals).toEqual({ success: 3, denied: 1, failed: 0 });
    expect(timeline.buckets.filter((b: { success: number }) => b.success === 0).length).toBeGreaterThanOrEqual(22);
  });

  it('refuses a window of more than 1000 buckets, naming the field', async () => {
    const res = await call(t.app, admin, 'GET', api('/audit-timeline'), { query: { bucket: 'hour', from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ errors: [{ field: 'query.bucket' }] });
  });
});

describe('saved searches', () => {
  it('are private to their owner unless shared, and only the owner changes them', async () => {
    const mine = await expectJson(t.app, auditor, 'POST', api('/audit-searches'), 201, { body: { name: 'Denied writes', filters: { outcome: 'denied' } } });
    const shared = await expectJson(t.app, auditor, 'POST', api('/audit-searches'), 201, { body: { name: 'Key changes', filters: { action: 'api-key:' }, shared: true } });
    const seenByAdmin = await expectJson(t.app, admin, 'GET', api('/audit-searches'), 200);
    expect(seenByAdmin.items.map((s: { id: string }) => s.id)).toEqual([shared.id]);
    expect((await call(t.app, admin, 'DELETE', api(`/audit-searches/${mine.id}`))).statusCode).toBe(404);
    // The admin may manage shared searches; the auditor may only change their own.
    const renamed = await call(t.app, auditor, 'PATCH', api(`/audit-searches/${shared.id}`), { body: { name: 'API key changes' }, headers: { 'if-match': '"v1"' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.headers.etag).toBe('"v2"');
    const stale = await call(t.app, auditor, 'PATCH', api(`/audit-searches/${shared.id}`), { body: { shared: false }, headers: { 'if-match': '"v1"' } });
    expect(stale.statusCode).toBe(412);
    expect((await call(t.app, admin, 'DELETE', api(`/audit-searches/${shared.id}`))).statusCode).toBe(204);
    const left = await expectJson(t.app, auditor, 'GET', api('/audit-searches'), 200);
    expect(left.items.map((s: { name: string }) => s.name)).toEqual(['Denied writes']);
  });

  it('validates filters like the search does', async () => {
    const res = await call(t.app, admin, 'POST', api('/audit-searches'), { body: { name: 'bad', filters: { outcome: 'maybe' } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body.filters.outcome');
  });
});
