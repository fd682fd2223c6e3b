import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import { accessLogWriterOf } from './index.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;
let key: Credentials & { kind: 'apiKey' };
let wsId: string;
const startedAt = new Date();

const api = (path: string) => `/api/v1/orgs/${orgId}${path}`;
const flush = () => accessLogWriterOf(t.deps).flush();

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Access Log Inc', slug: 'access-log-inc' } })).id;
  wsId = (await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Payments', slug: 'payments' } })).id;
  const created = await expectJson(t.app, admin, 'POST', api('/api-keys'), 201, { body: { name: 'reader', roleId: 'org-member' } });
  key = { kind: 'apiKey', token: created.secret, keyId: created.apiKey.id };
  await call(t.app, key, 'GET', api(`/workspaces/${wsId}`));
  await call(t.app, key, 'GET', api('/access-log')); // 403: members may not read it
  await call(t.app, admin, 'GET', api('/workspaces/ws_00000000000000000000000000')); // 404
  await call(t.app, { kind: 'anonymous' }, 'GET', '/healthz');
  await call(t.app, { kind: 'anonymous' }, 'GET', '/api/v1/no-such-route');
  await flush();
});

afterAll(async () => t?.close());

async function list(query: Record<string, string> = {}) {
  return expectJson(t.app, admin, 'GET', api('/access-log'), 200, { query });
}

describe('the access log', () => {
  it('records each API request with its route template, status, principal, bytes and latency', async () => {
    const page = await list({ route: '/api/v1/orgs/:orgId/workspaces' });
    const create = page.items.find((e: any) => e.method === 'POST' && e.route === '/api/v1/orgs/:orgId/workspaces');
    expect(create).toMatchObject({
      orgId, status: 201, principal: { kind: 'user', id: admin.userId, apiKeyId: null }, userAgent: 'hexaplane-tests', workspaceId: null,
    });
    expect(create.principal.sessionId).toMatch(/^ses_/);
    expect(create.bytesIn).toBeGreaterThan(10);
    expect(create.bytesOut).toBeGreaterThan(50);
    expect(create.latencyMs).toBeGreaterThan(0);
    expect(create.requestId).toMatch(/^req_/);
    expect(new Date(create.at).getTime()).toBeGreaterThanOrEqual(startedAt.getTime() - 1000);
    const byKey = page.items.find((e: any) => e.route === '/api/v1/orgs/:orgId/workspaces/:workspaceId' && e.principal?.apiKeyId === key.keyId);
    // An org member sees a workspace only where bound: refused, and logged as such.
    expect(byKey).toMatchObject({ status: 403, workspaceId: wsId, principal: { kind: 'apiKey' } });
  });

  it('records refusals, and requests without an org with none; not health checks', async () => {
    const denied = await list({ status: '403' });
    expect(denied.items.map((e: any) => e.route)).toContain('/api/v1/orgs/:orgId/access-log');
    const rows = await sql<{ route: string | null; org_id: string | null; status: number }>`SELECT route, org_id, status FROM access_log`.execute(t.db);
    expect(rows.rows.some((r) => r.route === '/api/v1/session' && r.org_id === null)).toBe(true);
    expect(rows.rows.some((r) => r.route === null && r.status === 404 && r.org_id === null)).toBe(true);
    expect(rows.rows.some((r) => r.route === '/healthz')).toBe(false);
  });

  it('filters by principal, method, status class, ip and time, newest first with a cursor', async () => {
    const mine = await list({ principalId: key.keyId });
    expect(mine.items.length).toBe(2);
    expect(mine.items.every((e: any) => e.principal.id === key.keyId)).toBe(true);
    const posts = await list({ method: 'POST' });
    expect(posts.items.length).toBeGreaterThan(0);
    expect(posts.items.every((e: any) => e.method === 'POST')).toBe(true);
    const clientErrors = await list({ status: '4xx' });
    expect(clientErrors.items.every((e: any) => e.status >= 400 && e.status < 500)).toBe(true);
    expect(clientErrors.items.length).toBe(3);
    expect((await list({ ip: '127.0.0.1' })).items.length).toBeGreaterThan(0);
    expect((await list({ ip: '192.0.2.99' })).items).toEqual([]);
    expect((await list({ from: new Date(Date.now() + 60_000).toISOString() })).items).toEqual([]);

    const all = (await list({ limit: '200' })).items;
    const first = await list({ limit: '2' });
    const second = await list({ limit: '2', cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((e: any) => e.id)).toEqual(all.slice(0, 4).map((e: any) => e.id));
    const times = all.map((e: any) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('refuses bad filters with the field named', async () => {
    for (const [query, field] of [[{ status: '6xx' }, 'query.status'], [{ ip: 'not an ip' }, 'query.ip'], [{ cursor: 'bogus' }, 'query.cursor']] as const) {
      const res = await call(t.app, admin, 'GET', api('/access-log'), { query });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
    }
  });

  it('summarizes requests per bucket by status class', async () => {
    await flush();
    const summary = await expectJson(t.app, admin, 'GET', api('/access-log/summary'), 200, { query: { bucket: 'hour' } });
    const total = summary.buckets.reduce((n: number, b: any) => n + b.total, 0);
    const classes = summary.buckets.reduce((n: number, b: any) => n + b.s2xx + b.s3xx + b.s4xx + b.s5xx, 0);
    expect(total).toBeGreaterThan(3);
    expect(classes).toBe(total);
    expect(summary.buckets.reduce((n: number, b: any) => n + b.s4xx, 0)).toBeGreaterThanOrEqual(2);
  });

  it('is readable by the security auditor role and not by members', async () => {
    const res = await call(t.app, key, 'GET', api('/access-log'));
    expect(res.statusCode).toBe(403);
    const auditor = await expectJson(t.app, admin, 'POST', api('/api-keys'), 201, { body: { name: 'auditor', roleId: 'org-security-auditor' } });
    const auditorKey: Credentials = { kind: 'apiKey', token: auditor.secret, keyId: auditor.apiKey.id };
    expect((await call(t.app, auditorKey, 'GET', api('/access-log'))).statusCode).toBe(200);
  });

  it('keeps daily partitions ready, today included', async () => {
    const day = (d: Date) => `access_log_${d.toISOString().slice(0, 10).replace(/-/g, '')}`;
    const names = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass`.execute(t.db);
    expect(names.rows.map((r) => r.name)).toContain(day(new Date()));
    expect(names.rows.map((r) => r.name)).toContain('access_log_default');
    const today = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(day(new Date()))}`.execute(t.db);
    expect(Number(today.rows[0]!.n)).toBeGreaterThan(0);
  });

  it('moves rows out of the default partition when their day gets one', async () => {
    const at = new Date('2031-03-04T05:06:07Z');
    const writer = accessLogWriterOf(t.deps);
    writer.record({ at, orgId, workspaceId: null, method: 'GET', routeTemplate: '/x', status: 200, latencyMs: 1, principalKind: null, principalId: null, apiKeyId: null, sessionId: null, ip: null, userAgent: null, bytesIn: 0, bytesOut: 0, requestId: 'req_future' });
    await flush();
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM access_log_default`.execute(t.db)).rows[0]!.n)).toBe(1);
    await sql`SELECT ensure_access_log_partitions('2031-03-04'::date, 1)`.execute(t.db);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM access_log_default`.execute(t.db)).rows[0]!.n)).toBe(0);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM access_log_20310304`.execute(t.db)).rows[0]!.n)).toBe(1);
  });
});
