import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

/** `hexaplane audit stream …` against a real server, through the generated SDK. */

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let apiKey: string;
const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-siem-cli-'));
const cli = async (...args: string[]) =>
  (await run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl } })).stdout;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  const orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  await cli('login', '--api-key', apiKey);
}, 120_000);
afterAll(async () => t?.close());

it('creates, lists, tests, replays, pauses, resumes and deletes a stream; secrets come from a file', async () => {
  const secretFile = path.join(configHome, 'hmac');
  writeFileSync(secretFile, 'cli-hmac-secret-123\n', { mode: 0o600 });
  const created = JSON.parse(await cli('audit', 'stream', 'create', 'to-siem', '--kind', 'https', '--endpoint', 'https://127.0.0.1:9/in',
    '--secret-file', secretFile, '--min-severity', 'medium', '--action-prefix', 'role:', '-o', 'json'));
  expect(created).toMatchObject({ name: 'to-siem', kind: 'https', destination: { hasHmacSecret: true }, filters: { minSeverity: 'medium', actionPrefixes: ['role:'] } });
  expect(JSON.stringify(created)).not.toContain('cli-hmac-secret-123');
  const file = JSON.parse(await cli('audit', 'stream', 'create', 'files', '--kind', 'ocsf-file', '--directory', 'acme', '-o', 'json'));

  expect(await cli('audit', 'stream', 'list')).toContain('to-siem');
  expect(JSON.parse(await cli('audit', 'stream', 'test', file.id, '-o', 'json'))).toMatchObject({ ok: true });
  expect(JSON.parse(await cli('audit', 'stream', 'replay', created.id, '--from-seq', '1', '-o', 'json')).health.cursor).toBe(0);
  expect(JSON.parse(await cli('audit', 'stream', 'update', created.id, '--pause', '-o', 'json')).status).toBe('paused');
  expect(JSON.parse(await cli('audit', 'stream', 'resume', created.id, '-o', 'json')).status).toBe('active');
  await cli('audit', 'stream', 'delete', created.id);
  expect(await cli('audit', 'stream', 'list')).not.toContain('to-siem');
}, 180_000); // ten CLI processes, each starting Node and tsx: slow on a busy machine
