import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMount, PIPELINE, publicMount } from '../../src/http/pipeline.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let reader: string;
let plain: string;
beforeAll(async () => {
  gw = await createTestGateway({
    yaml: `
cors: { origins: ["https://app.example.com"] }
plans:
  one: { limits: [{ requests: 1, per: minute }] }
services:
  time: { path: /v1/time, auth: [apiKey], roles: [reader] }
  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor] } }
`,
  });
  reader = (await gw.keys.create({ name: 'reader', roles: ['reader'], plan: 'one' }, { id: 'test' })).key;
  plain = (await gw.keys.create({ name: 'plain' }, { id: 'test' })).key;
});
afterAll(() => gw.close());

const origin = { origin: 'https://app.example.com' };

describe('the stage order', () => {
  test('is written once: CORS, authenticate, authorize, limits', () => {
    expect(PIPELINE).toEqual(['cors', 'authenticate', 'authorize', 'limits']);
  });

  test.each([
    [
      'no credential: authentication refuses first, CORS headers already set',
      {},
      401,
      'KW_ERR_UNAUTHENTICATED',
    ],
    ['a key without the role: authorization refuses', { 'x-api-key': () => plain }, 403, 'KW_ERR_FORBIDDEN'],
  ])('%s', async (_name, headers, status, code) => {
    const values = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v()]));
    const res = await gw.app.inject({ url: '/v1/time', headers: { ...origin, ...values } });
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  test('limits run last, after the role check passed, and count only admitted requests', async () => {
    const first = await gw.app.inject({ url: '/v1/time', headers: { ...origin, 'x-api-key': reader } });
    expect(first.statusCode).toBe(200);
    const second = await gw.app.inject({ url: '/v1/time', headers: { ...origin, 'x-api-key': reader } });
    expect(second.statusCode).toBe(429);
    expect(second.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});

describe('CORS on built-in services', () => {
  test('an allowed origin gets a preflight answer naming the methods of the path', async () => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/v1/time',
      headers: { ...origin, 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, OPTIONS');
  });

  test('reads and writes mounted apart share one preflight for their path', async () => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/v1/places',
      headers: { ...origin, 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, OPTIONS');
  });

  test('another origin is refused with 403 KW_ERR_CORS_ORIGIN_DENIED', async () => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/v1/time',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('KW_ERR_CORS_ORIGIN_DENIED');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('with an empty allow-list nothing varies by Origin, and preflights are refused', async () => {
    const closed = await createTestGateway({ yaml: 'services:\n  time: { path: /v1/time, auth: [none] }\n' });
    try {
      const res = await closed.app.inject({ url: '/v1/time', headers: origin });
      expect(res.statusCode).toBe(200);
      expect(res.headers.vary).toBeUndefined();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await closed.app.inject({
        method: 'OPTIONS',
        url: '/v1/time',
        headers: { ...origin, 'access-control-request-method': 'GET' },
      });
      expect(preflight.statusCode).toBe(403);
    } finally {
      await closed.close();
    }
  });

  test('the admin API, mounted with cors none, answers no preflight', async () => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/admin/v1/keys',
      headers: { ...origin, 'access-control-request-method': 'GET' },
    });
    expect(res.statusCode).toBe(405);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('mount specs that cannot work are refused at start', () => {
  const mount = () =>
    createMount({
      authentication: { keys: gw.keyVerifier, jwt: null, transports: gw.parts.transports },
      limiter: gw.limiter,
      plans: {},
      tracing: null,
    });

  test('roles without an authentication stage', async () => {
    const app = Fastify();
    await expect(mount()(app, { ...publicMount('broken'), authorize: ['admin'] }, () => {})).rejects.toThrow(
      'mount broken: roles need an authentication stage',
    );
  });

  test('a mount inside a mount (its stages would run twice)', async () => {
    const app = Fastify();
    const m = mount();
    await expect(
      m(app, publicMount('outer'), (scope) => m(scope, publicMount('inner'), () => {})),
    ).rejects.toThrow('mount inner: mounts do not nest');
  });
});
