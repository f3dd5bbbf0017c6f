/**
 * The admin endpoints the dashboard reads: usage series (2xx/4xx/5xx/429 apart, per key and per
 * route, Keyward's own calls left out of the overview), the config views (never a secret), key
 * search and binding edits, at the HTTP level.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let admin: Record<string, string>;

beforeAll(async () => {
  gw = await createTestGateway({
    yaml: [
      'secrets: { masterKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" }',
      'plans:',
      '  tiny: { limits: [{ requests: 2, per: minute }] }',
      'services:',
      '  time: { path: /v1/time, auth: [apiKey] }',
      '  primes: { path: /v1/primes, auth: [apiKey], roles: [math], maxBits: 512 }',
      'routes:',
      '  - name: weather',
      '    path: /weather/*',
      '    methods: [GET]',
      '    auth: [apiKey, jwt]',
      '    roles: [reader]',
      '    rateLimit: [{ requests: 60, per: minute }]',
      '    upstream:',
      '      url: "https://svc-user:svc-pass@api.example.com:8443/v2?token=abc"',
      '      inject: { header: { X-Upstream-Key: "literal-upstream-secret-123" }, query: { appid: "${secret:weather}" } }',
      '      budget: { requests: 1000, per: day }',
      '      cache: { ttl: 60s }',
      '',
    ].join('\n'),
  });
  admin = { 'x-api-key': gw.adminKey };
});
afterAll(() => gw.close());

const get = (url: string) => gw.app.inject({ url, headers: admin });

describe('GET /admin/v1/usage/series', () => {
  test('counts per minute over the last hour, 429 apart from 4xx, per key and per route', async () => {
    const { key } = await gw.keys.create({ name: 'series', plan: 'tiny' }, { id: 'test' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } })).statusCode);
    statuses.push((await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': 'kw_nope' } })).statusCode);
    expect(statuses).toEqual([200, 200, 429, 401]);
    // Admin calls of the dashboard itself are not gateway traffic.
    for (let i = 0; i < 3; i++) await get('/admin/v1/keys');

    const overview = (await get('/admin/v1/usage/series')).json();
    expect(overview.window).toBe('1h');
    expect(overview.bucketSeconds).toBe(60);
    expect(overview.times).toHaveLength(60);
    expect(overview.counts.total).toHaveLength(60);
    expect(overview.totals).toEqual({ total: 4, '2xx': 2, '3xx': 0, '4xx': 1, '5xx': 0, '429': 1 });
    // The current minute is the last point.
    expect(overview.counts.total.at(-1)).toBe(4);

    const stored = await gw.keys.list({ limit: 1, name: 'series' });
    const perKey = (await get(`/admin/v1/usage/series?key=${stored.items[0]!.id}&window=24h`)).json();
    expect(perKey.times).toHaveLength(96);
    expect(perKey.totals).toMatchObject({ total: 3, '2xx': 2, '429': 1 });
    const perRoute = (await get('/admin/v1/usage/series?route=admin')).json();
    expect(perRoute.totals.total).toBeGreaterThanOrEqual(3);
  });

  test.each([
    ['window=2h', 'querystring.window'],
    ['key=nope', 'querystring.key'],
    ['route=a%20b', 'querystring.route'],
    ['bogus=1', 'querystring.bogus'],
  ])('rejects %s', async (query, path) => {
    const res = await get(`/admin/v1/usage/series?${query}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('config views', () => {
  test('routes show their limits and the names of injected values; never a secret', async () => {
    const res = await get('/admin/v1/routes');
    expect(res.statusCode).toBe(200);
    const [route] = res.json().items;
    expect(route).toMatchObject({
      name: 'weather',
      path: '/weather/*',
      methods: ['GET'],
      auth: ['apiKey', 'jwt'],
      roles: ['reader'],
      rateLimit: [{ requests: 60, per: 'minute' }],
      upstream: {
        timeout: '30s',
        budget: { requests: 1000, per: 'day' },
        cacheTtl: '60s',
        injects: ['header X-Upstream-Key', 'query appid'],
        targets: [expect.objectContaining({ origin: 'https://api.example.com:8443' })],
      },
    });
    expect(res.body).not.toMatch(/svc-pass|svc-user|token=abc|literal-upstream-secret|secret:weather|\/v2/);
  });

  test('services and plans', async () => {
    expect((await get('/admin/v1/services')).json().items).toEqual([
      expect.objectContaining({ name: 'time', path: '/v1/time', auth: ['apiKey'], roles: [], settings: {} }),
      expect.objectContaining({ name: 'primes', roles: ['math'], settings: { maxBits: 512 } }),
    ]);
    expect((await get('/admin/v1/plans')).json()).toEqual({
      items: [{ name: 'tiny', limits: [{ requests: 2, per: 'minute' }] }],
    });
  });
});

describe('key search and bindings', () => {
  test('q finds a part of the name in any case, an exact id, or the last 4 characters; % is text', async () => {
    const made = await gw.keys.create({ name: 'Billing-Worker 50%' }, { id: 'test' });
    await gw.keys.create({ name: 'reporting' }, { id: 'test' });
    const names = async (q: string) =>
      (await get(`/admin/v1/keys?q=${encodeURIComponent(q)}`))
        .json()
        .items.map((k: { name: string }) => k.name);
    expect(await names('billing')).toEqual(['Billing-Worker 50%']);
    expect(await names(made.record.id)).toEqual(['Billing-Worker 50%']);
    expect(await names(made.key.slice(-4))).toContain('Billing-Worker 50%');
    expect(await names('50%')).toEqual(['Billing-Worker 50%']);
    expect(await names('%')).toEqual(['Billing-Worker 50%']);
    expect(await names('_')).toEqual([]);
    expect(await names('nothing-like-it')).toEqual([]);
    const paged = (await get('/admin/v1/keys?limit=1')).json();
    expect(paged.items).toHaveLength(1);
    expect(paged.nextCursor).toEqual(expect.any(String));
  });

  test('PATCH sets and lifts origin and address bindings; bad ones are 422 with their path', async () => {
    const { record, key } = await gw.keys.create({ name: 'bound' }, { id: 'test' });
    const patch = (payload: object) =>
      gw.app.inject({ method: 'PATCH', url: `/admin/v1/keys/${record.id}`, headers: admin, payload });
    const set = await patch({ origins: ['https://app.example.com'], ips: ['10.0.0.0/8'] });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ origins: ['https://app.example.com'], ips: ['10.0.0.0/8'] });
    const refused = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    expect(refused.statusCode).toBe(403);
    const lifted = await patch({ origins: [], ips: null });
    expect(lifted.json()).toMatchObject({ origins: null, ips: null });
    expect((await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    // What the dashboard's settings form sends: every field, null where cleared.
    const form = await patch({ name: 'bound', roles: [], plan: null, expiresAt: null, origins: [], ips: [] });
    expect(form.statusCode, form.body).toBe(200);
    expect(form.json()).toMatchObject({ plan: null, expiresAt: null, roles: [] });
    const bad = await patch({ origins: ['app.example.com'], ips: ['300.1.1.1'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual(['origins[0]', 'ips[0]']);
  });
});
