import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const MASTER = randomBytes(32).toString('base64');
const THIRD_PARTY_KEY = 'tp_live_9f8e7d6c5b4a39281706';
const ENV_TOKEN = 'env-token-5c1d2e3f4a';
let upstream: TestUpstream;
let gw: TestGateway;
let base: string;
let key: string;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { MK: MASTER, UP: upstream.url, WEATHER_TOKEN: ENV_TOKEN },
    yaml: `
server: { bodyLimit: 8mb }
secrets: { masterKey: "\${MK}" }
cors: { origins: ["https://app.example.com"] }
routes:
  - name: weather
    path: /weather/*
    methods: [GET, POST, PUT]
    auth: [apiKey]
    roles: [reader]
    cors: { origins: ["http://localhost:5173"] }
    upstream:
      url: "\${UP}/base"
      timeout: 500ms
      inject:
        query: { appid: "\${secret:weather}" }
        header: { X-Upstream-Auth: "Token \${WEATHER_TOKEN}" }
  - name: cached
    path: /cached/*
    methods: [GET]
    auth: [apiKey]
    upstream: { url: "\${UP}/base", cache: { ttl: 60s } }
  - name: public
    path: /public/*
    auth: [none]
    upstream: { url: "\${UP}", timeout: 2s }
  - name: dead
    path: /dead/*
    auth: [none]
    upstream: { url: "http://127.0.0.1:9", connectTimeout: 1s }
  - name: retrying
    path: /retrying/*
    methods: [GET, POST]
    auth: [none]
    upstream: { url: "\${UP}", retries: 1 }
  - name: limited
    path: /limited/*
    auth: [none]
    upstream: { url: "\${UP}", timeout: 500ms, maxResponseSize: 1mb }
  - name: unsealed
    path: /unsealed/*
    auth: [none]
    upstream: { url: "\${UP}", inject: { header: { X-Key: "\${secret:never-stored}" } } }
  - name: cookies
    path: /cookies/*
    auth: [none]
    upstream: { url: "\${UP}", allowSetCookie: true }
`,
  });
  await gw.secrets.set('weather', THIRD_PARTY_KEY, { id: 'test' });
  key = (await gw.keys.create({ name: 'browser app', roles: ['reader'] }, { id: 'test' })).key;
  base = await gw.listen();
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const last = () => upstream.received[upstream.received.length - 1] as TestUpstream['received'][number];
/** A request exactly as written: no URL normalization, forbidden headers allowed. */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { 'x-api-key': key, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers: { 'x-api-key': key, ...headers } });

describe('secret injection and stripping', () => {
  test('the upstream gets the injected secret and never the caller credentials', async () => {
    const res = await get('/weather/forecast?city=Paris', { cookie: 'sid=browser', authorization: key });
    expect(res.status).toBe(200);
    const seen = last();
    expect(seen.url).toBe(`/base/forecast?city=Paris&appid=${THIRD_PARTY_KEY}`);
    expect(seen.headers['x-upstream-auth']).toBe(`Token ${ENV_TOKEN}`);
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
  });

  test('a caller cannot override the injected query parameter or header', async () => {
    await get('/weather/x?appid=mine&appid=again', { 'x-upstream-auth': 'Token forged' });
    expect(last().url).toBe(`/base/x?appid=${THIRD_PARTY_KEY}`);
    expect(last().headers['x-upstream-auth']).toBe(`Token ${ENV_TOKEN}`);
  });

  test('Connection cannot name the injected header away; hop-by-hop headers are dropped', async () => {
    const res = await rawGet('/weather/x', {
      connection: 'keep-alive, x-upstream-auth, x-drop-me',
      'x-drop-me': '1',
      te: 'trailers',
      'proxy-authorization': 'Basic abc',
    });
    expect(res.status).toBe(200);
    const seen = last();
    expect(seen.headers['x-upstream-auth']).toBe(`Token ${ENV_TOKEN}`);
    expect(seen.headers['x-drop-me']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
  });

  test('a spoofed X-Forwarded-For from an untrusted peer is replaced', async () => {
    await get('/weather/x', { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example' });
    expect(last().headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  test('an upstream that echoes the secret has it masked in body and headers', async () => {
    const res = await get('/weather/leak');
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).not.toContain(THIRD_PARTY_KEY);
    expect(body).not.toContain(ENV_TOKEN);
    expect(body).toContain('*'.repeat(THIRD_PARTY_KEY.length));
    expect(res.headers.get('x-debug-url')).not.toContain(THIRD_PARTY_KEY);
    expect(last().headers['accept-encoding']).toBe('identity');
  });

  test('a secret echoed in a streamed body is masked even across chunk boundaries', async () => {
    const res = await get('/weather/leak-stream');
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body.length).toBeGreaterThan(70_000);
    expect(body).not.toContain(THIRD_PARTY_KEY);
    expect(body).toContain(`x${'*'.repeat(THIRD_PARTY_KEY.length)} in /base/leak-stream?`);
  });

  test('a rotated secret applies without a restart', async () => {
    await gw.secrets.set('weather', 'tp_live_rotated_000111222333', { id: 'test' });
    await new Promise((r) => setTimeout(r, 1100));
    await get('/weather/x');
    expect(last().url).toBe('/base/x?appid=tp_live_rotated_000111222333');
    await gw.secrets.set('weather', THIRD_PARTY_KEY, { id: 'test' });
    await new Promise((r) => setTimeout(r, 1100));
  });

  test('no secret ever reaches the logs', () => {
    const logs = gw.logs.join('\n');
    for (const secret of [THIRD_PARTY_KEY, ENV_TOKEN, 'tp_live_rotated_000111222333', key])
      expect(logs).not.toContain(secret);
  });
});

describe('a secret the store does not hold', () => {
  test('is 503 KW_ERR_SECRET_UNAVAILABLE naming the route, and nothing reaches the upstream', async () => {
    const before = upstream.received.length;
    const res = await fetch(`${base}/unsealed/x`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      code: 'KW_ERR_SECRET_UNAVAILABLE',
      detail: 'Route "unsealed" cannot reach its upstream: its credentials are not configured.',
    });
    expect(upstream.received.length).toBe(before);
  });
});

describe('routing and auth', () => {
  test('unknown paths are 404 and never proxied', async () => {
    const before = upstream.received.length;
    expect((await get('/weatherman')).status).toBe(404);
    expect((await get('/nothing/here')).status).toBe(404);
    expect(upstream.received.length).toBe(before);
  });

  test('no key is 401, a method the route does not list is 405', async () => {
    expect((await fetch(`${base}/weather/x`)).status).toBe(401);
    const del = await fetch(`${base}/weather/x`, { method: 'DELETE', headers: { 'x-api-key': key } });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toContain('GET');
  });

  test('a public route needs no key', async () => {
    expect((await fetch(`${base}/public/echo`)).status).toBe(200);
  });
});

describe('path confinement', () => {
  test.each([
    '/weather/../admin/v1/keys',
    '/weather/%2e%2e/secret',
    '/weather/%2E%2e%2fsecret',
    '/weather/a%2fb',
    '/weather/%252e%252e/x',
    '/weather/a%5c..%5cb',
    '/weather/..%2f..%2fetc/passwd',
  ])('%s is refused with 400 and not proxied', async (path) => {
    const before = upstream.received.length;
    const res = await rawGet(path);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('KW_ERR_BAD_PATH');
    expect(upstream.received.length).toBe(before);
  });

  test('a leading // stays a path on the upstream host', async () => {
    const res = await get('/weather//evil.example/x');
    expect(res.status).toBe(200);
    expect(last().url.startsWith('/base/evil.example/x')).toBe(true);
    expect(last().headers.host).toBe(`127.0.0.1:${upstream.port}`);
  });
});

describe('upstream behaviour', () => {
  test('a 3xx is relayed as is, not followed', async () => {
    const res = await fetch(`${base}/public/redirect`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://elsewhere.example/landing');
  });

  test('upstream Set-Cookie is dropped unless the route allows it', async () => {
    expect((await fetch(`${base}/public/cookie`)).headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${base}/cookies/cookie`)).headers.get('set-cookie')).toBe(
      'session=upstream; HttpOnly',
    );
  });

  test('a slow upstream is 504 naming the route, without upstream details', async () => {
    const res = await get('/weather/slow?ms=2000');
    expect(res.status).toBe(504);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body).toMatchObject({ code: 'KW_ERR_UPSTREAM_TIMEOUT' });
    expect(body.detail).toContain('"weather"');
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
    expect(JSON.stringify(body)).not.toContain(THIRD_PARTY_KEY);
  });

  test('a refused connection is 502 naming the route', async () => {
    const res = await fetch(`${base}/dead/x`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('KW_ERR_UPSTREAM_FAILED');
    expect(body.detail).toContain('"dead"');
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:9/);
  });

  test('a reset is retried for idempotent requests only, and only when configured', async () => {
    const before = upstream.received.length;
    expect((await fetch(`${base}/retrying/flaky`)).status).toBe(200);
    expect(upstream.received.length).toBe(before + 2);
    const post = await fetch(`${base}/retrying/flaky`, { method: 'POST', body: 'x' });
    const post2 = await fetch(`${base}/retrying/flaky`, { method: 'POST', body: 'x' });
    expect([post.status, post2.status].sort()).toEqual([200, 502]);
    expect(upstream.received.length).toBe(before + 4);
    const noRetry = [await fetch(`${base}/public/flaky`), await fetch(`${base}/public/flaky`)].map(
      (r) => r.status,
    );
    expect(noRetry.sort()).toEqual([200, 502]);
  });

  test('maxResponseSize: a declared oversize answer is 502, an undeclared one is cut off', async () => {
    const declared = await fetch(`${base}/limited/big?mb=2`);
    expect(declared.status).toBe(502);
    expect(((await declared.json()) as { code: string }).code).toBe('KW_ERR_UPSTREAM_TOO_LARGE');
    const chunked = await fetch(`${base}/limited/chunked?mb=2`);
    expect(chunked.status).toBe(200);
    await expect(chunked.arrayBuffer()).rejects.toThrow();
    expect((await fetch(`${base}/limited/big?mb=1`)).status).toBe(200);
  });

  test('an upstream that stalls mid-body aborts the response instead of hanging', async () => {
    const res = await fetch(`${base}/limited/stall`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  test('a small body that stalls before it is complete is a clean 504, not a cut-off 200', async () => {
    const res = await fetch(`${base}/limited/stall-declared`);
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('KW_ERR_UPSTREAM_TIMEOUT');
  });

  test('a caller that hangs up cancels the upstream call, before and during the response', async () => {
    for (const path of ['/slow?ms=5000', '/stall']) {
      const caller = request(`${base}/public${path}`);
      caller.on('error', () => {});
      caller.on('response', (res) => res.on('error', () => {}));
      caller.end();
      // Hang up while the upstream is still answering (before its headers, or mid-body).
      await new Promise((resolve) => setTimeout(resolve, 300));
      caller.destroy();
      await expect.poll(() => upstream.abandoned, { timeout: 1000, interval: 20 }).toContain(path);
    }
  });

  test('an upstream that stalls mid-body aborts the response on a plain route too', async () => {
    const res = await fetch(`${base}/public/stall`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  test('a multi-megabyte download streams through intact', async () => {
    const res = await fetch(`${base}/public/big?mb=8`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(8 * 1024 * 1024));
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(8 * 1024 * 1024);
  });

  test('a multi-megabyte upload streams through intact (chunked and with length)', async () => {
    const payload = randomBytes(6 * 1024 * 1024);
    const digest = createHash('sha256').update(payload).digest('hex');
    const withLength = await fetch(`${base}/weather/upload`, {
      method: 'PUT',
      headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' },
      body: payload,
    });
    expect(await withLength.json()).toEqual({ bytes: payload.length, sha256: digest });
    const chunked = await fetch(`${base}/weather/upload`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: Readable.toWeb(
        Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]),
      ) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(await chunked.json()).toEqual({ bytes: payload.length, sha256: digest });
  });
});

describe('CORS', () => {
  test('an allowed origin gets Access-Control-Allow-Origin and Vary', async () => {
    const res = await get('/weather/x', { origin: 'http://localhost:5173' });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  test('a disallowed origin gets no Access-Control-Allow-Origin', async () => {
    const res = await get('/weather/x', { origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toContain('Origin');
  });

  test('the route list replaces the global one; the global one applies elsewhere', async () => {
    expect(
      (await get('/weather/x', { origin: 'https://app.example.com' })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
    const pub = await fetch(`${base}/public/echo`, { headers: { origin: 'https://app.example.com' } });
    expect(pub.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  test('a preflight is answered by Keyward without a key and not forwarded', async () => {
    const before = upstream.received.length;
    const res = await fetch(`${base}/weather/x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-api-key, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    // No cors.headers configured: the safe default set, which has what this client asked for.
    expect(res.headers.get('access-control-allow-headers')?.split(', ')).toEqual(
      expect.arrayContaining(['x-api-key', 'content-type']),
    );
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(upstream.received.length).toBe(before);
  });

  test('a preflight from a disallowed origin is 403', async () => {
    const res = await fetch(`${base}/weather/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('KW_ERR_CORS_ORIGIN_DENIED');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('errors carry CORS headers so the browser can read them', async () => {
    const res = await fetch(`${base}/weather/x`, { headers: { origin: 'http://localhost:5173' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});

describe('response cache', () => {
  test('GETs are served from cache, counted at the upstream, with X-Cache', async () => {
    const before = upstream.received.length;
    const first = await get('/cached/item?id=1');
    expect(first.headers.get('x-cache')).toBe('MISS');
    const firstBody = await first.text();
    const second = await get('/cached/item?id=1');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.text()).toBe(firstBody);
    expect(upstream.received.length).toBe(before + 1);
    await get('/cached/item?id=2');
    expect(upstream.received.length).toBe(before + 2);
  });

  test('Cache-Control: no-store responses are not cached', async () => {
    const before = upstream.received.length;
    await (await get('/cached/nostore')).text();
    const again = await get('/cached/nostore');
    expect(again.headers.get('x-cache')).toBe('MISS');
    expect(upstream.received.length).toBe(before + 2);
  });

  test('a cached response still needs a valid key', async () => {
    expect((await fetch(`${base}/cached/item?id=1`)).status).toBe(401);
  });
});
