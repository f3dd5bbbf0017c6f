/**
 * What a browser gets before any script runs: the landing page at `/`, the built dashboard and
 * portal pages with their strict headers and hashed assets, and sign-in refusing clearly when
 * the config has no JWT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APP_CSP, registerStaticApp } from '../../src/ui/static-app.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const MASTER = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
let plain: TestGateway;
let full: TestGateway;

beforeAll(async () => {
  plain = await createTestGateway({ yaml: 'services:\n  time: { path: /v1/time, auth: [apiKey] }\n' });
  full = await createTestGateway({
    yaml: [
      `secrets: { masterKey: "${MASTER}" }`,
      'services:',
      '  places: { path: /v1/places, auth: [apiKey], map: /where }',
      'ui: { enabled: false }',
      'portal: { enabled: true }',
      '',
    ].join('\n'),
  });
});
afterAll(async () => {
  await plain.close();
  await full.close();
});

const links = (html: string) => [...html.matchAll(/<a class="card" href="([^"]+)"/g)].map((m) => m[1]);

describe('GET /', () => {
  test('links what is enabled, under a CSP that allows only its own hashed stylesheet', async () => {
    const res = await plain.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(links(res.body)).toEqual(['/ui/', '/docs']);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(res.body).not.toContain('<script');
    expect(links((await full.app.inject({ url: '/' })).body)).toEqual(['/portal/', '/docs', '/where']);
  });
});

describe('the built pages', () => {
  test('/ui redirects to /ui/, which is served with a strict CSP and no-cache', async () => {
    const redirect = await plain.app.inject({ url: '/ui' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/ui/');
    const page = await plain.app.inject({ url: '/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(APP_CSP);
    expect(APP_CSP).not.toContain('unsafe');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toContain('<div id="app">');
    // No inline script: every script is a file of this origin.
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });

  test.each(['/ui/', '/portal/'])(
    '%s: every asset it names is served, hashed and cached for good',
    async (path) => {
      const gw = path === '/ui/' ? plain : full;
      const page = await gw.app.inject({ url: path });
      const assets = [...page.body.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) {
        const res = await gw.app.inject({ url: `${path}${asset}` });
        expect(res.statusCode, asset).toBe(200);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(res.headers['content-type']).toMatch(/^(application\/javascript|text\/css)/);
      }
      const missing = await gw.app.inject({ url: `${path}assets/nope.js` });
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-type']).toContain('application/problem+json');
      expect((await gw.app.inject({ url: `${path}assets/../../package.json` })).statusCode).toBe(404);
    },
  );

  test('ui.enabled: false leaves /ui unserved', async () => {
    expect((await full.app.inject({ url: '/ui/' })).statusCode).toBe(404);
  });

  test('without a build the page says how to make one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-nobuild-'));
    const app = Fastify();
    registerStaticApp(app, { name: 'ui', base: '/ui', routeName: 'ui', dir });
    try {
      const res = await app.inject({ url: '/ui/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sign-in without JWT', () => {
  test('says that it needs the master key', async () => {
    const res = await plain.app.inject({
      method: 'POST',
      url: '/ui/session',
      headers: { 'x-keyward-csrf': '1' },
      payload: { username: 'root', password: 'whatever-password' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      code: 'KW_ERR_NOT_FOUND',
      detail: expect.stringContaining('masterKey'),
    });
  });
});
