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

  test('lists proxied routes with their credentials; leaves out the map page and the docs themselves', async () => {
    const doc = (await gw.app.inject({ url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths);
    expect(paths.filter((p) => p.startsWith('/upstream'))).toEqual(['/upstream/{path}']);
    const get = doc.paths['/upstream/{path}'].get;
    expect(get.tags).toEqual(['proxied routes']);
    expect(get.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'path', in: 'path', required: true })]);
    expect(paths.some((p) => p.startsWith('/map'))).toBe(false);
    expect(paths.some((p) => p.startsWith('/docs') || p === '/openapi.json')).toBe(false);
  });

  test.each([
    ['/healthz', 'get', ['gateway'], []],
    ['/v1/time', 'get', ['services'], [{ apiKey: [] }, { bearer: [] }]],
    ['/v1/primes/check', 'post', ['services'], [{ apiKey: [] }, { bearer: [] }]],
    // Places without read roles: reading is public, writing needs a key.
    ['/v1/places', 'get', ['services'], [{ apiKey: [] }, { bearer: [] }, {}]],
    ['/v1/places', 'post', ['services'], [{ apiKey: [] }, { bearer: [] }]],
    ['/admin/v1/keys', 'get', ['admin'], undefined],
    ['/ui/session', 'post', ['auth'], []],
  ])('%s %s is tagged %j with security %j', async (path, method, tags, security) => {
    const doc = (await gw.app.inject({ url: '/openapi.json' })).json();
    const operation = doc.paths[path][method];
    expect(operation.tags).toEqual(tags);
    // undefined: the document's default (an admin key or token).
    expect(operation.security).toEqual(security);
  });

  test('the tags are listed, and the admin default is an API key or a bearer token', async () => {
    const doc = (await gw.app.inject({ url: '/openapi.json' })).json();
    expect(doc.tags.map((t: { name: string }) => t.name)).toEqual([
      'services',
      'proxied routes',
      'auth',
      'portal',
      'admin',
      'gateway',
    ]);
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
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
    // Keyward's own title and logo, not Swagger UI's.
    expect(res.body).toContain('<title>Keyward API reference</title>');
    expect(res.body).toContain('keyward.svg');
    for (const src of scripts) {
      expect(src, src).not.toMatch(/^(https?:)?\/\//);
      const asset = await gw.app.inject({ url: new URL(src, 'http://x/docs/').pathname });
      expect(asset.statusCode, src).toBe(200);
    }
  });
});
