/**
 * The dashboard in a real browser (Debian's Chromium): an operator signs in, creates a key,
 * the test calls the gateway with it, the key's usage chart changes, the operator revokes it
 * and the next call is 401; and when the session ends, the sign-in page comes back.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserService } from '../../src/auth/login/users.js';
import type { Clock } from '../../src/clock.js';
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../helpers/browser.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

/** A real browser on a busy 2-core machine: generous, as these are not speed tests. */
const BROWSER_TEST_TIMEOUT = 60_000;
const available = chromiumAvailable('dashboard.browser.test');

/** Real time that the test can move ahead, to let tokens expire without waiting. */
const clock = new (class implements Clock {
  offset = 0;
  now() {
    return Date.now() + this.offset;
  }
})();

let gw: TestGateway;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  gw = await createTestGateway({
    clock,
    env: { KEYWARD_MASTER_KEY: randomBytes(32).toString('base64') },
    yaml: [
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'plans:',
      '  trial: { limits: [{ requests: 4, per: minute }] }',
      'services:',
      '  time: { path: /v1/time, auth: [apiKey] }',
      'routes:',
      '  - { name: weather, path: /weather/*, methods: [GET], auth: [apiKey], rateLimit: [{ requests: 60, per: minute }], upstream: { url: "http://127.0.0.1:9/v2", inject: { query: { appid: "${secret:weather}" } } } }',
      '',
    ].join('\n'),
  });
  await new UserService(gw.store, clock).add('root', 'root-password-1', ['admin'], { id: 'test' });
  base = await gw.listen();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

const call = (key: string) => fetch(`${base}/v1/time`, { headers: { 'x-api-key': key } });

async function signIn(page: Page) {
  await page.goto(`${base}/ui`);
  await page.getByLabel('Username').fill('root');
  await page.getByLabel('Password').fill('root-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

describe.skipIf(!available)('the dashboard in Chromium', () => {
  test(
    'create a key, call with it, watch its usage chart, revoke it, see 401',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const seen = watchPage(page);
      await page.goto(`${base}/ui`);
      expect(page.url()).toBe(`${base}/ui/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await screenshot(page, 'ui-sign-in');

      await signIn(page);
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('button', { name: 'Create key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create an API key' });
      await dialog.getByLabel('Name').fill('browser-test');
      await dialog.getByLabel('Roles').fill('reader, billing');
      await dialog.getByLabel('Plan').selectOption('trial');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      const plaintext = page.getByTestId('plaintext');
      await plaintext.waitFor();
      const key = (await plaintext.textContent()) ?? '';
      expect(key).toMatch(/^kw_[0-9A-Za-z]{49}$/);
      await screenshot(page, 'ui-key-created');
      await page.getByRole('button', { name: 'Done' }).click();

      // The list shows it; the plaintext is gone for good.
      await page.getByRole('link', { name: 'browser-test' }).waitFor();
      expect(await page.content()).not.toContain(key);

      for (let i = 0; i < 3; i++) expect((await call(key)).status).toBe(200);
      await page.getByRole('link', { name: 'browser-test' }).click();
      const chart = page.locator('figure[data-mode="requests"]');
      await expect.poll(() => chart.getAttribute('data-total')).toBe('3');

      // More calls, some over the trial plan's 4 a minute: the chart follows.
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(key)).status);
      expect(statuses).toEqual([200, 429, 429]);
      await page.getByRole('button', { name: 'Last day' }).click();
      await expect.poll(() => chart.getAttribute('data-total')).toBe('6');
      expect(await page.locator('figure[data-mode="rates"]').getAttribute('data-429')).toBe('2');
      await screenshot(page, 'ui-key-usage');

      await page.getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
      await page.locator('.page-head .badge', { hasText: 'revoked' }).waitFor();
      const refused = await call(key);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('KW_ERR_KEY_REVOKED');

      expect(seen.errors).toEqual([]);
      expect(seen.csp).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  test(
    'every page renders, in a narrow window too',
    async () => {
      await gw.secrets.set('weather', 'not-for-your-eyes-0001', { id: 'test' });
      // Some traffic for the overview: successes, a bad key and a limit.
      const { key } = await gw.keys.create({ name: 'traffic', plan: 'trial' }, { id: 'test' });
      for (let i = 0; i < 5; i++) await call(key);
      await call('kw_notakey');
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const seen = watchPage(page);
      await signIn(page);
      await page.locator('figure[data-mode="requests"]').waitFor();
      await screenshot(page, 'ui-overview');
      for (const [link, heading, name] of [
        ['Routes & services', 'Routes & services', 'ui-routes'],
        ['Plans', 'Plans', 'ui-plans'],
        ['Secrets', 'Secrets', 'ui-secrets'],
        ['Users', 'Users', 'ui-users'],
        ['Signing keys', 'Signing keys', 'ui-signing-keys'],
        ['Audit log', 'Audit log', 'ui-audit'],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        // Every card on the page has loaded (some pages load two lists at once).
        await expect.poll(() => page.locator('.spinner').count()).toBe(0);
        await screenshot(page, name);
      }
      // Secrets: names and times only; the value never reaches the page.
      await page.getByRole('link', { name: 'Secrets', exact: true }).click();
      await page.getByRole('cell', { name: 'weather' }).waitFor();
      expect(await page.content()).not.toContain('not-for-your-eyes');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('link', { name: 'traffic' }).waitFor();
      await screenshot(page, 'ui-narrow-keys');
      // The landing page and the API reference, under their own CSPs.
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.goto(`${base}/`);
      await page.getByRole('link', { name: /Dashboard/ }).waitFor();
      await screenshot(page, 'landing');
      expect(seen.errors).toEqual([]);
      expect(seen.csp).toEqual([]);
      // Swagger UI (not Keyward's page) applies an inline style its own CSP refuses; harmless there.
      await page.goto(`${base}/docs`);
      await page.getByRole('heading', { name: 'proxied routes' }).waitFor();
      expect(await page.title()).toBe('Keyward API reference');
      await screenshot(page, 'docs');
      expect(seen.errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  test(
    'the API keys and the audit log page through with Next and Previous',
    async () => {
      // 22 more keys than the other tests made: over a page of keys (20), and of audit entries (25).
      for (let i = 0; i < 22; i++)
        await gw.keys.create({ name: `paged-${String(i).padStart(2, '0')}` }, { id: 'test' });
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const seen = watchPage(page);
      await signIn(page);
      const rows = () => page.locator('tbody tr').allInnerTexts();
      const previous = page.getByRole('button', { name: 'Previous' });
      const next = page.getByRole('button', { name: 'Next' });

      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByText('Page 1', { exact: true }).waitFor();
      await expect.poll(async () => (await rows()).length).toBe(20);
      const first = await rows();
      expect(await previous.isDisabled()).toBe(true);
      await next.click();
      await page.getByText('Page 2', { exact: true }).waitFor();
      await expect.poll(async () => (await rows())[0]).not.toBe(first[0]);
      const second = await rows();
      expect(second.length).toBeGreaterThan(0);
      expect(second.filter((row) => first.includes(row))).toEqual([]);
      await previous.click();
      await page.getByText('Page 1', { exact: true }).waitFor();
      await expect.poll(rows).toEqual(first);

      await page.getByRole('link', { name: 'Audit log', exact: true }).click();
      await page.getByText('Page 1', { exact: true }).waitFor();
      await expect.poll(async () => (await rows()).length).toBe(25);
      const newest = await rows();
      await next.click();
      await page.getByText('Page 2', { exact: true }).waitFor();
      await expect.poll(async () => (await rows())[0]).not.toBe(newest[0]);
      expect(await previous.isEnabled()).toBe(true);
      expect(seen.errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  test(
    "a key's plan edited and the key rotated, a user added and a secret set, each from its dialog",
    async () => {
      const { record } = await gw.keys.create({ name: 'editable', plan: 'trial' }, { id: 'test' });
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const seen = watchPage(page);
      await signIn(page);

      // The edit form shows the key's plan; "No plan" saves it without one.
      await page.evaluate(`location.hash = '#/keys/${record.id}'`);
      const form = page.getByRole('form', { name: 'Edit key' });
      await expect.poll(() => form.getByLabel('Plan').inputValue()).toBe('trial');
      await form.getByLabel('Plan').selectOption('');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect((await gw.store.apiKeys.findById(record.id))?.plan).toBeNull();

      // Cancel closes the rotation dialog and changes nothing; "Rotate key" rotates.
      await page.getByRole('button', { name: 'Rotate', exact: true }).click();
      const rotate = page.getByRole('dialog', { name: 'Rotate editable' });
      await rotate.getByRole('button', { name: 'Cancel' }).click();
      await rotate.waitFor({ state: 'detached' });
      expect((await gw.store.apiKeys.findById(record.id))?.rotatedTo).toBeNull();
      await page.getByRole('button', { name: 'Rotate', exact: true }).click();
      await rotate.getByRole('button', { name: 'Rotate key' }).click();
      await page.getByRole('dialog', { name: 'Key rotated' }).waitFor();
      expect((await gw.store.apiKeys.findById(record.id))?.rotatedTo).toMatch(/^key_/);
      await page.getByRole('button', { name: 'Done' }).click();

      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByRole('button', { name: 'Add user' }).click();
      const add = page.getByRole('dialog', { name: 'Add a user' });
      await add.getByLabel('Username').fill('ops-two');
      await add.getByLabel('Password').fill('ops-two-password');
      await add.getByLabel('Roles').fill('admin');
      await add.getByRole('button', { name: 'Add user' }).click();
      await page.getByRole('cell', { name: 'ops-two' }).waitFor();
      expect((await gw.store.users.findByUsername('ops-two'))?.roles).toEqual(['admin']);

      await page.getByRole('link', { name: 'Secrets', exact: true }).click();
      await page.getByRole('button', { name: 'Set a secret' }).click();
      const secret = page.getByRole('dialog', { name: 'Set a secret' });
      await secret.getByLabel('Name').fill('paid-api');
      await secret.getByLabel('Value').fill('not-for-your-eyes-0002');
      await secret.getByRole('button', { name: 'Save secret' }).click();
      await page.getByRole('cell', { name: 'paid-api' }).waitFor();
      expect(await page.content()).not.toContain('not-for-your-eyes-0002');
      expect(seen.errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  test(
    'a session that ends brings back the sign-in page with a notice',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      await signIn(page);
      // Past the access token's 15 minutes and the refresh token's 30 days.
      clock.offset = 31 * 86_400_000;
      try {
        // Any call now ends the session: the overview's own refresh may get there before this
        // navigation does (and take the Users link away with the page), which ends it just as well.
        await page.evaluate("location.hash = '#/users'");
        await page.getByText('Your session has ended').waitFor();
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        await screenshot(page, 'ui-session-ended');
      } finally {
        clock.offset = 0;
      }
      await page.close();
    },
    BROWSER_TEST_TIMEOUT,
  );
});
