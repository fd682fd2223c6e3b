/**
 * The Notification channels page in a real browser (ADR 0016): an e-mail channel and a
 * Slack-compatible one are added, the Slack one is sent a test message that reaches a real
 * receiver on 127.0.0.2, and the page never shows the webhook URL.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackMessageSchema } from '../../src/modules/integrations/channel-schemas.ts';
import { startReceiver, type Receiver } from '../integrations/webhook-receiver.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { openSignedInConsole } from '../support/console-browser.ts';
import { CHROMIUM, peerAvailable } from '../support/peers.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP = 10_000;

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('the Notification channels page', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let receiver: Receiver;
  let orgId: string;
  let errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console`);
    t = await createTestApp({ egressAllowCidrs: ['127.0.0.2/32'] });
    receiver = await startReceiver('127.0.0.2');
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
    ({ browser, page, errors } = await openSignedInConsole(base, { stepMs: STEP }));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await t?.close();
  });

  it('adds an e-mail and a Slack channel, tests the Slack one, and never shows its URL', async () => {
    await page.goto(`/orgs/${orgId}/notification-channels`);
    await page.getByTestId('channel-create').click();
    await page.getByTestId('channel-name').fill('Finance BU managers');
    await page.getByTestId('channel-recipients').fill('cfo@acme.example\ncontroller@acme.example');
    await page.getByTestId('channel-submit').click();
    await page.locator('[data-testid="channel-row"][data-name="Finance BU managers"]').waitFor();

    await page.getByTestId('channel-create').click();
    await page.getByTestId('channel-name').fill('finops');
    await page.getByTestId('channel-kind').getByText('Slack-compatible webhook').click();
    await page.getByTestId('channel-webhook-url').fill(`${receiver.url}/services/T9/B9/browser-secret`);
    await page.getByTestId('channel-submit').click();
    const row = page.locator('[data-testid="channel-row"][data-name="finops"]');
    await row.waitFor();
    expect(await row.innerText()).toContain(`127.0.0.2:${receiver.port}`);
    expect(await page.content()).not.toContain('browser-secret');

    await row.getByTestId('channel-test').click();
    await page.getByText('finops took the test message').waitFor();
    expect(receiver.received).toHaveLength(1);
    expect(slackMessageSchema.parse(JSON.parse(receiver.received[0]!.body)).blocks?.[0]?.text?.text).toBe('Hexaplane test notification');
    expect(errors).toEqual([]);
  }, 60_000);
});
