/**
 * The console's SSO mapping editor in Chromium: add a mapping (IdP group → workspace admin of
 * Finance-BU), preview who gets what before saving, save, and see a refused mapping's problem
 * with nothing changed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { openSignedInConsole } from '../support/console-browser.ts';
import { expectJson, signIn, type Credentials } from '../support/http.ts';
import { CHROMIUM, peerAvailable } from '../support/peers.ts';
import { startSamlIdp } from '../support/saml-idp.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP = 10_000;

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('SSO mappings in the console', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: Credentials;
  let orgId: string;
  let financeId: string;
  let connectionId: string;
  let errors: string[] = [];
  const org = (p: string) => `/api/v1/orgs/${orgId}${p}`;

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Initech', slug: 'initech' } })).id;
    financeId = (await expectJson(t.app, admin, 'POST', org('/workspaces'), 201, { body: { name: 'Finance-BU', slug: 'finance' } })).id;
    const idp = startSamlIdp();
    connectionId = (await expectJson(t.app, admin, 'POST', org('/sso-connections'), 201, { body: { name: 'Okta SAML', kind: 'saml', preset: 'okta', saml: { metadataXml: idp.metadata } } })).id;
    ({ browser, page, errors } = await openSignedInConsole(base, { stepMs: STEP }));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('adds a mapping, previews who gets what, and saves it', async () => {
    await page.goto(`/orgs/${orgId}/sso`);
    await page.getByTestId('sso-connection-row').filter({ hasText: 'Okta SAML' }).getByTestId('sso-connection-open').click();
    await page.getByTestId('sso-mapping-add').click();
    const row = page.getByTestId('sso-mapping-row').last();
    await row.getByTestId('sso-mapping-value').fill('finance-admins');
    await row.getByTestId('sso-mapping-scope').click();
    await page.getByRole('option', { name: 'Finance-BU' }).click();
    await row.getByTestId('sso-mapping-role').click();
    await page.getByRole('option', { name: 'Workspace administrator' }).click();

    await page.getByTestId('sso-mapping-sample').fill('finance-admins, everyone');
    await page.getByTestId('sso-mapping-preview').click();
    await expect.poll(() => page.getByTestId('sso-mapping-grant').allTextContents(), { timeout: STEP }).toEqual(['Workspace administrator in Finance-BU']);
    // A preview changes nothing.
    expect((await expectJson(t.app, admin, 'GET', org(`/sso-connections/${connectionId}`), 200)).mappings).toEqual([]);

    await page.getByTestId('sso-mapping-save').click();
    await expect
      .poll(async () => (await expectJson(t.app, admin, 'GET', org(`/sso-connections/${connectionId}`), 200)).mappings, { timeout: STEP })
      .toEqual([{ claim: 'groups', value: 'finance-admins', roleId: 'workspace-admin', scope: { type: 'workspace', id: financeId } }]);
  });

  it('shows a refused mapping and keeps the saved ones', async () => {
    await page.getByTestId('sso-mapping-add').click();
    // A value but no role: the server refuses the whole list.
    await page.getByTestId('sso-mapping-row').last().getByTestId('sso-mapping-value').fill('auditors');
    await page.getByTestId('sso-mapping-save').click();
    await expect.poll(() => page.getByText(/mappings\.1\.roleId|roleId/).count(), { timeout: STEP }).toBeGreaterThan(0);
    expect((await expectJson(t.app, admin, 'GET', org(`/sso-connections/${connectionId}`), 200)).mappings).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
