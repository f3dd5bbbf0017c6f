import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ yaml: 'server: { bodyLimit: 1kb }\n' });
});
afterAll(() => gw.close());

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, title: ERROR_CODES[code as keyof typeof ERROR_CODES].title });
  expect(body.type).toBe(`https://keyward.dev/errors#${code.toLowerCase()}`);
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  return body;
}

describe('problem+json errors', () => {
  test('unknown path is 404', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/no/such/thing' });
    expectProblem(res, 404, 'KW_ERR_NOT_FOUND');
  });

  test('wrong method on a known path is 405 with Allow', async () => {
    const res = await gw.app.inject({ method: 'DELETE', url: '/healthz' });
    expectProblem(res, 405, 'KW_ERR_METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  const admin = () => ({ 'x-api-key': gw.adminKey });

  test('body over the configured limit is 413', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: { ...admin(), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(2000) }),
    });
    expectProblem(res, 413, 'KW_ERR_BODY_TOO_LARGE');
  });

  test('unsupported content type is 415', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: { ...admin(), 'content-type': 'application/xml' },
      payload: '<key/>',
    });
    expectProblem(res, 415, 'KW_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  test('malformed JSON is 400', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: { ...admin(), 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expectProblem(res, 400, 'KW_ERR_INVALID_JSON');
  });

  test('invalid fields are 422 naming each field', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: admin(),
      payload: { roles: ['ok', 'bad role!'], bogus: true },
    });
    const body = expectProblem(res, 422, 'KW_ERR_VALIDATION');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.name', message: 'is required' },
        { path: 'body.bogus', message: 'unknown field' },
        expect.objectContaining({ path: 'body.roles[1]' }),
      ]),
    );
  });

  test('every problem body is free of stack traces', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: admin(),
      payload: '{',
    });
    expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});

describe('request ids', () => {
  test('a well-formed X-Request-Id is kept', async () => {
    const res = await gw.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-1234-abcd' },
    });
    expect(res.headers['x-request-id']).toBe('trace-1234-abcd');
  });

  test.each(['short', 'has spaces in it', 'x'.repeat(200), 'new\nline-injection'])(
    'a malformed one (%j) is replaced',
    async (given) => {
      const res = await gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': given } });
      expect(res.headers['x-request-id']).not.toBe(given);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  test('errors carry the id too, in header and body', async () => {
    const res = await gw.app.inject({
      method: 'GET',
      url: '/missing',
      headers: { 'x-request-id': 'req-abcdef-123' },
    });
    expect(res.headers['x-request-id']).toBe('req-abcdef-123');
    expect(res.json().requestId).toBe('req-abcdef-123');
  });
});

describe('health', () => {
  test('/healthz and /readyz answer when the store is up', async () => {
    expect((await gw.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await gw.app.inject({ url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { store: 'ok' },
    });
  });

  test('/readyz is 503 when the store is down', async () => {
    const down = await createTestGateway();
    await down.store.close();
    const res = await down.app.inject({ url: '/readyz' });
    expectProblem(res, 503, 'KW_ERR_NOT_READY');
    await down.app.close();
  });

  test('an unexpected failure is 500 KW_ERR_INTERNAL, with no detail of its cause', async () => {
    const broken = await createTestGateway();
    await broken.store.close();
    const res = await broken.app.inject({
      url: '/admin/v1/audit',
      headers: { 'x-api-key': broken.adminKey },
    });
    const body = expectProblem(res, 500, 'KW_ERR_INTERNAL');
    expect(JSON.stringify(body)).not.toMatch(/sqlite|database|stack|at /i);
    expect(broken.logs.join('')).toContain('unhandled error');
    await broken.app.close();
  });

  test('one log line per request with status, duration, route and principal, never the key', async () => {
    gw.logs.length = 0;
    const res = await gw.app.inject({
      method: 'GET',
      url: '/admin/v1/keys',
      headers: { 'x-api-key': gw.adminKey },
    });
    const lines = gw.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', url: '/admin/v1/keys', status: 200, route: 'admin' });
    expect(lines[0].reqId).toBe(res.headers['x-request-id']);
    expect(lines[0].principal).toMatch(/^key_/);
    expect(typeof lines[0].durationMs).toBe('number');
    expect(gw.logs.join('')).not.toContain(gw.adminKey);
  });
});
