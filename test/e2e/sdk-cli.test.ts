import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApi } from '../../scripts/openapi.ts';
import { ApiProblem, createHexaplaneClient, unwrap } from '../../src/sdk/index.ts';
import { sealPending } from '../../src/modules/audit/index.ts';
import { seedDemo } from '../../src/modules/readiness/demo.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { ADMIN_EMAIL } from '../support/app.ts';

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let orgId: string;
let apiKey: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => t?.close());

describe('the generated SDK', () => {
  it('is in step with the routes (run `npm run sdk` after changing a route)', async () => {
    const { json } = await renderOpenApi();
    expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync('src/sdk/openapi.json', 'utf8')));
  });

  it('talks to a real server with an API key, and surfaces problems', async () => {
    const client = createHexaplaneClient({ baseUrl, apiKey });
    const ws = unwrap(
      await client.POST('/api/v1/orgs/{orgId}/workspaces', {
        params: { path: { orgId } },
        body: { name: 'Finance-BU', slug: 'finance-bu', description: '', labels: {} },
      }),
    );
    expect(ws.slug).toBe('finance-bu');
    const listed = unwrap(await client.GET('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId }, query: {} } }));
    expect(listed.items.map((w) => w.id)).toContain(ws.id);
    const failure = await client.POST('/api/v1/orgs/{orgId}/workspaces', {
      params: { path: { orgId } },
      body: { name: 'Again', slug: 'finance-bu', description: '', labels: {} },
    });
    expect(() => unwrap(failure)).toThrow(ApiProblem);
    expect(failure.response.status).toBe(409);
  });
});

describe('the hexaplane CLI', () => {
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-cli-'));
  const cli = (...args: string[]) =>
    run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl } });

  it('logs in with an API key and keeps the credential private', async () => {
    const { stdout } = await cli('login', '--api-key', apiKey);
    expect(stdout).toContain(orgId);
    const file = path.join(configHome, 'hexaplane', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates and lists workspaces and projects, as tables and as JSON', async () => {
    await cli('workspace', 'create', 'Retail-Apps', 'retail-apps', '--label', 'tier=gold', '--cpu', '16', '--memory', '64Gi');
    const { stdout: table } = await cli('ws', 'list', '--label', 'tier=gold');
    expect(table).toContain('Retail-Apps');
    expect(table).toContain('cpu=16 memory=64Gi');
    const { stdout: json } = await cli('ws', 'list', '-o', 'json');
    const retail = (JSON.parse(json) as { slug: string; id: string }[]).find((w) => w.slug === 'retail-apps')!;
    await cli('project', 'create', retail.id, 'Storefront', 'storefront', '--cpu', '4');
    const { stdout: projects } = await cli('project', 'list', '-w', retail.id, '-o', 'json');
    expect(JSON.parse(projects)).toMatchObject([{ slug: 'storefront', quota: { cpu: '4' } }]);
  });

  it('prints the problem detail and exits 1 on refusal', async () => {
    const failed = await cli('project', 'quota', 'prj_00000000000000000000000000', '--cpu', '1').catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('404');
  });

  it('finds its own actions in the audit log', async () => {
    const { stdout } = await cli('audit', 'list', '--action', 'workspace:', '-o', 'json');
    const events = JSON.parse(stdout) as { action: string; actor: { kind: string } }[];
    expect(events.some((e) => e.action === 'workspace:create' && e.actor.kind === 'apiKey')).toBe(true);
  });

  it('exports the audit log and verifies it offline; a changed file fails verify with exit 1', async () => {
    while ((await sealPending(t.deps)) > 0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hx-export-'));
    const exported = await cli('audit', 'export', '--out', dir, '-o', 'json');
    expect(JSON.parse(exported.stdout)).toMatchObject({ complete: true, fromSeq: 1 });
    const ok = await cli('audit', 'verify', dir);
    expect(ok.stdout).toMatch(/^OK: \d+ events verified against checkpoint \d+/);
    const file = path.join(dir, 'events.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"outcome":"success"', '"outcome":"failed"'));
    const failed = await cli('audit', 'verify', dir).catch((e: { code: number; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stdout: string }).stdout).toContain('FAILED (file-hash)');
  });

  it('manages and previews PII rules, and reads the audit log unmasked (pii-rule, audit --unmasked)', async () => {
    const rule = JSON.parse((await cli('pii-rule', 'create', 'CLI phones', '--detector', 'phone', '--mode', 'read', '--style', 'redact', '--country', 'JP', '-o', 'json')).stdout);
    expect(rule).toMatchObject({ detector: 'phone', defaultCountry: 'JP', appliesTo: { payload: true } });
    expect(JSON.parse((await cli('pii-rule', 'preview', 'call 03-1234-5678', '-o', 'json')).stdout).masked).toBe('call [phone]');
    await cli('pii-rule', 'update', rule.id, '--enabled', 'false', '--if-match', '"v1"');
    const rules = JSON.parse((await cli('pii-rule', 'list', '-o', 'json')).stdout) as { id: string; enabled: boolean }[];
    expect(rules.find((r) => r.id === rule.id)?.enabled).toBe(false);
    await cli('pii-rule', 'delete', rule.id);
    const events = JSON.parse((await cli('audit', 'list', '--unmasked', '--action', 'pii-rule:', '-o', 'json')).stdout) as { action: string }[];
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['pii-rule:create', 'pii-rule:update', 'pii-rule:delete']));
  });
});

describe('the demo seed', () => {
  it('builds the Acme Financial Group scenario once', async () => {
    const first = await seedDemo(t.deps, t.adminUserId, t.deps.log);
    expect(first).not.toBeNull();
    const again = await seedDemo(t.deps, t.adminUserId, t.deps.log);
    expect(again).toBeNull();
    const client = createHexaplaneClient({ baseUrl, apiKey: first!.apiKey });
    const visible = unwrap(await client.GET('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId: first!.orgId }, query: {} } }));
    // The demo key is a Finance-BU developer key: it sees only its workspace.
    expect(visible.items.map((w) => w.name)).toEqual(['Finance-BU']);
    const admin = await signIn(t.app);
    const roles = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${first!.orgId}/roles`, 200, { query: { limit: '200' } });
    expect(roles.items.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['Finance Auditor', 'BU Platform Lead']));
    const policies = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${first!.orgId}/policies`, 200);
    expect(policies.items).toHaveLength(1);
  });
});

// Last: it changes the administrator's password.
describe('hexaplane admin', () => {
  it('resets a password as the operator, ending sessions, and audits it', async () => {
    const before = await signIn(t.app);
    const { stdout } = await run(process.execPath, ['bin/hexaplane.mjs', 'admin', 'reset-password', ADMIN_EMAIL], {
      env: { ...process.env, DATABASE_URL: t.databaseUrl, HEXAPLANE_DATA_DIR: t.config.dataDir, HEXAPLANE_LOG_LEVEL: 'warn' },
    });
    const password = /\(shown once\): (\S+)/.exec(stdout)![1]!;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: before.cookie } })).statusCode).toBe(401);
    await expect(signIn(t.app)).rejects.toThrow();
    const after = await signIn(t.app, ADMIN_EMAIL, password);
    const audit = await expectJson(t.app, after, 'GET', `/api/v1/orgs/${orgId}/audit-events`, 200, { query: { action: 'user:reset-password' } });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0].actor).toMatchObject({ kind: 'system', id: 'operator' });
  });
});
