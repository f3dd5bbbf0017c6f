/**
 * The map in a real browser: Chromium (Debian's, never a downloaded one) loads /map from a
 * gateway listening on 127.0.0.1, with tile requests cut off as if offline. Markers and popups
 * must show every place, names as literal text; an HTML-looking name must not execute.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const XSS = '<img src=x onerror=alert(1)>';
const SEEDED = [
  { name: 'Graz', latitude: 47.09113253131379, longitude: 15.475817295884495 },
  { name: 'Taipei', latitude: 25.031224572388727, longitude: 121.56835539277961 },
  { name: XSS, latitude: 64.1466, longitude: -21.9426 },
];
const SAO_JOSE = { name: 'São José', latitude: '-27.597724533718875', longitude: '-48.61495221317449' };

const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.KEYWARD_REQUIRE_SERVICES === '1') {
    throw new Error(
      `${CHROMIUM} is missing and KEYWARD_REQUIRE_SERVICES=1: install it with apt-get install chromium`,
    );
  }
  console.warn(`map.browser.test: skipped, ${CHROMIUM} is not installed (apt-get install chromium)`);
}

let gw: TestGateway;
let base: string;
let browser: Browser;
beforeAll(async () => {
  if (!available) return;
  gw = await createTestGateway({
    yaml: 'services:\n  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor] }, map: /map }\n',
  });
  await gw.store.places.import(SEEDED);
  base = await gw.listen();
  // The seed's own call: a REST client posting São José with an editor's key.
  const { key } = await gw.keys.create({ name: 'editor', roles: ['editor'] }, { id: 'test' });
  const posted = await fetch(`${base}/v1/places`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(SAO_JOSE),
  });
  expect(posted.status).toBe(201);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

describe.skipIf(!available)('the map page in Chromium', () => {
  test('shows a marker and a text popup per place, offline, with the XSS name inert', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const dialogs: string[] = [];
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) foreignRequests.push(request.url());
    });
    // Offline: every tile request fails, as it would with no network.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort('internetdisconnected'));

    await page.goto(`${base}/map`);
    await page.locator('#map[data-state="ready"]').waitFor({ timeout: 15_000 });
    // Offline, the page says why there is no map under the markers instead of staying grey.
    await page.locator('#tiles-notice').waitFor({ state: 'visible' });
    expect(await page.locator('#tiles-notice').textContent()).toContain('map tiles could not be loaded');
    expect(await page.locator('#map').getAttribute('data-count')).toBe('4');
    await expect.poll(() => page.locator('.leaflet-marker-icon').count()).toBe(4);

    for (const name of ['São José', 'Graz', 'Taipei', XSS]) {
      await page.getByTitle(name, { exact: true }).click();
      const popup = page.locator('.leaflet-popup-content');
      await popup.waitFor();
      expect(await popup.textContent()).toBe(name);
      await page.locator('.leaflet-popup-close-button').click();
      await popup.waitFor({ state: 'detached' });
    }

    // The XSS name was shown as text: no <img src=x> element exists and no dialog ever opened.
    await page.getByTitle(XSS, { exact: true }).click();
    expect(await page.locator('.leaflet-popup-content').innerHTML()).toContain(
      '&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    // Leaflet and the page came from Keyward; only tile requests went elsewhere (and failed).
    expect(foreignRequests.every((url) => url.startsWith('https://tile.openstreetmap.org/'))).toBe(true);

    // The screenshot shows the seed's place with its popup open.
    await page.locator('.leaflet-popup-close-button').click();
    await page.locator('.leaflet-popup-content').waitFor({ state: 'detached' });
    await page.getByTitle('São José', { exact: true }).click();
    // Runs in the page; the tsconfig has no DOM types, hence the narrow cast.
    type Win = { getComputedStyle(element: unknown): { opacity: string } };
    const opacity = () =>
      page
        .locator('.leaflet-popup')
        .evaluate((el) => (globalThis as unknown as Win).getComputedStyle(el).opacity);
    await expect.poll(opacity).toBe('1');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'map.png') });
    await page.close();
  });

  test('with no places the page says so', async () => {
    await gw.store.db.deleteFrom('places').execute();
    const page = await browser.newPage();
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort('internetdisconnected'));
    await page.goto(`${base}/map`);
    await page.locator('#map[data-state="ready"]').waitFor();
    expect(await page.locator('#status').textContent()).toBe('No places yet.');
    expect(await page.locator('.leaflet-marker-icon').count()).toBe(0);
    await page.close();
  });
});
