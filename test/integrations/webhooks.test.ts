/**
 * Outbound webhooks in the whole app, delivered to real receivers on 127.0.0.2 (the only
 * range this app's egress allow-list holds): signatures, exactly-once fan-out, retries,
 * dead deliveries, redelivery, secret rotation with overlap, ping and the delivery log.
 */
import { Webhook } from 'standardwebhooks';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealPending } from '../../src/modules/audit/index.ts';
import { createWebhookWorker, type WebhookWorker } from '../../src/modules/integrations/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn, type Credentials } from '../support/http.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from './webhook-receiver.ts';

describe('outbound webhooks', () => {
  let t: TestApp;
  let admin: Credentials;
  let receiver: Receiver;
  let worker: WebhookWorker;
  let orgId = '';
  let counter = 0;

  beforeAll(async () => {
    t = await createTestApp({ egressAllowCidrs: ['127.0.0.2/32'] });
    admin = await signIn(t.app);
    receiver = await startReceiver('127.0.0.2');
    worker = createWebhookWorker(t.deps, { policy: { baseMs: 0, capMs: 0, maxAttempts: 3, disableAfter: 2 } });
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Hooks', slug: 'hooks' } })).id;
  });
  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await t?.close();
  });

  const api = <T = any>(method: string, path: string, status: number, body?: unknown) =>
    expectJson<T>(t.app, admin, method, `/api/v1/orgs/${orgId}${path}`, status, body === undefined ? {} : { body });

  async function subscribe(path: string, eventTypes = ['workspace.created']) {
    return api<{ webhook: { id: string; version: number }; secret: string }>('POST', '/webhooks', 201, {
      name: `hook-${++counter}`,
      url: `${receiver.url}${path}`,
      eventTypes,
    });
  }

  async function createWorkspace() {
    const slug = `ws-${++counter}`;
    return api<{ id: string }>('POST', '/workspaces', 201, { name: `Workspace ${slug}`, slug });
  }

  /** Seals what happened and lets the worker deliver it. */
  async function deliver() {
    await sealPending(t.deps);
    await worker.runOnce();
  }

  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  const verify = (secret: string, request: ReceivedRequest) => new Webhook(secret).verify(request.body, request.headers) as { type: string; data: { event: any } };

  it('delivers each subscribed event once, signed per Standard Webhooks', async () => {
    const { webhook, secret } = await subscribe('/once');
    expect(secret).toMatch(/^whsec_/);
    const ws = await createWorkspace();
    await deliver();
    await deliver();

    const got = at('/once');
    expect(got).toHaveLength(1);
    const payload = verify(secret, got[0]!);
    expect(payload.type).toBe('workspace.created');
    expect(payload.data.event).toMatchObject({ action: 'workspace:create', outcome: 'success', target: { type: 'workspace', id: ws.id } });
    expect(got[0]!.headers['webhook-id']).toBe(payload.data.event.id);
    expect(got[0]!.headers['content-type']).toBe('application/json');

    const log = await api('GET', `/webhooks/${webhook.id}/deliveries`, 200);
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null, eventType: 'workspace.created', eventId: payload.data.event.id });
    expect(log.items[0].latencyMs).toBeGreaterThanOrEqual(0);
    const detail = await api('GET', `/webhooks/${webhook.id}/deliveries/${log.items[0].id}`, 200);
    expect(detail.attemptLog).toHaveLength(1);
    expect(detail.attemptLog[0]).toMatchObject({ statusCode: 200, error: null, responseBody: 'thanks' });
    expect(JSON.parse(detail.payload)).toEqual(payload);

    // The secret is never in the audit log.
    const events = await api('GET', '/audit-events', 200);
    expect(JSON.stringify(events)).not.toContain(secret.slice(6));
  });

  it('does not send events nobody subscribed to, nor denials', async () => {
    await subscribe('/projects', ['project.created']);
    await createWorkspace();
    await deliver();
    expect(at('/projects')).toHaveLength(0);
  });

  it('retries after a failure until the receiver accepts', async () => {
    const { webhook, secret } = await subscribe('/flaky');
    let flakyCalls = 0;
    receiver.respond = (req, res) => (req.path === '/flaky' && flakyCalls++ === 0 ? res.writeHead(500).end('oops') : res.writeHead(200).end('thanks'));
    await createWorkspace();
    await deliver();
    receiver.respond = null;
    const got = at('/flaky');
    expect(got).toHaveLength(2);
    expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
    verify(secret, got[1]!);
    const [delivery] = (await api('GET', `/webhooks/${webhook.id}/deliveries`, 200)).items;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 200 });
    const detail = await api('GET', `/webhooks/${webhook.id}/deliveries/${delivery.id}`, 200);
    expect(detail.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
    expect(detail.attemptLog[0].error).toBe('HTTP 500');
  });

  it('gives up after maxAttempts, redelivers on demand, and disables an endpoint that keeps failing', async () => {
    const { webhook } = await subscribe('/down');
    receiver.respond = (req, res) => (req.path === '/down' ? res.writeHead(503).end('down') : res.writeHead(200).end('thanks'));
    await createWorkspace();
    await deliver();
    expect(at('/down')).toHaveLength(3);
    let [delivery] = (await api('GET', `/webhooks/${webhook.id}/deliveries`, 200, undefined)).items;
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 503, nextAttemptAt: null });
    expect((await api('GET', `/webhooks/${webhook.id}`, 200)).consecutiveFailures).toBe(1);
    const failed = await api('GET', `/webhooks/${webhook.id}/deliveries?status=failed`, 200);
    expect(failed.items).toHaveLength(1);

    receiver.respond = null;
    const queued = await api('POST', `/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`, 202);
    expect(queued).toMatchObject({ id: delivery.id, status: 'pending', attempts: 0 });
    await worker.runOnce();
    [delivery] = (await api('GET', `/webhooks/${webhook.id}/deliveries`, 200)).items;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    const got = at('/down');
    expect(got).toHaveLength(4);
    expect(got[3]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    expect((await api('GET', `/webhooks/${webhook.id}/deliveries/${delivery.id}`, 200)).attemptLog).toHaveLength(4);
    expect((await api('GET', `/webhooks/${webhook.id}`, 200)).consecutiveFailures).toBe(0);

    // Two dead deliveries in a row (disableAfter: 2) switch the endpoint off, audited as the system.
    receiver.respond = (req, res) => (req.path === '/down' ? res.writeHead(503).end('down') : res.writeHead(200).end('thanks'));
    await createWorkspace();
    await createWorkspace();
    await deliver();
    const off = await api('GET', `/webhooks/${webhook.id}`, 200);
    expect(off).toMatchObject({ enabled: false, consecutiveFailures: 2 });
    expect(off.disabledReason).toMatch(/2 consecutive failed deliveries/);
    await sealPending(t.deps);
    const audit = await api('GET', `/audit-events?action=webhook:update&targetId=${webhook.id}`, 200);
    expect(audit.items[0]).toMatchObject({ actor: { kind: 'system', id: 'webhook-worker' }, outcome: 'success' });
    receiver.respond = null;

    const on = await expectJson(t.app, admin, 'PATCH', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}`, 200, {
      body: { enabled: true },
      headers: { 'if-match': `"v${off.version}"` },
    });
    expect(on).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
  });

  it('signs with both secrets during a rotation overlap, then with the new one only', async () => {
    const { webhook, secret: oldSecret } = await subscribe('/rotating');
    const rotated = await api('POST', `/webhooks/${webhook.id}/rotate-secret`, 201, { overlapMinutes: 30 });
    const newSecret: string = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.webhook.previousSecretExpiresAt).not.toBeNull();

    await createWorkspace();
    await deliver();
    const during = at('/rotating');
    expect(during).toHaveLength(1);
    expect(during[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(oldSecret, during[0]!).type).toBe('workspace.created');
    expect(verify(newSecret, during[0]!).type).toBe('workspace.created');

    await sql`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = ${webhook.id}`.execute(t.db);
    await createWorkspace();
    await deliver();
    const after = at('/rotating');
    expect(after).toHaveLength(2);
    expect(after[1]!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(newSecret, after[1]!).type).toBe('workspace.created');
    expect(() => verify(oldSecret, after[1]!)).toThrow();
  });

  it('pings an endpoint now, whatever it subscribed to', async () => {
    const { webhook, secret } = await subscribe('/ping', ['project.deleted']);
    const delivery = await api('POST', `/webhooks/${webhook.id}/ping`, 201);
    expect(delivery).toMatchObject({ eventType: 'webhook.ping', status: 'succeeded', attempts: 1, lastStatusCode: 200 });
    const got = at('/ping');
    expect(got).toHaveLength(1);
    const payload = verify(secret, got[0]!) as unknown as { type: string; data: { webhookId: string } };
    expect(payload).toMatchObject({ type: 'webhook.ping', data: { webhookId: webhook.id } });
  });

  it('lists event types, and refuses unknown ones', async () => {
    const types = await api('GET', '/webhook-event-types?limit=200', 200);
    const names = types.items.map((e: { type: string }) => e.type);
    expect(names).toEqual(expect.arrayContaining(['workspace.created', 'member.removed', 'budget.threshold_reached', 'webhook.ping']));
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/webhooks`,
      headers: { cookie: (admin as { cookie: string }).cookie, 'x-csrf-token': (admin as { csrfToken: string }).csrfToken },
      payload: { name: 'bad', url: `${receiver.url}/x`, eventTypes: ['workspace.exploded'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toMatch(/eventTypes/);
  });
});
