/**
 * Webhooks cannot be aimed at the inside: with the default configuration (nothing
 * allow-listed) loopback, private, link-local and CGNAT targets are refused when the
 * webhook is created or changed, when a name resolves to them only at delivery time, and
 * when a receiver redirects to them.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgress, type Egress, type ResolvedAddress } from '../../src/kernel/egress.ts';
import { sealPending } from '../../src/modules/audit/index.ts';
import { createWebhookWorker } from '../../src/modules/integrations/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

describe('webhook SSRF protection', () => {
  let t: TestApp;
  let admin: Credentials;
  let orgId = '';
  let counter = 0;
  let original: Egress;

  beforeAll(async () => {
    t = await createTestApp({ egressAllowCidrs: [] });
    original = t.deps.egress;
    admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Ssrf', slug: 'ssrf' } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (url: string, eventTypes = ['*']) =>
    call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/webhooks`, { body: { name: `hook-${++counter}`, url, eventTypes } });

  const refused: Array<[string, string]> = [
    ['http://127.0.0.1/', 'loopback'],
    ['https://127.0.0.1/', 'loopback'],
    ['http://localhost/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.0.0.1/', 'loopback'],
    ['http://10.0.0.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['https://[fd00::1]/', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://100.64.0.1/', 'carrier-grade-nat'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'link-local'],
    ['ftp://example.com/', 'unsupported-scheme'],
  ];

  it.each(refused)('refuses %s at create time (%s)', async (url, reason) => {
    const res = await create(url);
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem.type).toBe('https://hexaplane.dev/problems/egress-refused');
    expect(problem.field).toBe('body.url');
    expect(problem.reason).toBe(reason);
  });

  it('refuses a refused URL on update too, and stores nothing refused', async () => {
    t.deps.egress = createEgress({ resolve: async () => [{ address: '93.184.216.34', family: 4 }] });
    try {
      const created = await create('https://hooks.example.test/in');
      expect(created.statusCode).toBe(201);
      const { webhook } = created.json();
      const res = await call(t.app, admin, 'PATCH', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}`, { body: { url: 'http://169.254.169.254/' } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field: 'body.url', reason: 'link-local' });
      expect((await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}`, 200)).url).toBe('https://hooks.example.test/in');
      await call(t.app, admin, 'DELETE', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}`);
    } finally {
      t.deps.egress = original;
    }
  });

  it('refuses at delivery time a name that resolves to loopback only by then (DNS rebinding)', async () => {
    const sink = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    let connections = 0;
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.address() as AddressInfo).port;
    let answer: ResolvedAddress = { address: '93.184.216.34', family: 4 };
    t.deps.egress = createEgress({ resolve: async () => [answer] });
    try {
      const created = await create(`https://rebind.example.test:${port}/hook`, ['workspace.created']);
      expect(created.statusCode).toBe(201);
      const { webhook } = created.json();

      answer = { address: '127.0.0.1', family: 4 };
      await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Rebound', slug: 'rebound' } });
      await sealPending(t.deps);
      await createWebhookWorker(t.deps, { policy: { maxAttempts: 1 } }).runOnce();

      const log = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}/deliveries`, 200);
      expect(log.items).toHaveLength(1);
      expect(log.items[0]).toMatchObject({ status: 'failed', lastStatusCode: null });
      expect(log.items[0].lastError).toMatch(/refused by the egress guard.*loopback/);
      expect(connections).toBe(0);
    } finally {
      t.deps.egress = original;
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  describe('redirects', () => {
    let front: Receiver;
    let inside: Receiver;

    beforeAll(async () => {
      inside = await startReceiver('127.0.0.1');
      front = await startReceiver('127.0.0.2');
      front.respond = (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/` }).end();
    });
    afterAll(async () => {
      await front?.close();
      await inside?.close();
    });

    it('never reaches a refused address through a redirect, and records the refusal', async () => {
      t.deps.egress = createEgress({ allowCidrs: ['127.0.0.2/32'] });
      try {
        const created = await create(`${front.url}/hook`);
        expect(created.statusCode).toBe(201);
        const { webhook } = created.json();
        const delivery = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}/ping`, 201);
        expect(delivery.status).toBe('pending');
        expect(delivery.lastError).toMatch(/refused by the egress guard.*loopback/);
        const detail = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/webhooks/${webhook.id}/deliveries/${delivery.id}`, 200);
        expect(detail.attemptLog).toHaveLength(1);
        expect(detail.attemptLog[0].error).toMatch(/127\.0\.0\.1.*loopback/);
        expect(front.received).toHaveLength(1);
        expect(inside.received).toHaveLength(0);
      } finally {
        t.deps.egress = original;
      }
    });
  });
});
