import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({
    yaml: [
      'services:',
      '  time: { path: /v1/time, auth: [apiKey] }',
      '  primes: { path: /v1/primes, auth: [apiKey] }',
      '  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor] } }',
      'routes:',
      '  - name: hidden-proxy',
      '    path: /upstream/*',
      '    auth: [apiKey]',
      '    upstream: { url: "http://127.0.0.1:9" }',
    ].join('\n'),
  });
});
afterAll(() => gw.close());

describe('GET /openapi.json', () => {
  test('lists every service and admin route from their own schemas, without credentials', async () => {
    const res = await gw.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Keyward');
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/v1/time',
      '/v1/primes/check',
      '/v1/primes/next',
      '/v1/places',
      '/v1/places/{id}',
      '/v1/places.csv',
      '/admin/v1/keys',
      '/healthz',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(Object.keys(doc.paths['/v1/places'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/v1/places/{id}'])).toEqual(expect.arrayContaining(['patch', 'delete']));
    expect(
      doc.paths['/v1/primes/check'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['number']);
    expect(doc.components.securitySchemes.apiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
  });

  test('leaves out proxy routes, the map page and the docs themselves', async () => {
    const paths = Object.keys((await gw.app.inject({ url: '/openapi.json' })).json().paths);
    expect(paths.some((p) => p.startsWith('/upstream'))).toBe(false);
    expect(paths.some((p) => p.startsWith('/map'))).toBe(false);
    expect(paths.some((p) => p.startsWith('/docs') || p === '/openapi.json')).toBe(false);
  });
});

describe('GET /docs', () => {
  test('serves the reference UI from Keyward itself, nothing from a CDN', async () => {
    let res = await gw.app.inject({ url: '/docs' });
    if (res.statusCode === 302) res = await gw.app.inject({ url: String(res.headers.location) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const scripts = [...res.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src, src).not.toMatch(/^(https?:)?\/\//);
      const asset = await gw.app.inject({ url: new URL(src, 'http://x/docs/').pathname });
      expect(asset.statusCode, src).toBe(200);
    }
  });
});
