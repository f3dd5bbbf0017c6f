import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateApiKey } from '../../src/auth/keys/format.js';
import { ManualClock } from '../../src/clock.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
beforeAll(async () => {
  gw = await createTestGateway({ clock, yaml: 'auth: { apiKeys: { queryParam: true } }\n' });
});
afterAll(() => gw.close());

const basic = (key: string) => `Basic ${Buffer.from(`user:${key}`).toString('base64')}`;
const call = (headers: Record<string, string>, url = '/admin/v1/keys') =>
  gw.app.inject({ method: 'GET', url, headers });

async function createKey(body: Record<string, unknown>) {
  const res = await gw.app.inject({
    method: 'POST',
    url: '/admin/v1/keys',
    headers: { 'x-api-key': gw.adminKey },
    payload: body,
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; key: string };
}

describe('every transport reaches a protected route', () => {
  test.each([
    ['X-Api-Key (curl -H "x-api-key: KEY")', (k: string) => ({ headers: { 'x-api-key': k } })],
    ['Authorization: Bearer KEY', (k: string) => ({ headers: { authorization: `Bearer ${k}` } })],
    ['raw Authorization: KEY (requests-style)', (k: string) => ({ headers: { authorization: k } })],
    ['Authorization: Basic user:KEY', (k: string) => ({ headers: { authorization: basic(k) } })],
    ['?api_key=KEY when enabled', (k: string) => ({ headers: {}, query: `?api_key=${k}` })],
  ])('%s', async (_name, make) => {
    const { headers, query } = make(gw.adminKey) as { headers: Record<string, string>; query?: string };
    const res = await call(headers, `/admin/v1/keys${query ?? ''}`);
    expect(res.statusCode).toBe(200);
  });

  test('the query-parameter key is redacted from the log line', async () => {
    gw.logs.length = 0;
    await call({}, `/admin/v1/keys?api_key=${gw.adminKey}&limit=5`);
    const all = gw.logs.join('');
    expect(all).not.toContain(gw.adminKey);
    expect(all).toContain('api_key=[redacted]');
  });

  test('two different credentials are refused with 400', async () => {
    const other = await createKey({ name: 'other', roles: ['admin'] });
    const res = await call({ 'x-api-key': gw.adminKey, authorization: `Bearer ${other.key}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('KW_ERR_AMBIGUOUS_CREDENTIALS');
  });
});

describe('every failure has its own code, 401 problem+json with WWW-Authenticate', () => {
  const cases: [string, () => Promise<Record<string, string>>, string][] = [
    ['missing', async () => ({}), 'KW_ERR_UNAUTHENTICATED'],
    ['malformed', async () => ({ 'x-api-key': 'hello' }), 'KW_ERR_KEY_MALFORMED'],
    [
      'bad checksum',
      async () => {
        const k = generateApiKey('kw');
        return { 'x-api-key': `${k.slice(0, -1)}${k.endsWith('a') ? 'b' : 'a'}` };
      },
      'KW_ERR_KEY_CHECKSUM',
    ],
    ['unknown', async () => ({ 'x-api-key': generateApiKey('kw') }), 'KW_ERR_KEY_UNKNOWN'],
    [
      'revoked',
      async () => {
        const k = await createKey({ name: 'r', roles: ['admin'] });
        await gw.app.inject({
          method: 'POST',
          url: `/admin/v1/keys/${k.id}/revoke`,
          headers: { 'x-api-key': gw.adminKey },
        });
        return { 'x-api-key': k.key };
      },
      'KW_ERR_KEY_REVOKED',
    ],
    [
      'expired',
      async () => {
        const k = await createKey({ name: 'e', roles: ['admin'], expiresIn: '1h' });
        clock.advance(3_600_000);
        return { 'x-api-key': k.key };
      },
      'KW_ERR_KEY_EXPIRED',
    ],
    [
      'rotated',
      async () => {
        const k = await createKey({ name: 'o', roles: ['admin'] });
        const r = await gw.app.inject({
          method: 'POST',
          url: `/admin/v1/keys/${k.id}/rotate`,
          headers: { 'x-api-key': gw.adminKey },
          payload: { grace: '1m' },
        });
        expect(r.statusCode).toBe(201);
        clock.advance(60_000);
        return { 'x-api-key': k.key };
      },
      'KW_ERR_KEY_ROTATED',
    ],
    [
      'exhausted',
      async () => {
        const k = await createKey({ name: 'x', roles: ['admin'], uses: 1 });
        expect((await call({ 'x-api-key': k.key })).statusCode).toBe(200);
        return { 'x-api-key': k.key };
      },
      'KW_ERR_KEY_EXHAUSTED',
    ],
  ];
  test.each(cases)('%s', async (_name, headersFor, code) => {
    const res = await call(await headersFor());
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['www-authenticate']).toBe(`ApiKey realm="keyward", error="${code}"`);
    expect(res.json()).toMatchObject({ status: 401, code });
  });

  test('origin and IP bindings answer 403 with their own codes', async () => {
    const web = await createKey({ name: 'web', roles: ['admin'], origins: ['https://app.example.com'] });
    expect((await call({ 'x-api-key': web.key, origin: 'https://app.example.com' })).statusCode).toBe(200);
    const wrongOrigin = await call({ 'x-api-key': web.key, origin: 'https://evil.example' });
    expect(wrongOrigin.statusCode).toBe(403);
    expect(wrongOrigin.json().code).toBe('KW_ERR_ORIGIN_NOT_ALLOWED');
    const elsewhere = await createKey({ name: 'srv', roles: ['admin'], ips: ['10.0.0.0/8'] });
    const wrongIp = await call({ 'x-api-key': elsewhere.key });
    expect(wrongIp.statusCode).toBe(403);
    expect(wrongIp.json().code).toBe('KW_ERR_IP_NOT_ALLOWED');
  });

  test('a key without the admin role gets 403 naming the role', async () => {
    const reader = await createKey({ name: 'reader', roles: ['reader'] });
    const res = await call({ 'x-api-key': reader.key });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      code: 'KW_ERR_FORBIDDEN',
      detail: 'This requires one of the roles: admin.',
    });
  });
});
