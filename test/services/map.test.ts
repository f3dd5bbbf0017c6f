import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAP_SCRIPT } from '../../src/services/map/browser.js';
import { escapeHtml, mapPageHtml, tileSource } from '../../src/services/map/page.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({
    yaml: 'services:\n  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor] } }\n',
  });
});
afterAll(() => gw.close());

describe('GET /map', () => {
  test('serves the page publicly, with Leaflet and the script loaded from Keyward itself', async () => {
    const res = await gw.app.inject({ url: '/map' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html).toContain('<script src="/map/assets/leaflet.js"></script>');
    expect(html).toContain('<script src="/map/assets/map.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/map/assets/leaflet.css">');
    expect(html).toContain('data-places-url="/v1/places"');
    expect(html).toContain('data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"');
    // Nothing from a CDN, and no inline script for the CSP to have to allow.
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/<script>/);
  });

  test('has a strict Content-Security-Policy naming only Keyward and the tile host', async () => {
    const res = await gw.app.inject({ url: '/map' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("img-src 'self' data: https://tile.openstreetmap.org");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test.each([
    ['leaflet.js', 'application/javascript; charset=utf-8'],
    ['leaflet.css', 'text/css; charset=utf-8'],
    ['map.js', 'application/javascript; charset=utf-8'],
    ['map.css', 'text/css; charset=utf-8'],
    ['images/marker-icon.png', 'image/png'],
    ['images/marker-icon-2x.png', 'image/png'],
    ['images/marker-shadow.png', 'image/png'],
    ['images/layers.png', 'image/png'],
  ])('serves assets/%s as %s', async (name, type) => {
    const res = await gw.app.inject({ url: `/map/assets/${name}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.rawPayload.length).toBeGreaterThan(100);
  });

  test('serves nothing else from the assets folder', async () => {
    for (const url of [
      '/map/assets/../../package.json',
      '/map/assets/%2e%2e/%2e%2e/package.json',
      '/map/assets/leaflet-src.js',
      '/map/assets/',
    ]) {
      expect((await gw.app.inject({ url })).statusCode, url).toBe(404);
    }
  });

  test('the page script is valid JavaScript and never puts data into innerHTML', () => {
    expect(() => new Script(MAP_SCRIPT)).not.toThrow();
    expect(MAP_SCRIPT).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(MAP_SCRIPT).toContain('textContent = name');
  });
});

describe('configuration', () => {
  test('map path and tile URL come from the config; the CSP follows the tile host', async () => {
    const custom = await createTestGateway({
      yaml: [
        'services:',
        '  places:',
        '    path: /api/places',
        '    auth: [apiKey]',
        '    map: /where',
        '    tileUrl: "https://{s}.tiles.example.org:8443/osm/{z}/{x}/{y}.png"',
      ].join('\n'),
    });
    try {
      expect((await custom.app.inject({ url: '/map' })).statusCode).toBe(404);
      const res = await custom.app.inject({ url: '/where' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('data-places-url="/api/places"');
      expect(res.body).toContain('href="/where/assets/leaflet.css"');
      expect(res.body).toContain('data-attribution=""');
      expect(res.headers['content-security-policy']).toContain(
        "img-src 'self' data: https://*.tiles.example.org:8443;",
      );
      expect((await custom.app.inject({ url: '/where/assets/map.js' })).statusCode).toBe(200);
    } finally {
      await custom.close();
    }
  });

  test('a tile URL that is not an http(s) template is a config error', async () => {
    await expect(
      createTestGateway({
        yaml: 'services:\n  places: { path: /p, auth: [apiKey], tileUrl: "javascript:alert(1)//{z}" }\n',
      }),
    ).rejects.toThrow(/tileUrl/);
  });

  test('tileSource and escapeHtml', () => {
    expect(tileSource('https://tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe(
      'https://tile.openstreetmap.org',
    );
    expect(tileSource('http://{s}.Tile.example/{z}/{x}/{y}.png')).toBe('http://*.tile.example');
    expect(() => tileSource("https://a.example;script-src 'unsafe-inline'/x")).toThrow();
    expect(() => tileSource('https://{r}.example/x')).toThrow();
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = mapPageHtml({
      assets: '/m/assets',
      placesUrl: '/p"><script>',
      tileUrl: 'https://t.example/{z}',
    });
    expect(html).toContain('data-places-url="/p&quot;&gt;&lt;script&gt;"');
  });
});
