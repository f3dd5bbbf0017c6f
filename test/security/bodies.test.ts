/**
 * Request bodies at every kind of endpoint — a proxy route, built-in services, login, the token
 * endpoint, the admin API, CSV import: over `bodyLimit` (declared or chunked) is 413
 * problem+json everywhere, and content types that are almost JSON (case, whitespace, lists,
 * look-alikes, text/plain) are decided on purpose, not by accident.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gw: TestGateway;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { UP: upstream.url, MK: randomBytes(32).toString('base64') },
    yaml: `
server: { bodyLimit: 4kb }
secrets: { masterKey: "\${MK}" }
routes:
  - { name: api, path: /api/*, auth: [none], upstream: { url: "\${UP}" } }
services:
  time: { path: /v1/time, auth: [none] }
  primes: { path: /v1/primes, auth: [none] }
  places: { path: /v1/places, auth: [apiKey] }
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
  body: string;
}

function send(
  method: string,
  path: string,
  headers: Record<string, string | number>,
  chunks: Buffer[],
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) =>
      (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error),
    );
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const big = Buffer.from(JSON.stringify({ filler: 'x'.repeat(6000) }));
const halves = [big.subarray(0, 3000), big.subarray(3000)];

describe('bodies over bodyLimit (4 KiB) on every kind of endpoint', () => {
  const endpoints: [string, string, string][] = [
    ['proxy route', '/api/upload', 'application/octet-stream'],
    ['time service', '/v1/time', 'application/json'],
    ['primes service', '/v1/primes/check', 'application/json'],
    ['places service', '/v1/places', 'application/json'],
    ['places CSV import', '/v1/places.csv', 'text/csv'],
    ['login', '/auth/login', 'application/json'],
    ['token endpoint', '/oauth/token', 'application/x-www-form-urlencoded'],
    ['admin API', '/admin/v1/keys', 'application/json'],
  ];
  test.each(
    endpoints.flatMap(([name, path, type]) => [
      [`${name}, Content-Length`, path, type, { 'content-length': big.length }],
      [`${name}, chunked`, path, type, { 'transfer-encoding': 'chunked' }],
    ]),
  )('%s → 413 problem+json', async (_name, path, type, framing) => {
    const before = upstream.bodyBytes;
    const answer = await send(
      'POST',
      path as string,
      { 'content-type': type as string, 'x-api-key': gw.adminKey, ...(framing as object) },
      halves,
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, code: 'KW_ERR_BODY_TOO_LARGE' });
    expect(upstream.bodyBytes).toBe(before);
  });
});

describe('content-type confusion on a JSON endpoint (POST /v1/primes/check)', () => {
  const json = Buffer.from('{"number":"97"}');
  test.each([
    ['application/json', 200],
    ['Application/JSON', 200],
    ['application/json; charset=utf-8', 200],
    ['application/json;charset=UTF-8', 200],
    ['  application/json', 200],
    ['application/json\t', 200],
    ['text/plain', 415],
    ['text/plain; charset=utf-8', 415],
    ['text/json', 415],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    ['application/jsonx', 415],
    ['application/json-patch+json', 415],
    ['application/xml', 415],
    ['application/json, text/plain', 415],
    ['application/\tjson', 415],
    ['json', 415],
    ['', 415],
  ])('%j → %i', async (type, status) => {
    const headers: Record<string, string | number> = { 'content-length': json.length };
    if (type !== '') headers['content-type'] = type;
    const answer = await send('POST', '/v1/primes/check', headers, [json]);
    expect(answer.status).toBe(status);
    if (status === 200) expect(JSON.parse(answer.body)).toMatchObject({ number: '97', isPrime: true });
    else expect(JSON.parse(answer.body).code).toMatch(/^KW_ERR_(UNSUPPORTED_MEDIA_TYPE|BAD_REQUEST)$/);
  });

  test('no content type and no body on a POST that takes none is fine', async () => {
    expect((await send('POST', '/v1/time', { 'content-length': 0 }, [])).status).toBe(200);
  });

  test('__proto__ in a JSON body is refused, not merged', async () => {
    const body = Buffer.from('{"username":"a","password":"b","__proto__":{"admin":true}}');
    const answer = await send(
      'POST',
      '/auth/login',
      { 'content-type': 'application/json', 'content-length': body.length },
      [body],
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).code).toBe('KW_ERR_INVALID_JSON');
  });
});
