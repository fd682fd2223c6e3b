/** `hexaplane channel …` against a real server, posting to a Slack-compatible receiver on 127.0.0.2. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackMessageSchema } from '../../src/modules/integrations/channel-schemas.ts';
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
  const orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Channels CLI', slug: 'channels-cli' } })).id;
  const apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  const baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  env = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'hexaplane-cli-')), HEXAPLANE_URL: baseUrl, HEXAPLANE_API_KEY: apiKey, HEXAPLANE_ORG: orgId };
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, ['bin/hexaplane.mjs', '-o', 'json', ...args], { env })).stdout);

describe('hexaplane channel', () => {
  it('creates a Slack channel, tests it, lists it without its URL, and deletes it', async () => {
    const created = await cli('channel', 'create', 'finops', '--slack-webhook', `${receiver.url}/services/T1/B1/cli-secret`);
    expect(created).toMatchObject({ kind: 'slack', webhookHost: `127.0.0.2:${receiver.port}` });
    const tested = await cli('channel', 'test', created.id);
    expect(tested).toMatchObject({ delivered: true, error: null });
    expect(receiver.received).toHaveLength(1);
    expect(slackMessageSchema.parse(JSON.parse(receiver.received[0]!.body)).text).toMatch(/^Hexaplane test notification: /);

    const email = await cli('channel', 'create', 'managers', '--email', 'a@example.com', '--email', 'b@example.com');
    const listed = await cli('channel', 'list');
    expect(listed.map((c: { name: string }) => c.name)).toEqual(['finops', 'managers']);
    expect(JSON.stringify(listed)).not.toContain('cli-secret');
    // No SMTP relay in this server: the test says so and exits 1.
    const failed = await run(process.execPath, ['bin/hexaplane.mjs', 'channel', 'test', email.id], { env }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stdout: string }).stdout).toMatch(/not delivered: e-mail delivery is disabled/);

    expect(await cli('channel', 'delete', created.id)).toEqual({ id: created.id, deleted: true });
  });
});
