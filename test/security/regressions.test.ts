/**
 * One test per row of the hardening report that did not hold, against a real gateway on a real
 * socket with a real upstream: each names the row, sends what the attacker or the careless
 * client sent, and asserts what the caller sees and what reached the upstream. (The JWT rows
 * live in test/auth/jwt/attacks.test.ts, the CLI rows in test/cli/check-init.test.ts and
 * test/server/cluster.test.ts, the trickled body in test/reliability/slow-clients.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const MASTER = randomBytes(32).toString('base64');
const UPSTREAM_SECRET = 'tp_live_4c0ffee5ecret9d8e7f60';
let upstream: TestUpstream;
let gw: TestGateway;
let base: string;
let port: number;
let key: string;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { MK: MASTER, UP: upstream.url },
    yaml: `
server: { bodyLimit: 16kb }
secrets: { masterKey: "\${MK}" }
cors: { origins: ["https://app.example.com"] }
routes:
  - name: echo
    path: /echo/*
    auth: [none]
    upstream: { url: "\${UP}/base" }
  - name: weather
    path: /weather/*
    methods: [GET, POST]
    auth: [apiKey]
    upstream:
      url: "\${UP}"
      inject: { query: { appid: "\${secret:weather}" }, header: { X-Upstream-Auth: "Token \${secret:weather}" } }
services:
  time: { path: /v1/time, auth: [apiKey] }
  primes: { path: /v1/primes, auth: [apiKey] }
`,
  });
  await gw.secrets.set('weather', UPSTREAM_SECRET, { id: 'test' });
  key = (await gw.keys.create({ name: 'client' }, { id: 'test' })).key;
  base = await gw.listen();
  port = Number(new URL(base).port);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request exactly as written (no URL normalization, no automatic decompression). */
function send(
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
  body?: Buffer | Buffer[],
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    // The gateway may answer (and close) before the whole body is sent.
    req.on('error', (error) =>
      (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error),
    );
    for (const chunk of Array.isArray(body) ? body : body ? [body] : []) req.write(chunk);
    req.end();
  });
}

/** Bytes written on a socket as they are, for what no HTTP client will send. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const problem = (answer: RawAnswer) => JSON.parse(answer.body.toString()) as { code: string; status: number };

describe('row: `;params` path escapes on a proxy route', () => {
  test.each([
    '/echo/..;/x',
    '/echo/a/..;/..;/x',
    '/echo/%2e%2e;/x',
    '/echo/.;/x',
    '/echo/..;jsessionid=1/x',
    '/echo/%2E%2e;a=b/x',
    '/echo/..%3b/x',
  ])('%s → 400 KW_ERR_BAD_PATH, nothing proxied', async (path) => {
    const before = upstream.received.length;
    const answer = await send('GET', path);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(problem(answer).code).toBe('KW_ERR_BAD_PATH');
    expect(upstream.received.length).toBe(before);
  });

  test('a matrix parameter on an ordinary segment still passes', async () => {
    const answer = await send('GET', '/echo/items;v=2/x');
    expect(answer.status).toBe(200);
    expect(upstream.received.at(-1)?.url).toBe('/base/items;v=2/x');
  });
});

/** The body as the client could read it, whatever encoding it was sent in. */
function decodeAsClient(answer: RawAnswer): string {
  const encoding = String(answer.headers['content-encoding'] ?? 'identity');
  if (encoding === 'gzip') return gunzipSync(answer.body).toString();
  if (encoding === 'deflate') return inflateSync(answer.body).toString();
  if (encoding === 'br') return brotliDecompressSync(answer.body).toString();
  return answer.body.toString();
}

describe('row: a compressed upstream answer echoing the injected secret', () => {
  test.each(['gzip', 'deflate', 'br'])('%s: decoded, masked, and relayed without the secret', async (enc) => {
    const answer = await send('GET', `/weather/leak-encoded?enc=${enc}`, { 'x-api-key': key });
    expect(upstream.received.at(-1)?.headers['accept-encoding']).toBe('identity');
    expect(answer.status).toBe(200);
    const text = decodeAsClient(answer);
    expect(text).toContain('invalid key in /leak-encoded');
    expect(text).not.toContain(UPSTREAM_SECRET);
    expect(text).toContain('*'.repeat(UPSTREAM_SECRET.length));
    expect(answer.body.includes(UPSTREAM_SECRET)).toBe(false);
  });

  test('an encoding Keyward cannot decode is refused with 502, not relayed', async () => {
    const answer = await send('GET', '/weather/leak-encoded?enc=x-unknown', { 'x-api-key': key });
    expect(answer.status).toBe(502);
    expect(problem(answer).code).toBe('KW_ERR_UPSTREAM_FAILED');
    expect(answer.body.includes(UPSTREAM_SECRET)).toBe(false);
  });
});

describe('row: bodies over bodyLimit on a proxy route', () => {
  const chunked = (total: number) => {
    const chunks: Buffer[] = [];
    for (let sent = 0; sent < total; sent += 4096)
      chunks.push(Buffer.alloc(Math.min(4096, total - sent), 'a'));
    return chunks;
  };
  test.each([
    ['20 KiB chunked', { 'transfer-encoding': 'chunked' }, chunked(20 * 1024)],
    ['80 KiB chunked', { 'transfer-encoding': 'chunked' }, chunked(80 * 1024)],
    ['10 MB with Content-Length', { 'content-length': 10 * 1024 * 1024 }, [Buffer.alloc(10 * 1024 * 1024)]],
    ['17 KiB with Content-Length', { 'content-length': 17 * 1024 }, [Buffer.alloc(17 * 1024)]],
  ])('%s → 413 problem+json, the upstream sees zero bytes', async (_name, headers, body) => {
    const before = { requests: upstream.received.length, bytes: upstream.bodyBytes };
    const answer = await send('POST', '/weather/upload', { 'x-api-key': key, ...headers }, body);
    expect(answer.status).toBe(413);
    expect(problem(answer).code).toBe('KW_ERR_BODY_TOO_LARGE');
    // Give a stray forward time to arrive before asserting that none did.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.received.length).toBe(before.requests);
    expect(upstream.bodyBytes).toBe(before.bytes);
  });

  test.each([
    ['15 KiB chunked', { 'transfer-encoding': 'chunked' }, chunked(15 * 1024)],
    ['16 KiB with Content-Length', { 'content-length': 16 * 1024 }, [Buffer.alloc(16 * 1024, 'b')]],
  ])('%s (within the limit) is forwarded whole', async (_name, headers, body) => {
    const answer = await send('POST', '/weather/upload', { 'x-api-key': key, ...headers }, body);
    expect(answer.status).toBe(200);
    const size = body.reduce((n, b) => n + b.length, 0);
    expect(JSON.parse(answer.body.toString()).bytes).toBe(size);
  });
});

describe('row: POST /v1/time with Content-Type: application/json and no body', () => {
  test('is 200', async () => {
    const answer = await send('POST', '/v1/time', {
      'x-api-key': key,
      'content-type': 'application/json',
      'content-length': 0,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toHaveProperty('currentTime');
  });

  test('a body that is not JSON is still 400', async () => {
    const answer = await send(
      'POST',
      '/v1/time',
      { 'x-api-key': key, 'content-type': 'application/json' },
      Buffer.from('{nope'),
    );
    expect(answer.status).toBe(400);
    expect(problem(answer).code).toBe('KW_ERR_INVALID_JSON');
  });
});

describe('row: POST /v1/primes/check with Content-Type: text/plain', () => {
  test('is 415', async () => {
    const answer = await send(
      'POST',
      '/v1/primes/check',
      { 'x-api-key': key, 'content-type': 'text/plain' },
      Buffer.from('{"number":"7"}'),
    );
    expect(answer.status).toBe(415);
    expect(problem(answer).code).toBe('KW_ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('row: a CORS preflight with no cors.headers configured', () => {
  test('allows a safe default set of headers, not whatever was requested', async () => {
    const answer = await send('OPTIONS', '/weather/x', {
      origin: 'https://app.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'x-api-key, content-type, x-injected-by-attacker',
    });
    expect(answer.status).toBe(204);
    const allowed = String(answer.headers['access-control-allow-headers']).split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['x-api-key', 'content-type', 'authorization']));
    expect(allowed).not.toContain('x-injected-by-attacker');
  });
});

describe("row: the caller's own client-address headers", () => {
  test.each([
    'true-client-ip',
    'x-client-ip',
    'x-real-ip',
    'cf-connecting-ip',
    'fastly-client-ip',
    'x-cluster-client-ip',
    'forwarded',
    'x-original-forwarded-for',
  ])('%s never reaches the upstream', async (name) => {
    const answer = await send('GET', '/echo/who', { [name]: '6.6.6.6' });
    expect(answer.status).toBe(200);
    const seen = upstream.received.at(-1);
    expect(seen?.headers[name]).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });
});

describe('row: GET http:///admin/v1/keys', () => {
  test('is a problem+json 400, not the framework body', async () => {
    const answer = await rawExchange(
      'GET http:///admin/v1/keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json; charset=utf-8');
    expect(answer.toLowerCase()).toMatch(/x-request-id: [0-9a-f-]{36}/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ status: 400, code: 'KW_ERR_BAD_REQUEST' });
    expect(answer).not.toContain('FST_ERR');
  });
});
