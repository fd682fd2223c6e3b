/**
 * The console's one step-up prompt (ADR 0013) in Chromium: an administrator with an
 * authenticator app, in an organization that requires MFA for administrators, saves the security
 * policy after the step-up window has passed. The API answers 403 step-up-required; the console
 * asks for a code once (not the page: the prompt is global), proves it, and retries the save;
 * then the same with a passkey (Chromium's virtual authenticator).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.ts';
import type { MfaTables } from '../../src/modules/identity/mfa-store.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { CHROMIUM, chromiumArgs, peerAvailable } from '../support/peers.ts';
import { freePort } from '../support/ports.ts';

const CONSOLE_INDEX = path.resolve('console/dist/index.html');
const STEP_TIMEOUT = 15_000;

/** Types a six-digit code into a Mantine PinInput (focus moves from box to box). */
async function typeCode(page: Page, testId: string, code: string) {
  await page.getByTestId(testId).locator('input').first().click();
  await page.keyboard.type(code);
}

describe.skipIf(!peerAvailable('chromium', CHROMIUM))('step-up prompt in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const clock = fixedClock(new Date());
  // Each code from its own 30-second step: a code is never accepted twice.
  const nextCode = async (secret: string) => {
    clock.advance(30_000);
    return generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
  };

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run npm run build:console (npm test does)`);
    const port = await freePort();
    // WebAuthn refuses IP addresses as relying party ids: the console is served as localhost.
    base = `http://localhost:${port}`;
    t = await createTestApp({ publicUrl: base });
    t.deps.clock = clock;
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...chromiumArgs, '--host-resolver-rules=MAP localhost 127.0.0.1'], timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a TOTP code (then a passkey) when a sensitive save answers step-up-required, then retries the save', async () => {
    const admin = await signIn(t.app);
    const orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Step-up', slug: 'step-up' } })).id as string;
    const started = await expectJson(t.app, admin, 'POST', '/api/v1/me/mfa/totp', 201);
    const secret = started.secret as string;
    await expectJson(t.app, admin, 'POST', '/api/v1/me/mfa/totp/confirm', 200, { body: { code: await nextCode(secret) } });
    const policy = (await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/security-policy`, 200)) as Record<string, unknown> & { version: number };
    const body = { mfa: { required: 'admins', stepUpMinutes: 1 }, password: policy.password, sessions: policy.sessions, ipAllowList: policy.ipAllowList, lockout: { threshold: 5, baseSeconds: 30 } };
    await expectJson(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/security-policy`, 200, { body });

    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const puts: number[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'PUT' && r.url().endsWith('/security-policy')) puts.push(r.status());
    });
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(t.config.dataDir, 'step-up-failure.png'), fullPage: true }).catch(() => {});
      console.error('page errors', errors, 'at', page.url(), 'screenshot', path.join(t.config.dataDir, 'step-up-failure.png'));
    });

    // Password, then the authenticator app.
    await page.goto('/sign-in');
    await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
    await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('mfa-step').waitFor();
    await typeCode(page, 'mfa-totp', await nextCode(secret));
    await page.getByTestId('mfa-submit').click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));

    await page.goto(`/orgs/${orgId}/security-policy`);
    await page.getByLabel('Failures before lockout').waitFor();
    // The second factor of this session is now older than the one-minute step-up window.
    clock.advance(2 * 60_000);
    await page.getByLabel('Failures before lockout').fill('7');
    await page.getByTestId('security-policy-save').click();

    const prompt = page.getByTestId('step-up-totp');
    await prompt.waitFor();
    await typeCode(page, 'step-up-totp', await nextCode(secret));
    await page.getByTestId('step-up-verify').click();
    await page.getByText('Security policy saved').waitFor();
    await prompt.waitFor({ state: 'detached' });

    // One refusal, one retried success; the policy changed and the step-up is on record.
    expect(puts).toEqual([403, 200]);
    const saved = await t.db.withTables<MfaTables>().selectFrom('org_security_policies').select('policy').where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect((saved.policy as { lockout: { threshold: number } }).lockout.threshold).toBe(7);
    const stepUps = await t.db.selectFrom('audit_events').select(['action', 'outcome']).where('org_id', '=', orgId).where('action', '=', 'session:step-up').execute();
    expect(stepUps).toEqual([{ action: 'session:step-up', outcome: 'success' }]);

    // A passkey, added while the second factor is fresh, answers the next prompt.
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await page.goto('/me/mfa');
    await page.getByTestId('mfa-passkey-name').fill('Virtual authenticator');
    await page.getByTestId('mfa-passkey-add').click();
    await page.getByTestId('mfa-passkey-row').waitFor();
    await page.goto(`/orgs/${orgId}/security-policy`);
    await page.getByLabel('Failures before lockout').waitFor();
    clock.advance(2 * 60_000);
    await page.getByLabel('Failures before lockout').fill('8');
    await page.getByTestId('security-policy-save').click();
    await page.getByTestId('step-up-passkey').click();
    await page.getByTestId('step-up-totp').waitFor({ state: 'detached' });
    // The retried save (an earlier "saved" notice may still be on screen: count the responses).
    await expect.poll(() => puts.length, { timeout: STEP_TIMEOUT }).toBe(4);
    expect(puts).toEqual([403, 200, 403, 200]);
    const again = await t.db.withTables<MfaTables>().selectFrom('org_security_policies').select('policy').where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect((again.policy as { lockout: { threshold: number } }).lockout.threshold).toBe(8);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
