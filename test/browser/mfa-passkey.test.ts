/**
 * Passkeys in a real browser (ADR 0013): Chromium's DevTools virtual authenticator stands in
 * for a platform authenticator. The user registers a passkey in the console's MFA page, signs
 * out, and signs in again with password + passkey, landing in the console with `mfaAt` set.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { MfaTables } from '../../src/modules/identity/mfa-store.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';
import { freePort } from '../support/ports.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP_TIMEOUT = 15_000;

async function signInWithPassword(page: Page) {
  await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
  await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('signin-submit').click();
}

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('passkeys in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console (npm test does)`);
    const port = await freePort();
    // WebAuthn refuses IP addresses as relying party ids: the console is served as localhost.
    base = `http://localhost:${port}`;
    t = await createTestApp({ publicUrl: base });
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...chromiumArgs, '--host-resolver-rules=MAP localhost 127.0.0.1'], timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('registers a passkey with the virtual authenticator and signs in with it', async () => {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(t.config.dataDir, 'mfa-failure.png'), fullPage: true }).catch(() => {});
      console.error('page errors', errors, 'screenshot', path.join(t.config.dataDir, 'mfa-failure.png'));
    });

    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });

    await page.goto('/sign-in');
    await signInWithPassword(page);
    await page.waitForURL('**/orgs');

    await page.goto('/me/mfa');
    await page.getByTestId('mfa-passkey-name').fill('Virtual authenticator');
    await page.getByTestId('mfa-passkey-add').click();
    await page.getByTestId('mfa-recovery-codes').waitFor();
    await page.getByTestId('mfa-passkey-row').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    const stored = await t.db.withTables<MfaTables>().selectFrom('mfa_webauthn_credentials').select(['id', 'name']).execute();
    expect(stored).toEqual([{ id: expect.any(String), name: 'Virtual authenticator' }]);

    // Sign out (a new context has no cookie), then sign in: the password asks for the passkey.
    const fresh = await browser.newContext({ baseURL: base });
    const again = await fresh.newPage();
    again.setDefaultTimeout(STEP_TIMEOUT);
    const cdp2 = await fresh.newCDPSession(again);
    await cdp2.send('WebAuthn.enable');
    const second = await cdp2.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    // The same passkey, moved to the new browser profile's authenticator.
    await cdp2.send('WebAuthn.addCredential', { authenticatorId: second.authenticatorId, credential: credentials[0]! });

    await again.goto('/sign-in');
    await signInWithPassword(again);
    await again.getByTestId('mfa-step').waitFor();
    await again.getByTestId('mfa-passkey').click();
    await again.waitForURL('**/orgs');
    const me = (await again.evaluate(async () => (await fetch('/api/v1/me/mfa')).json())) as { mfaAt: string | null; webauthn: { lastUsedAt: string | null }[] };
    expect(me.mfaAt).not.toBeNull();
    expect(me.webauthn[0]?.lastUsedAt).not.toBeNull();
    expect(errors).toEqual([]);
    await fresh.close();
    await context.close();
  });
});
