/**
 * The SIEM streams page in a real browser: create a signed-NDJSON stream to a loopback
 * receiver, see its health, test it, and stream real events to it.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealPending } from '../../src/modules/audit/sealer.ts';
import { createStreamWorker } from '../../src/modules/audit/stream-worker.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';
import { freePort } from '../support/ports.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
// A missing console build fails under HEXAPLANE_REQUIRE_PEERS like a missing browser, instead of skipping.
const ready = peerAvailable('chromium', CHROMIUM) && peerAvailable('the console build (npm run build:console)', CONSOLE_INDEX);

describe.skipIf(!ready)('SIEM streams page', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let orgId: string;
  let receiver: http.Server;
  let received = 0;
  const shots = mkdtempSync(path.join(os.tmpdir(), 'hx-siem-shots-'));

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received += body.split('\n').filter(Boolean).length;
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ publicUrl: base });
    const admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } })).id;
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, timeout: 30_000 });
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base })).newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    receiver?.close();
    rmSync(shots, { recursive: true, force: true });
  });

  it('creates a stream, shows its health and tests it', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
    await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.waitForURL(/\/orgs/);
    await page.goto(`/orgs/${orgId}/siem-streams`);
    await page.getByTestId('stream-create').click();
    await page.getByTestId('stream-name').fill('collector');
    await page.getByTestId('stream-kind').getByText('HTTPS (NDJSON)').click();
    await page.getByTestId('stream-url').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`);
    await page.getByTestId('stream-secret').fill('browser-hmac-secret');
    await page.getByTestId('stream-submit').click();
    const row = page.getByTestId('stream-row').filter({ hasText: 'collector' });
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('active');

    await row.getByTestId('stream-test').click();
    await page.getByText('Test sent').waitFor();
    expect(received).toBe(1);

    // Real events flow, and the page shows them delivered.
    while ((await sealPending(t.deps)) > 0);
    const worker = createStreamWorker(t.deps, { pollMs: 50 });
    for (let i = 0; i < 20 && received < 2; i++) {
      await worker.runOnce();
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.reload();
    await page.getByTestId('stream-row').filter({ hasText: 'lag 0' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'siem-streams.png'), fullPage: true });
    // Only the SIEM streams entry is highlighted in the navigation.
    expect(await page.locator('a[aria-current="page"], a[data-active]').allTextContents()).toEqual(['SIEM streams']);
    expect(received).toBeGreaterThan(1);
    expect(errors).toEqual([]);
  });
});
