/** `hexaplane webhook …` against a real server, delivering to a receiver on 127.0.0.2. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../integrations/webhook-receiver.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

const run = promisify(execFile);
let t: TestApp;
let receiver: Receiver;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await createTestApp({ egressAllowCidrs: ['127.0.0.2/32'] });
  receiver = await startReceiver('127.0.0.2');
  const admin = await signIn(t.app);
  const orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Hooks CLI', slug: 'hooks-cli' } })).id;
  const apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  const baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  env = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'hexaplane-cli-')), HEXAPLANE_URL: baseUrl, HEXAPLANE_API_KEY: apiKey, HEXAPLANE_ORG: orgId };
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, ['bin/hexaplane.mjs', '-o', 'json', ...args], { env })).stdout);

describe('hexaplane webhook', () => {
  let webhookId = '';
  let secret = '';

  it('creates an endpoint, shows its secret once, and pings it', async () => {
    const created = await cli('webhook', 'create', 'siem', `${receiver.url}/cli`, '-e', 'workspace.created', '-e', 'member.removed');
    expect(created.webhook.eventTypes).toEqual(['workspace.created', 'member.removed']);
    webhookId = created.webhook.id;
    secret = created.secret;
    const delivery = await cli('webhook', 'ping', webhookId);
    expect(delivery).toMatchObject({ eventType: 'webhook.ping', status: 'succeeded' });
    const got = receiver.received.filter((r) => r.path === '/cli');
    expect(got).toHaveLength(1);
    new Webhook(secret).verify(got[0]!.body, got[0]!.headers);
  });

  it('shows the delivery log and redelivers', async () => {
    const [delivery] = await cli('webhook', 'deliveries', webhookId);
    expect(delivery.status).toBe('succeeded');
    const queued = await cli('webhook', 'redeliver', webhookId, delivery.id);
    expect(queued).toMatchObject({ id: delivery.id, status: 'pending' });
  });

  it('rotates the secret and refuses an internal URL with the reason', async () => {
    const rotated = await cli('webhook', 'rotate-secret', webhookId, '--overlap-minutes', '5');
    expect(rotated.secret).not.toBe(secret);
    const refused = await run(process.execPath, ['bin/hexaplane.mjs', 'webhook', 'update', webhookId, '--endpoint', 'http://169.254.169.254/latest/meta-data'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toMatch(/link-local/);
  });
});
