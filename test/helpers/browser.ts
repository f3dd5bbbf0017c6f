/**
 * Debian's Chromium for browser tests, driven by playwright-core (never a downloaded browser):
 * whether it is installed (skip with a printed reason, or fail under KEYWARD_REQUIRE_SERVICES=1),
 * how to launch it, where screenshots go, and a watch on a page's script errors and CSP reports.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots and other artifacts (git-ignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/** Whether Chromium is here; when not, says why the suite skips (or throws when it must not). */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.KEYWARD_REQUIRE_SERVICES === '1')
    throw new Error(
      `${CHROMIUM} is missing and KEYWARD_REQUIRE_SERVICES=1: install it with apt-get install chromium`,
    );
  console.warn(`${suite}: skipped, ${CHROMIUM} is not installed (apt-get install chromium)`);
  return false;
}

/** Starts headless Chromium with the project's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Saves a full-page screenshot under test-artifacts/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Collects a page's uncaught errors and Content-Security-Policy violations. */
export function watchPage(page: Page): { errors: string[]; csp: string[] } {
  const seen = { errors: [] as string[], csp: [] as string[] };
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) seen.csp.push(message.text());
  });
  return seen;
}
