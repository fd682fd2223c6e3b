import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordAudit, type AuditOutcome } from '../../src/kernel/audit.ts';
import { newPrincipal } from '../../src/kernel/authz.ts';
import { sealPending } from '../../src/modules/audit/index.ts';
import { claimDueStreams } from '../../src/modules/audit/stream-store.ts';
import { createStreamWorker, type StreamWorker } from '../../src/modules/audit/stream-worker.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { DD_API_KEY, HEC_TOKEN, HMAC_SECRET, startReceivers, type Receivers } from './siem-receivers.ts';

/**
 * SIEM streams over HTTP against loopback receivers that validate Splunk HEC, Datadog Logs and
 * signed NDJSON requests (siem-receivers.ts), plus retries, dead letter, resume, replay,
 * filters and OCSF files.
 */

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let rx: Receivers;
let worker: StreamWorker;
let orgId: string;
let workspaceId: string;

const actor = newPrincipal({ kind: 'user', id: 'usr_01siemsiemsiemsiemsiemsiem', displayName: 'Ada', ip: '10.0.0.7', userAgent: 'curl/8', requestId: 'req_siem' });

const streams = () => `/api/v1/orgs/${orgId}/audit-streams`;

interface EventSpec {
  action: string;
  outcome?: AuditOutcome;
  workspaceId?: string | null;
}

/** Writes audit events through the real write path (recordAudit in a transaction) and seals them. */
async function produce(specs: EventSpec[]): Promise<void> {
  await t.db.transaction().execute(async (tx) => {
    for (const [i, s] of specs.entries()) {
      await recordAudit(tx, actor, {
        action: s.action,
        orgId,
        workspaceId: s.workspaceId ?? null,
        target: s.action.startsWith('api-key:') ? { type: 'apiKey', id: `key_${i}`, name: 'ci' } : { type: s.action.split(':')[0]!, id: `t_${i}`, name: `target ${i}` },
        outcome: s.outcome ?? 'success',
        ...(s.outcome === 'denied' ? { reason: 'no role grants it' } : {}),
        after: { n: i, note: 'pipes | equals = and "quotes"' },
      });
    }
  });
  while ((await sealPending(t.deps)) > 0);
}

async function createStream(body: Record<string, unknown>) {
  return expectJson(t.app, admin, 'POST', streams(), 201, { body: { batch: { maxEvents: 50, maxWaitMs: 0 }, ...body } });
}

async function getStream(id: string) {
  return expectJson(t.app, admin, 'GET', `${streams()}/${id}`, 200);
}

/** Runs the worker until every given stream has caught up (or gone to dead_letter). */
async function drain(ids: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await worker.runOnce();
    const states = await Promise.all(ids.map(getStream));
    if (states.every((s) => s.status === 'dead_letter' || s.status === 'paused' || s.health.lag === 0)) return;
    if (Date.now() > deadline) throw new Error(`streams did not catch up: ${JSON.stringify(states.map((s) => [s.name, s.status, s.health]))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sealed events of the org after a cursor, as the receivers should see them. */
async function sealedAfter(cursor: number) {
  return (await t.deps.services.audit.sealedEventsAfter(orgId, cursor, 100_000)).map((e) => ({ seq: e.seq, id: e.event.id, action: e.event.action, outcome: e.event.outcome, workspaceId: e.event.workspaceId }));
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  workspaceId = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Payments', slug: 'payments' } })).id;
  rx = await startReceivers();
  worker = createStreamWorker(t.deps, { pollMs: 50, backoffBaseMs: 20, backoffCapMs: 200, timeoutMs: 3000 });
  await sealPending(t.deps);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await rx?.close();
  await t?.close();
});

describe('SIEM streams over HTTP', () => {
  let hec: any;
  let dd: any;
  let nd: any;

  it('delivers every sealed event to Splunk HEC, Datadog and signed NDJSON in the documented formats', async () => {
    hec = await createStream({ name: 'splunk', destination: { kind: 'splunk-hec', url: rx.url, token: HEC_TOKEN, index: 'audit', sourcetype: 'hexaplane:audit' } });
    dd = await createStream({ name: 'datadog', destination: { kind: 'datadog', url: rx.url, apiKey: DD_API_KEY, service: 'hexaplane', tags: ['env:test'] } });
    nd = await createStream({ name: 'ndjson', destination: { kind: 'https', url: `${rx.url}/ndjson/main`, hmacSecret: HMAC_SECRET } });
    // Credentials never come back.
    const text = JSON.stringify([hec, dd, nd, await getStream(hec.id)]);
    for (const secret of [HEC_TOKEN, DD_API_KEY, HMAC_SECRET]) expect(text).not.toContain(secret);
    expect(hec.destination).toMatchObject({ hasToken: true, index: 'audit' });
    expect(dd.destination.hasApiKey).toBe(true);
    expect(nd.destination.hasHmacSecret).toBe(true);

    await produce(Array.from({ length: 120 }, (_, i) => ({ action: i % 3 === 0 ? 'role:update' : 'workspace:update', workspaceId: i % 2 ? workspaceId : null })));
    await drain([hec.id, dd.id, nd.id]);

    const expected = await sealedAfter(hec.health.cursor);
    expect(expected.length).toBeGreaterThanOrEqual(120);
    expect(rx.refused).toEqual([]);
    for (const channel of ['hec', 'datadog', '/ndjson/main']) {
      expect(ids(rx.received.get(channel) ?? [])).toEqual(ids(expected));
    }
    // In batches of at most 50.
    expect(rx.requests('hec')).toBeGreaterThanOrEqual(Math.ceil(expected.length / 50));
    const health = (await getStream(hec.id)).health;
    expect(health).toMatchObject({ lag: 0, deliveredCount: expected.length, lastError: null, consecutiveFailures: 0 });
    expect(health.lastDeliveredAt).not.toBeNull();
  });

  it('retries with backoff after 503s and loses nothing', async () => {
    rx.failNext('/ndjson/main', 3);
    const before = rx.received.get('/ndjson/main')!.length;
    const cursor = (await getStream(nd.id)).health.cursor;
    await produce(Array.from({ length: 10 }, () => ({ action: 'project:update' })));
    await drain([nd.id]);
    const after = rx.received.get('/ndjson/main')!.slice(before);
    expect(ids(after)).toEqual(ids(await sealedAfter(cursor)));
    const s = await getStream(nd.id);
    expect(s.health.consecutiveFailures).toBe(0);
    expect(s.health.lastError).toMatch(/503/);
    expect(rx.refused).toEqual([]);
  });

  it('goes to dead_letter after maxAttempts, then resume delivers from the cursor', async () => {
    rx.failAlways('/ndjson/flaky', true);
    const flaky = await createStream({ name: 'flaky', maxAttempts: 3, destination: { kind: 'https', url: `${rx.url}/ndjson/flaky`, hmacSecret: HMAC_SECRET } });
    await produce([{ action: 'workspace:update' }, { action: 'workspace:update' }]);
    await drain([flaky.id]);
    let s = await getStream(flaky.id);
    expect(s.status).toBe('dead_letter');
    expect(s.health).toMatchObject({ consecutiveFailures: 3, cursor: flaky.health.cursor });
    expect(rx.requests('/ndjson/flaky')).toBe(3);
    // A stream in dead letter is not tried again, and PATCH cannot silently restart it.
    await worker.runOnce();
    expect(rx.requests('/ndjson/flaky')).toBe(3);
    const refused = await call(t.app, admin, 'PATCH', `${streams()}/${flaky.id}`, { body: { status: 'active' } });
    expect(refused.statusCode).toBe(409);

    rx.failAlways('/ndjson/flaky', false);
    s = await expectJson(t.app, admin, 'POST', `${streams()}/${flaky.id}/resume`, 200);
    expect(s).toMatchObject({ status: 'active', health: { consecutiveFailures: 0 } });
    await drain([flaky.id]);
    expect(ids(rx.received.get('/ndjson/flaky')!)).toEqual(ids(await sealedAfter(flaky.health.cursor)));
  });

  it('replays from a sequence number', async () => {
    const before = rx.received.get('/ndjson/main')!.length;
    const replayed = await expectJson(t.app, admin, 'POST', `${streams()}/${nd.id}/replay`, 200, { body: { fromSeq: 5 } });
    expect(replayed.health.cursor).toBe(4);
    await drain([nd.id]);
    const again = rx.received.get('/ndjson/main')!.slice(before);
    expect(ids(again)).toEqual(ids(await sealedAfter(4)));
    const bad = await call(t.app, admin, 'POST', `${streams()}/${nd.id}/replay`, { body: { fromSeq: 1_000_000 } });
    expect(bad.statusCode).toBe(400);
  });

  it('applies filters (minimum severity, action prefixes, workspaces) and still advances the cursor', async () => {
    const https = (name: string) => ({ kind: 'https', url: `${rx.url}/ndjson/${name}`, hmacSecret: HMAC_SECRET });
    const severe = await createStream({ name: 'severe', destination: https('severe'), filters: { minSeverity: 'high' } });
    const roles = await createStream({ name: 'roles', destination: https('roles'), filters: { actionPrefixes: ['role:', 'role-binding:'] } });
    const inWs = await createStream({ name: 'in-ws', destination: https('in-ws'), filters: { workspaceIds: [workspaceId] } });
    await produce([
      { action: 'workspace:update', workspaceId },
      { action: 'role:update' },
      { action: 'role-binding:create', workspaceId },
      { action: 'workspace:update', outcome: 'denied' },
      { action: 'project:read', workspaceId },
      { action: 'api-key:revoke' },
    ]);
    await drain([severe.id, roles.id, inWs.id]);
    const all = await sealedAfter(severe.health.cursor);
    const got = (name: string) => ids(rx.received.get(`/ndjson/${name}`) ?? []);
    const sev = rx.received.get('/ndjson/severe') ?? [];
    expect(sev.map((r) => r.severity).every((s) => s === 'high' || s === 'critical')).toBe(true);
    expect(sev.map((r) => r.action).sort()).toEqual(['api-key:revoke', 'workspace:update']);
    expect(got('roles')).toEqual(ids(all.filter((e) => e.action.startsWith('role:') || e.action.startsWith('role-binding:'))));
    expect(got('in-ws')).toEqual(ids(all.filter((e) => e.workspaceId === workspaceId)));
    for (const s of [severe, roles, inWs]) expect((await getStream(s.id)).health.lag).toBe(0);
  });

  it('writes OCSF files under the operator root, one object per line', async () => {
    const file = await createStream({ name: 'ocsf', destination: { kind: 'ocsf-file', directory: 'acme/audit' } });
    const outside = await call(t.app, admin, 'POST', streams(), { body: { name: 'escape', destination: { kind: 'ocsf-file', directory: '../etc' } } });
    expect(outside.statusCode).toBe(400);
    await produce([
      { action: 'session:create' }, { action: 'session:create', outcome: 'failed' }, { action: 'api-key:create' },
      { action: 'role-binding:create' }, { action: 'workspace:create', workspaceId }, { action: 'workspace:delete', outcome: 'denied' },
    ]);
    await drain([file.id]);
    const dir = path.join(t.config.auditFileSinkDir!, 'acme/audit');
    const files = readdirSync(dir);
    expect(files.every((f) => f.endsWith('.ndjson'))).toBe(true);
    const objects = files.sort().flatMap((f) => readFileSync(path.join(dir, f), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l)));
    const ocsf = z.object({
      class_uid: z.union([z.literal(6003), z.literal(3002), z.literal(3001), z.literal(3005)]),
      category_uid: z.number().int(),
      activity_id: z.number().int(),
      type_uid: z.number().int(),
      time: z.number().int().positive(),
      severity_id: z.number().int().min(1).max(5),
      status_id: z.union([z.literal(1), z.literal(2)]),
      actor: z.object({ user: z.object({ uid: z.string() }).loose() }).loose(),
      src_endpoint: z.object({ ip: z.string() }),
      api: z.object({ operation: z.string() }).loose(),
      metadata: z.object({ version: z.string().regex(/^1\.\d+\.\d+$/), uid: z.string(), product: z.object({ name: z.string() }).loose() }).loose(),
    }).loose().refine((o) => o.category_uid === Math.floor(o.class_uid / 1000) && o.type_uid === o.class_uid * 100 + o.activity_id, 'category and type follow the class');
    const parsed = objects.map((o) => ocsf.parse(o));
    expect(parsed.map((o) => o.metadata.uid)).toEqual(ids(await sealedAfter(file.health.cursor)));
    const classes = new Set(parsed.map((o) => o.class_uid));
    for (const c of [6003, 3002, 3001, 3005]) expect(classes).toContain(c);
  });

  it('tests a stream without moving its cursor, and reports failures', async () => {
    const before = await getStream(nd.id);
    const requests = rx.requests('/ndjson/main');
    const ok = await expectJson(t.app, admin, 'POST', `${streams()}/${nd.id}/test`, 200);
    expect(ok).toMatchObject({ ok: true, error: null });
    expect(rx.requests('/ndjson/main')).toBe(requests + 1);
    expect((await getStream(nd.id)).health.cursor).toBe(before.health.cursor);
    const broken = await createStream({ name: 'broken', destination: { kind: 'splunk-hec', url: 'http://127.0.0.1:1', token: HEC_TOKEN } });
    const failed = await expectJson(t.app, admin, 'POST', `${streams()}/${broken.id}/test`, 200);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/ECONNREFUSED|connect/);
    expect(rx.refused).toEqual([]);
  });

  it('lets two workers (two replicas) share the streams without delivering a batch twice', async () => {
    const shared = await createStream({ name: 'shared', destination: { kind: 'https', url: `${rx.url}/ndjson/shared`, hmacSecret: HMAC_SECRET }, batch: { maxEvents: 7, maxWaitMs: 0 } });
    const other = createStreamWorker(t.deps, { pollMs: 50 });
    await produce(Array.from({ length: 60 }, () => ({ action: 'workspace:update' })));
    const deadline = Date.now() + 15_000;
    while ((await getStream(shared.id)).health.lag > 0) {
      if (Date.now() > deadline) throw new Error('the shared stream did not catch up');
      await Promise.all([worker.runOnce(), other.runOnce(), worker.runOnce(), other.runOnce()]);
    }
    expect(ids(rx.received.get('/ndjson/shared')!)).toEqual(ids(await sealedAfter(shared.health.cursor)));
  });

  it('takes over a stream whose worker died holding it, once the lease expires', async () => {
    const orphan = await createStream({ name: 'orphan', destination: { kind: 'https', url: `${rx.url}/ndjson/orphan`, hmacSecret: HMAC_SECRET } });
    await produce([{ action: 'workspace:update' }, { action: 'workspace:update' }]);
    // A worker claims every due stream and dies without a word.
    const claimed = await claimDueStreams(t.db, 'a-worker-that-died', 600, 100);
    expect(claimed.map((s) => s.id)).toContain(orphan.id);
    await worker.runOnce();
    expect(rx.received.get('/ndjson/orphan')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 700));
    await drain([orphan.id]);
    expect(ids(rx.received.get('/ndjson/orphan')!)).toEqual(ids(await sealedAfter(orphan.health.cursor)));
  });

  it('updates with If-Match, keeps secrets it is not given, and shows health on /metrics', async () => {
    const s = await getStream(hec.id);
    const stale = await call(t.app, admin, 'PATCH', `${streams()}/${hec.id}`, { body: { name: 'x' }, headers: { 'if-match': '"v999"' } });
    expect(stale.statusCode).toBe(412);
    const changed = await expectJson(t.app, admin, 'PATCH', `${streams()}/${hec.id}`, 200, {
      body: { destination: { kind: 'splunk-hec', url: rx.url, index: 'main' } },
      headers: { 'if-match': `"v${s.version}"` },
    });
    expect(changed.destination).toMatchObject({ index: 'main', hasToken: true });
    const kindChange = await call(t.app, admin, 'PATCH', `${streams()}/${hec.id}`, { body: { destination: { kind: 'datadog', url: rx.url } } });
    expect(kindChange.statusCode).toBe(400);
    await produce([{ action: 'workspace:update' }]);
    await drain([hec.id]);
    expect(rx.refused).toEqual([]);

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(new RegExp(`hexaplane_audit_stream_lag_events\\{stream_id="${hec.id}",org_id="${orgId}"\\} 0`));
    expect(metrics.body).toMatch(new RegExp(`hexaplane_audit_stream_delivered_events_total\\{stream_id="${nd.id}",org_id="${orgId}"\\} [1-9]`));
    expect(metrics.body).toContain('hexaplane_audit_stream_failures_total');

    // Nothing of a credential is in the audit log either.
    const events = await t.db.selectFrom('audit_events').select(['before', 'after']).where('org_id', '=', orgId).execute();
    const logged = JSON.stringify(events);
    for (const secret of [HEC_TOKEN, DD_API_KEY, HMAC_SECRET]) expect(logged).not.toContain(secret);
  });
});
