import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JwtRuntime } from '../../../src/auth/jwt/runtime.js';
import { UserService } from '../../../src/auth/login/users.js';
import { ManualClock } from '../../../src/clock.js';
import { createTestGateway, type TestGateway } from '../../helpers/gateway.js';

const MASTER = randomBytes(32).toString('base64');
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let gw: TestGateway;

beforeAll(async () => {
  gw = await createTestGateway({
    clock,
    env: { KEYWARD_MASTER_KEY: MASTER },
    yaml: [
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'auth: { jwt: { local: { accessTtl: 15m, refreshTtl: 1d } } }',
      'services:',
      '  time: { path: /v1/time, auth: [apiKey, jwt], roles: [reader] }',
      '',
    ].join('\n'),
  });
  const users = new UserService(gw.store, clock);
  await users.add('alice', 'correct horse battery', ['reader'], { id: 'test' });
  await users.add('bob', 'bob-password-1', [], { id: 'test' });
  await users.add('root', 'root-password-1', ['admin'], { id: 'test' });
});
afterAll(() => gw.close());

interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  gw.app.inject({ method: 'POST', url, payload: payload as object, headers, remoteAddress: headers['x-ip'] });

async function login(username: string, password: string): Promise<Tokens> {
  const res = await post('/auth/login', { username, password });
  expect(res.statusCode).toBe(200);
  return res.json() as Tokens;
}

const time = (token: string) =>
  gw.app.inject({ method: 'GET', url: '/v1/time', headers: { authorization: `Bearer ${token}` } });

describe('POST /auth/login', () => {
  test('returns an access token, its type and lifetime, and a refresh token; never cacheable', async () => {
    const res = await post('/auth/login', { username: 'alice', password: 'correct horse battery' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as Tokens;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^kwr_[0-9A-Za-z]{43}$/),
    });
    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ iss: 'keyward', roles: ['reader'], username: 'alice' });
    expect(claims.sub).toMatch(/^usr_/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
  });

  test('usernames are case-insensitive', async () => {
    await login('ALICE', 'correct horse battery');
  });

  test('an access token calls a route by role: 200 with the role, 403 naming it without, 401 with none', async () => {
    const alice = await login('alice', 'correct horse battery');
    const ok = await time(alice.access_token);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().currentTime).toBe(new Date(clock.now()).toISOString());

    const bob = await login('bob', 'bob-password-1');
    const forbidden = await time(bob.access_token);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'KW_ERR_FORBIDDEN' });
    expect(forbidden.json().detail).toContain('reader');

    const none = await gw.app.inject({ method: 'GET', url: '/v1/time' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('KW_ERR_UNAUTHENTICATED');
    expect(none.headers['www-authenticate']).toBe('ApiKey realm="keyward", error="KW_ERR_UNAUTHENTICATED"');
  });

  test('the same route still takes API keys, and a key plus a token is ambiguous', async () => {
    const { key } = await gw.keys.create({ name: 'reader key', roles: ['reader'] }, { id: 'test' });
    expect((await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    const alice = await login('alice', 'correct horse battery');
    const both = await gw.app.inject({
      url: '/v1/time',
      headers: { 'x-api-key': key, authorization: `Bearer ${alice.access_token}` },
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().code).toBe('KW_ERR_AMBIGUOUS_CREDENTIALS');
  });

  test('the login principal is what the request log and usage see', async () => {
    const alice = await login('alice', 'correct horse battery');
    gw.logs.length = 0;
    await time(alice.access_token);
    const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line.principal).toBe(decodeJwt(alice.access_token).sub);
    expect(gw.logs.join('')).not.toContain(alice.access_token);
  });

  test('an expired access token is 401 KW_ERR_TOKEN_EXPIRED with a Bearer challenge', async () => {
    const alice = await login('alice', 'correct horse battery');
    clock.advance(16 * 60_000);
    try {
      const res = await time(alice.access_token);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('KW_ERR_TOKEN_EXPIRED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="keyward", error="invalid_token"');
    } finally {
      clock.advance(-16 * 60_000);
    }
  });

  test('an admin user manages keys with a token', async () => {
    const root = await login('root', 'root-password-1');
    const res = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: { authorization: `Bearer ${root.access_token}` },
      payload: { name: 'made by a user' },
    });
    expect(res.statusCode).toBe(201);
    const alice = await login('alice', 'correct horse battery');
    const denied = await gw.app.inject({
      url: '/admin/v1/keys',
      headers: { authorization: `Bearer ${alice.access_token}` },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toContain('admin');
  });
});

describe('login failures are indistinguishable', () => {
  test.each([
    ['wrong password', { username: 'alice', password: 'wrong password!' }],
    ['unknown user', { username: 'mallory', password: 'correct horse battery' }],
    ['unknown user, invalid name', { username: '<script>', password: 'x' }],
    ['empty password', { username: 'alice', password: '' }],
    ['huge password', { username: 'alice', password: 'x'.repeat(4000) }],
  ])('%s: 401 KW_ERR_LOGIN_FAILED with the same detail', async (_name, body) => {
    const res = await post('/auth/login', body, { 'x-ip': '10.9.9.9' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      code: 'KW_ERR_LOGIN_FAILED',
      detail: 'The username or password is not correct.',
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="keyward"');
  });

  test('an unknown user takes about as long as a wrong password (dummy Argon2 verification)', async () => {
    const timed = async (username: string) => {
      const start = performance.now();
      await post('/auth/login', { username, password: 'not the password' }, { 'x-ip': '10.9.9.8' });
      return performance.now() - start;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await timed('bob'));
      unknown.push(await timed(`ghost${i}`));
    }
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });

  test('malformed bodies are 422, not a login attempt', async () => {
    const res = await post('/auth/login', { username: 'alice' });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: 'body.password', message: 'is required' }]);
  });
});

describe('brute force is slowed', () => {
  test('10 failures for one username: the 11th attempt is 429 with Retry-After, even with the right password', async () => {
    const users = new UserService(gw.store, clock);
    await users.add('carol', 'carol-password-1', [], { id: 'test' });
    for (let i = 0; i < 10; i++) {
      const res = await post(
        '/auth/login',
        { username: 'carol', password: `guess-${i}` },
        { 'x-ip': `10.1.0.${i}` },
      );
      expect(res.statusCode).toBe(401);
    }
    const blocked = await post(
      '/auth/login',
      { username: 'carol', password: 'carol-password-1' },
      { 'x-ip': '10.1.1.1' },
    );
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(blocked.json().code).toBe('KW_ERR_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBe(900);
    clock.advance(15 * 60_000);
    expect((await post('/auth/login', { username: 'carol', password: 'carol-password-1' })).statusCode).toBe(
      200,
    );
  });

  test('50 failures from one address block that address for any username', async () => {
    for (let i = 0; i < 50; i++) {
      await post('/auth/login', { username: `nobody${i}`, password: 'pw-guess-123' }, { 'x-ip': '10.2.0.1' });
    }
    const blocked = await post(
      '/auth/login',
      { username: 'alice', password: 'correct horse battery' },
      { 'x-ip': '10.2.0.1' },
    );
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await post(
      '/auth/login',
      { username: 'alice', password: 'correct horse battery' },
      { 'x-ip': '10.2.0.2' },
    );
    expect(elsewhere.statusCode).toBe(200);
  });
});

describe('refresh and logout', () => {
  test('refresh rotates the refresh token and returns a fresh access token', async () => {
    const first = await login('alice', 'correct horse battery');
    clock.advance(1000);
    const res = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const second = res.json() as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await time(second.access_token)).statusCode).toBe(200);
  });

  test('a reused refresh token revokes its whole family: 401 for the replay and for the newest token', async () => {
    const first = await login('alice', 'correct horse battery');
    const second = (await post('/auth/refresh', { refresh_token: first.refresh_token })).json() as Tokens;
    const replay = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('KW_ERR_REFRESH_INVALID');
    const victim = await post('/auth/refresh', { refresh_token: second.refresh_token });
    expect(victim.statusCode).toBe(401);
    expect(victim.json().code).toBe('KW_ERR_REFRESH_INVALID');
    // Other sessions of the same user are separate families and keep working.
    const other = await login('alice', 'correct horse battery');
    expect((await post('/auth/refresh', { refresh_token: other.refresh_token })).statusCode).toBe(200);
  });

  test('logout revokes the family; refresh then fails; logout answers 204 even for unknown tokens', async () => {
    const session = await login('alice', 'correct horse battery');
    const out = await post('/auth/logout', { refresh_token: session.refresh_token });
    expect(out.statusCode).toBe(204);
    expect((await post('/auth/refresh', { refresh_token: session.refresh_token })).statusCode).toBe(401);
    expect((await post('/auth/logout', { refresh_token: 'kwr_nope' })).statusCode).toBe(204);
  });

  test('an expired refresh token is refused', async () => {
    const session = await login('alice', 'correct horse battery');
    clock.advance(86_400_000 + 1);
    const res = await post('/auth/refresh', { refresh_token: session.refresh_token });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('KW_ERR_REFRESH_INVALID');
  });

  test('a role change applies at the next refresh; a removed user cannot refresh', async () => {
    const users = new UserService(gw.store, clock);
    const dave = await users.add('dave', 'dave-password-1', [], { id: 'test' });
    const session = await login('dave', 'dave-password-1');
    expect((await time(session.access_token)).statusCode).toBe(403);
    await gw.store.users.setRoles(dave.id, ['reader'], clock.now());
    const refreshed = (
      await post('/auth/refresh', { refresh_token: session.refresh_token })
    ).json() as Tokens;
    expect((await time(refreshed.access_token)).statusCode).toBe(200);
    await users.remove('dave', { id: 'test' });
    expect((await post('/auth/refresh', { refresh_token: refreshed.refresh_token })).statusCode).toBe(401);
  });

  test('refresh tokens are stored only as SHA-256 digests', async () => {
    const session = await login('alice', 'correct horse battery');
    const rows = await gw.store.db.selectFrom('refresh_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(session.refresh_token);
  });
});

describe('signing keys', () => {
  test('/.well-known/jwks.json publishes the public key; an outside verifier accepts our tokens with it', async () => {
    const res = await gw.app.inject({ url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    const jwks = res.json() as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const alice = await login('alice', 'correct horse battery');
    const verified = await jwtVerify(alice.access_token, createLocalJWKSet(jwks as never), {
      issuer: 'keyward',
      currentDate: new Date(clock.now()),
    });
    expect(verified.payload.roles).toEqual(['reader']);
  });

  test('the private key is stored sealed with the master key', async () => {
    const rows = await gw.store.db.selectFrom('signing_keys').selectAll().execute();
    expect(rows[0]?.private_sealed).toMatch(/^kw1\./);
    expect(JSON.stringify(rows)).not.toContain('PRIVATE KEY');
  });

  test('rotation: the new key signs, the old one verifies until accessTtl has passed, then drops out', async () => {
    const before = await login('alice', 'correct horse battery');
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const rotated = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/signing-keys/rotate',
      headers: { 'x-api-key': gw.adminKey },
    });
    expect(rotated.statusCode).toBe(201);
    const { current, keys } = rotated.json() as {
      current: { kid: string };
      keys: { kid: string; status: string }[];
    };
    expect(current.kid).not.toBe(oldKid);
    expect(keys.find((k) => k.kid === oldKid)?.status).toBe('retiring');

    const after = await login('alice', 'correct horse battery');
    expect(decodeProtectedHeader(after.access_token).kid).toBe(current.kid);
    const published = (await gw.app.inject({ url: '/.well-known/jwks.json' }))
      .json()
      .keys.map((k: { kid: string }) => k.kid);
    expect(published).toEqual(expect.arrayContaining([oldKid, current.kid]));

    clock.advance(10 * 60_000);
    expect((await time(before.access_token)).statusCode).toBe(200);
    clock.advance(10 * 60_000);
    const jwks = (await gw.app.inject({ url: '/.well-known/jwks.json' }))
      .json()
      .keys.map((k: { kid: string }) => k.kid);
    expect(jwks).toEqual([current.kid]);
    const audit = await gw.store.audit.list({ limit: 50 });
    expect(audit.items.some((e) => e.action === 'signing-key.rotate' && e.targetId === current.kid)).toBe(
      true,
    );
  });

  test('rotateSigningKey is also available in code, and the admin list shows every key', async () => {
    const jwt = gw.jwt as JwtRuntime;
    const { current } = await jwt.ring.rotate({ id: 'test' });
    const list = await gw.app.inject({
      url: '/admin/v1/signing-keys',
      headers: { 'x-api-key': gw.adminKey },
    });
    expect(list.json().items[0]).toMatchObject({ kid: current.kid, status: 'current', algorithm: 'EdDSA' });
  });
});

describe('POST /oauth/token (client credentials)', () => {
  let keyId: string;
  let key: string;
  beforeAll(async () => {
    const created = await gw.keys.create({ name: 'm2m', roles: ['reader'], plan: null }, { id: 'test' });
    keyId = created.record.id;
    key = created.key;
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  test.each([
    [
      'form body',
      () => ({
        payload: form({ grant_type: 'client_credentials', client_id: keyId, client_secret: key }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ],
    [
      'JSON body',
      () => ({
        payload: JSON.stringify({ grant_type: 'client_credentials', client_id: keyId, client_secret: key }),
        headers: { 'content-type': 'application/json' },
      }),
    ],
    [
      'HTTP Basic',
      () => ({
        payload: form({ grant_type: 'client_credentials' }),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${keyId}:${key}`).toString('base64')}`,
        },
      }),
    ],
  ])('%s: a JWT carrying the key roles, principal kind client', async (_name, make) => {
    const { payload, headers } = make();
    const res = await gw.app.inject({ method: 'POST', url: '/oauth/token', payload, headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: keyId,
      client_id: keyId,
      kind: 'client',
      roles: ['reader'],
    });
    expect((await time(body.access_token)).statusCode).toBe(200);
  });

  test.each([
    [
      'wrong secret',
      () => ({
        grant_type: 'client_credentials',
        client_id: keyId,
        client_secret: `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`,
      }),
      401,
      'KW_ERR_CLIENT_AUTH_FAILED',
    ],
    [
      'secret of another key',
      () => ({
        grant_type: 'client_credentials',
        client_id: 'key_000000000000000000000',
        client_secret: key,
      }),
      401,
      'KW_ERR_CLIENT_AUTH_FAILED',
    ],
    [
      'no secret',
      () => ({ grant_type: 'client_credentials', client_id: keyId }),
      401,
      'KW_ERR_CLIENT_AUTH_FAILED',
    ],
    ['password grant', () => ({ grant_type: 'password', username: 'a' }), 422, 'KW_ERR_VALIDATION'],
    ['other grant', () => ({ grant_type: 'authorization_code' }), 400, 'KW_ERR_UNSUPPORTED_GRANT'],
  ])('%s → %i %s', async (_name, make, status, code) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: form(make() as Record<string, string>),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
  });

  test('a repeated form field is refused', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: `grant_type=client_credentials&client_id=${keyId}&client_id=other&client_secret=${key}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(400);
  });

  test('a client token never outlives its key', async () => {
    const short = await gw.keys.create(
      { name: 'short', roles: [], expiresAt: clock.now() + 60_000 },
      { id: 'test' },
    );
    const res = await gw.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: short.record.id, client_secret: short.key },
    });
    expect(res.json().expires_in).toBe(60);
  });
});
