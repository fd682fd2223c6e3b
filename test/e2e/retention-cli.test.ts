import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogWriterOf } from '../../src/modules/audit/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

/** The access log, retention and legal hold commands against a real server (ADR 0009). */

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let orgId: string;
let wsId: string;
const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-cli-'));

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/hexaplane.mjs', ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl, HEXAPLANE_API_KEY: apiKey, HEXAPLANE_ORG: orgId, DATABASE_URL: t.databaseUrl, HEXAPLANE_LOG_LEVEL: 'silent' },
  });
  return stdout;
}
let apiKey: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  wsId = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: 'Pay', slug: 'pay' } })).id;
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => t?.close());

describe('the retention commands', () => {
  it('set and get retention with a workspace override', async () => {
    const set = JSON.parse(await cli('retention', 'set', '--audit-days', '730', '--access-log-days', '30', '--workspace', `${wsId}=2555:`, '-o', 'json'));
    expect(set).toMatchObject({ auditDays: 730, accessLogDays: 30, workspaces: [{ workspaceId: wsId, auditDays: 2555, accessLogDays: null }], version: 1 });
    expect(await cli('retention', 'get')).toContain('2555');
  });

  it('create, list and release a legal hold', async () => {
    const hold = JSON.parse(await cli('legal-hold', 'create', '--name', 'Litigation', '--reason', 'preserve', '--workspace', wsId, '-o', 'json'));
    expect(hold).toMatchObject({ status: 'active', scope: { type: 'workspace', id: wsId } });
    expect(await cli('legal-hold', 'list', '--status', 'active')).toContain(hold.id);
    const released = JSON.parse(await cli('legal-hold', 'release', hold.id, '--reason', 'closed', '-o', 'json'));
    expect(released.status).toBe('released');
  });

  it('lists the access log', async () => {
    await accessLogWriterOf(t.deps).flush();
    const entries = JSON.parse(await cli('access-log', 'list', '--route', '/api/v1/orgs/:orgId/legal-holds', '-o', 'json'));
    expect(entries.some((e: { method: string; status: number }) => e.method === 'POST' && e.status === 201)).toBe(true);
  });

  it('runs retention against the database, dry run first', async () => {
    expect(await cli('retention', 'run', '--dry-run')).toMatch(/dry run: nothing changed/);
    expect(await cli('retention', 'run')).toMatch(/^retention run rrun_/);
    const runs = await expectJson(t.app, await signIn(t.app), 'GET', `/api/v1/orgs/${orgId}/retention/runs`, 200);
    expect(runs.items).toEqual([]); // nothing old enough here to remove, nothing held
  }, 120_000);
});
