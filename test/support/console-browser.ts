import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './app.ts';
import { CHROMIUM, chromiumArgs } from './peers.ts';

/** Debian's Chromium on the console at `baseURL`, signed in as the bootstrap administrator. */

export interface ConsoleSession {
  browser: Browser;
  page: Page;
  /** Uncaught errors of the page: a test ends by expecting none. */
  errors: string[];
}

export async function openSignedInConsole(baseURL: string, options: { stepMs: number; acceptDownloads?: boolean }): Promise<ConsoleSession> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, timeout: 30_000 });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL, acceptDownloads: options.acceptDownloads ?? false })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(options.stepMs);
  await page.goto('/sign-in');
  await page.getByTestId('signin-email').fill(ADMIN_EMAIL);
  await page.getByTestId('signin-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await page.waitForURL(/\/orgs/);
  return { browser, page, errors };
}
