/**
 * The developer portal in a real browser (Debian's Chromium): a developer signs up, creates a
 * key, calls a service with it (from the test and from the page's try-it form) and sees the
 * usage and quota; a second developer sees none of it, in the page and at the API.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../helpers/browser.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

/** A real browser on a busy 2-core machine: generous, as these are not speed tests. */
const BROWSER_TEST_TIMEOUT = 60_000;
const available = chromiumAvailable('portal.browser.test');

let gw: TestGateway;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  gw = await createTestGateway({
    env: { KEYWARD_MASTER_KEY: randomBytes(32).toString('base64') },
    yaml: [
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'plans:',
      '  starter: { limits: [{ requests: 10, per: second }, { requests: 100, per: day }] }',
      'services:',
      '  time: { path: /v1/time, auth: [apiKey] }',
      '  primes: { path: /v1/primes, auth: [apiKey] }',
      '  places: { path: /v1/places, auth: [jwt], roles: [editor] }',
      'portal: { enabled: true, registration: open, plan: starter, maxKeysPerUser: 3 }',
      '',
    ].join('\n'),
  });
  base = await gw.listen();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

async function signUp(page: Page, username: string) {
  await page.goto(`${base}/portal`);
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-password-1`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
}

describe.skipIf(!available)('the developer portal in Chromium', () => {
  let danaKeyId = '';

  test(
    'sign up, create a key, call a service, try a call from the page, see usage and quota',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const seen = watchPage(page);
      await page.goto(`${base}/portal`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await screenshot(page, 'portal-sign-in');
      await signUp(page, 'dana');
      // Only what a portal key may call: time and primes, not places (JWT editors only).
      await page.getByRole('heading', { name: /^time/ }).waitFor();
      expect(await page.getByRole('heading', { name: /^primes/ }).count()).toBe(1);
      expect(await page.getByRole('heading', { name: /^places/ }).count()).toBe(0);

      await page.getByRole('link', { name: 'My keys' }).click();
      await page.getByText('No keys yet').waitFor();
      await page.getByLabel('Key name').fill('dana-laptop');
      await page.getByRole('button', { name: 'Create key' }).click();
      const key = (await page.getByTestId('plaintext').textContent()) ?? '';
      expect(key).toMatch(/^kw_/);
      await page.getByRole('cell', { name: 'dana-laptop' }).waitFor();
      await screenshot(page, 'portal-keys');
      danaKeyId = (await gw.keys.list({ limit: 10, name: 'dana-laptop' })).items[0]!.id;

      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${base}/v1/time`, { headers: { 'x-api-key': key } });
        expect(res.status).toBe(200);
      }

      // Try it, from the page, with the key just made (kept in memory only).
      await page.getByRole('link', { name: 'APIs' }).click();
      const time = page.locator('.card', { has: page.getByRole('heading', { name: /^time/ }) });
      await time.getByRole('button', { name: 'Send request' }).click();
      const response = time.getByTestId('try-response');
      await response.waitFor();
      expect(await response.textContent()).toContain('currentTime');
      await time.getByText('HTTP 200').waitFor();
      await screenshot(page, 'portal-apis');

      await page.getByRole('link', { name: 'Usage & quota' }).click();
      await expect.poll(() => page.getByTestId('stat-total').textContent()).toBe('3');
      const quota = page.getByTestId(`quota-${danaKeyId}-day`);
      await expect.poll(() => quota.textContent()).toContain('97 left of 100');
      await screenshot(page, 'portal-usage');
      expect(seen.errors).toEqual([]);
      expect(seen.csp).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  test(
    'a taken username is refused on the page; a developer revokes a key through its dialog',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const seen = watchPage(page);
      await page.goto(`${base}/portal`);
      await page.getByRole('tab', { name: 'Create account' }).click();
      await page.getByLabel('Username').fill('dana');
      await page.getByLabel('Password').fill('another-password-1');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('That username is taken; choose another.').waitFor();
      expect(await page.getByRole('button', { name: 'Create account' }).isEnabled()).toBe(true);

      await signUp(page, 'fay');
      await page.getByRole('link', { name: 'My keys' }).click();
      await page.getByLabel('Key name').fill('fay-laptop');
      await page.getByRole('button', { name: 'Create key' }).click();
      const row = page.getByRole('row', { name: /fay-laptop/ });
      await row.getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await row.getByText('revoked').waitFor();
      const id = (await gw.keys.list({ limit: 10, name: 'fay-laptop' })).items[0]!.id;
      expect((await gw.keys.get(id))?.revokedAt).not.toBeNull();
      expect(seen.errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  test(
    "a second developer sees none of the first's keys or usage, in the page and at the API",
    async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await signUp(page, 'eve');
      await page.getByRole('link', { name: 'My keys' }).click();
      await page.getByText('No keys yet').waitFor();
      expect(await page.content()).not.toContain('dana-laptop');
      await screenshot(page, 'portal-narrow-other-developer');
      await page.getByRole('link', { name: 'Usage & quota' }).click();
      await expect.poll(() => page.getByTestId('stat-total').textContent()).toBe('0');

      // The same at the API, with eve's own token.
      const signIn = await fetch(`${base}/portal/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-keyward-csrf': '1' },
        body: JSON.stringify({ username: 'eve', password: 'eve-password-1' }),
      });
      const { access_token: token } = (await signIn.json()) as { access_token: string };
      const auth = { authorization: `Bearer ${token}` };
      const keys = (await (await fetch(`${base}/portal/api/keys`, { headers: auth })).json()) as {
        items: unknown[];
      };
      expect(keys.items).toEqual([]);
      const revoke = await fetch(`${base}/portal/api/keys/${danaKeyId}/revoke`, {
        method: 'POST',
        headers: auth,
      });
      expect(revoke.status).toBe(404);
      const usage = await fetch(`${base}/portal/api/usage?key=${danaKeyId}`, { headers: auth });
      expect(usage.status).toBe(404);
      expect((await gw.keys.get(danaKeyId))?.revokedAt).toBeNull();
      await context.close();
    },
    BROWSER_TEST_TIMEOUT,
  );
});
