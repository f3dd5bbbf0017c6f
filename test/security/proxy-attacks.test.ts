/**
 * The proxy attack tables, on a real socket with a real upstream that records what reaches it:
 * path spellings that try to leave the route's base, absolute-form targets, spoofed Host and
 * X-Forwarded-Host, request smuggling (CL+TE, duplicate CL, obs-fold), header injection
 * through Connection, oversized headers on every kind of route, and CORS origin look-alikes.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gw: TestGateway;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { UP: upstream.url },
    yaml: `
cors: { origins: ["https://app.example.com"] }
routes:
  - name: api
    path: /api/*
    auth: [none]
    upstream: { url: "\${UP}/base", inject: { header: { X-Upstream-Auth: "Token upstream-token-5150" } } }
services:
  time: { path: /v1/time, auth: [none] }
`,
  });
  port = Number(new URL(await gw.listen()).port);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

interface Answer {
  status: number;
  head: string;
  body: string;
}

/** Writes the request bytes exactly and reads everything until the gateway closes. */
function exchange(bytes: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        head: text.slice(0, split).toLowerCase(),
        body: text.slice(split + 4),
      });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 60))}`));
    }, 5000);
  });
}

const get = (target: string, headers = '') =>
  exchange(`GET ${target} HTTP/1.1\r\nHost: gw.example\r\n${headers}Connection: close\r\n\r\n`);

/** Runs `send` and returns what it got plus whether anything reached the upstream. */
async function reached(send: () => Promise<Answer>): Promise<Answer & { forwarded: number }> {
  const before = upstream.received.length;
  const answer = await send();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { ...answer, forwarded: upstream.received.length - before };
}

describe('proxy path spellings', () => {
  test.each([
    '/api/../admin/v1/keys',
    '/api/a/../../x',
    '/api/./x',
    '/api/%2e%2e/x',
    '/api/%2E%2E/x',
    '/api/.%2e/x',
    '/api/%252e%252e/x',
    '/api/%25252e/x',
    '/api/..%2fx',
    '/api/..%2Fx',
    '/api/a%2f..%2f..%2fx',
    '/api/..\\x',
    '/api/a\\..\\..\\x',
    '/api/..%5cx',
    '/api/..;/x',
    '/api/%2e%2e;/x',
    '/api/..;jsessionid=a/x',
    '/api/a%00b',
    '/api/a%0d%0aX-Injected:%201',
  ])('%s → 400 KW_ERR_BAD_PATH, nothing reaches the upstream', async (target) => {
    const answer = await reached(() => get(target));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).code).toBe('KW_ERR_BAD_PATH');
    expect(answer.forwarded).toBe(0);
  });

  test.each([
    ['/api//evil.example/x', '/base/evil.example/x'],
    ['/api///evil.example', '/base/evil.example'],
    ['/api/a//b', '/base/a/b'],
    ['/api/items;v=2', '/base/items;v=2'],
  ])('%s stays a path under the base: %s on the upstream host', async (target, path) => {
    const answer = await reached(() => get(target));
    expect(answer.status).toBe(200);
    expect(upstream.received.at(-1)?.url).toBe(path);
    expect(upstream.received.at(-1)?.headers.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  test.each(['http://evil.example/api/x', 'http://127.0.0.1/api/x', 'https://gw.example/api/../x'])(
    'absolute-form %s is refused, nothing reaches the upstream',
    async (target) => {
      const answer = await reached(() => get(target));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).code).toMatch(/^KW_ERR_BAD_(PATH|REQUEST)$/);
      expect(answer.forwarded).toBe(0);
    },
  );

  test('a spoofed Host or X-Forwarded-Host never chooses the upstream host', async () => {
    const answer = await reached(() =>
      exchange(
        'GET /api/x HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\nForwarded: host=evil.example\r\nConnection: close\r\n\r\n',
      ),
    );
    expect(answer.status).toBe(200);
    const seen = upstream.received.at(-1);
    expect(seen?.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(seen?.headers.forwarded).toBeUndefined();
    // X-Forwarded-Host is Keyward's own: the Host this request was sent to, once.
    expect(seen?.headers['x-forwarded-host']).toBe('evil.example');
  });
});

describe('request smuggling', () => {
  test.each([
    [
      'Content-Length and Transfer-Encoding',
      'POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      'POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello',
    ],
    ['a Content-Length list', 'POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 40\r\n\r\nhello'],
    [
      'obs-fold (a folded header line)',
      'GET /api/x HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n',
    ],
    [
      'Transfer-Encoding other than chunked',
      'POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
    ],
    [
      'Transfer-Encoding with a space before the colon',
      'POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a bare LF line ending in the head', 'GET /api/x HTTP/1.1\nHost: x\nX-A: 1\r\n\r\n'],
  ])('%s → 400, nothing reaches the upstream', async (_name, bytes) => {
    const answer = await reached(() => exchange(bytes));
    expect(answer.status).toBe(400);
    expect(answer.head).toContain('content-type: application/problem+json');
    expect(answer.forwarded).toBe(0);
  });
});

describe('header injection through Connection', () => {
  test.each([
    [
      'x-upstream-auth',
      (h: Record<string, unknown>) => expect(h['x-upstream-auth']).toBe('Token upstream-token-5150'),
    ],
    ['x-forwarded-for', (h: Record<string, unknown>) => expect(h['x-forwarded-for']).toBe('127.0.0.1')],
    ['x-request-id', (h: Record<string, unknown>) => expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)],
    ['host', (h: Record<string, unknown>) => expect(h.host).toBe(`127.0.0.1:${upstream.port}`)],
  ])('Connection: %s cannot remove what Keyward sets', async (name, check) => {
    const answer = await reached(() => get('/api/x', `Connection: keep-alive, ${name}\r\n`));
    expect(answer.status).toBe(200);
    check(upstream.received.at(-1)?.headers ?? {});
  });

  test('Connection: content-length cannot unframe a forwarded body', async () => {
    const answer = await reached(() =>
      exchange(
        'POST /api/upload HTTP/1.1\r\nHost: x\r\nConnection: close, content-length\r\nContent-Length: 5\r\n\r\nhello',
      ),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).bytes).toBe(5);
  });

  test('a caller header named in Connection is dropped', async () => {
    await reached(() => get('/api/x', 'Connection: x-secret-hop\r\nX-Secret-Hop: 1\r\n'));
    expect(upstream.received.at(-1)?.headers['x-secret-hop']).toBeUndefined();
  });
});

describe('oversized headers', () => {
  test.each(['/api/x', '/v1/time', '/admin/v1/keys', '/auth/login', '/healthz', '/nowhere'])(
    '%s with 20 KB of headers → 431 problem+json, nothing reaches the upstream',
    async (target) => {
      const answer = await reached(() => get(target, `X-Big: ${'a'.repeat(20_000)}\r\n`));
      expect(answer.status).toBe(431);
      expect(JSON.parse(answer.body).code).toBe('KW_ERR_HEADERS_TOO_LARGE');
      expect(answer.forwarded).toBe(0);
    },
  );

  test('many small headers add up to 431 too', async () => {
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('');
    expect((await get('/api/x', many)).status).toBe(431);
  });
});

describe('CORS origin tricks', () => {
  test.each([
    'https://app.example.com.evil.example',
    'https://evil-app.example.com',
    'https://app.example.co',
    'http://app.example.com',
    'https://APP.EXAMPLE.COM',
    'https://app.example.com:443',
    'https://app.example.com/',
    'https://app.example.com%2f.evil.example',
    'null',
    '*',
    'https://app.example.com, https://evil.example',
  ])('Origin %s gets no Access-Control-Allow-Origin and its preflight is 403', async (origin) => {
    const actual = await get('/v1/time', `Origin: ${origin}\r\n`);
    expect(actual.status).toBe(200);
    expect(actual.head).not.toContain('access-control-allow-origin');
    expect(actual.head).toContain('vary: origin');
    const preflight = await exchange(
      `OPTIONS /v1/time HTTP/1.1\r\nHost: x\r\nOrigin: ${origin}\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n`,
    );
    expect(preflight.status).toBe(403);
    expect(preflight.head).not.toContain('access-control-allow-origin');
  });

  test('the exact origin is allowed, with credentials never implied', async () => {
    const actual = await get('/v1/time', 'Origin: https://app.example.com\r\n');
    expect(actual.head).toContain('access-control-allow-origin: https://app.example.com');
    expect(actual.head).not.toContain('access-control-allow-credentials');
  });
});
