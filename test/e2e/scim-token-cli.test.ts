import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let orgId: string;
let apiKey: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme-scim-cli' } })).id;
  apiKey = (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'cli', roleId: 'org-admin' } })).secret;
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => t?.close());

describe('hexaplane scim-token', () => {
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-scim-cli-'));
  const cli = (...args: string[]) =>
    run(process.execPath, ['bin/hexaplane.mjs', ...args], { env: { ...process.env, XDG_CONFIG_HOME: configHome, HEXAPLANE_URL: baseUrl, HEXAPLANE_API_KEY: apiKey, HEXAPLANE_ORG: orgId } });

  it('creates (token shown once with the base URL), lists, rotates and revokes', async () => {
    const { stdout: created } = await cli('scim-token', 'create', 'okta');
    expect(created).toMatch(/SCIM base URL: \S+\/scim\/v2/);
    const token = /hxs_\S+/.exec(created)![0];
    const tokenId = /stk_[0-9a-z]{26}/.exec(created)![0];
    const scimOk = await t.app.inject({ method: 'GET', url: '/scim/v2/Users', headers: { authorization: `Bearer ${token}` } });
    expect(scimOk.statusCode).toBe(200);

    const { stdout: listed } = await cli('scim-token', 'list', '-o', 'json');
    expect(JSON.parse(listed)).toMatchObject([{ id: tokenId, name: 'okta', status: 'active' }]);
    const { stdout: rotated } = await cli('scim-token', 'rotate', tokenId, '--overlap-minutes', '0', '-o', 'json');
    expect(JSON.parse(rotated).token).toMatch(/^hxs_/);
    const { stdout: revoked } = await cli('scim-token', 'revoke', tokenId);
    expect(revoked).toContain('revoked');
  });
});
