/**
 * The portal's self-service API at the HTTP level: registration, cookie sign-in, a developer's
 * own keys (limited in number, with the portal's plan), usage and quota — and that another
 * developer can see or touch none of it, whatever ids they send.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserService } from '../../src/auth/login/users.js';
import { systemClock } from '../../src/clock.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const MASTER = randomBytes(32).toString('base64');
let gw: TestGateway;
const CSRF = { 'x-keyward-csrf': '1' };

beforeAll(async () => {
  gw = await createTestGateway({
    env: { KEYWARD_MASTER_KEY: MASTER },
    yaml: [
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'plans:',
      '  starter: { limits: [{ requests: 3, per: day }, { requests: 50, per: minute }] }',
      'services:',
      '  time: { path: /v1/time, auth: [apiKey] }',
      '  primes: { path: /v1/primes, auth: [apiKey], roles: [math] }',
      'routes:',
      '  - { name: echo, path: /echo/*, methods: [GET, POST], auth: [apiKey], upstream: { url: "http://user:pw@127.0.0.1:9/base?token=x" } }',
      'portal: { enabled: true, registration: open, plan: starter, maxKeysPerUser: 2 }',
      '',
    ].join('\n'),
  });
  await new UserService(gw.store, systemClock).add('root', 'root-password-1', ['admin'], { id: 'test' });
});
afterAll(() => gw.close());

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  gw.app.inject({
    method: 'POST',
    url,
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers,
  });
const get = (url: string, token: string) =>
  gw.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

async function register(username: string) {
  const res = await post('/portal/api/register', { username, password: `${username}-password-1` });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function signIn(path: '/portal/session' | '/ui/session', username: string, password: string) {
  const res = await post(path, { username, password }, CSRF);
  expect(res.statusCode, res.body).toBe(200);
  return { token: res.json().access_token as string, cookie: String(res.headers['set-cookie']) };
}

describe('registration and sign-in', () => {
  test('an open portal lets a developer register with the developer role only', async () => {
    expect(await register('alice')).toMatchObject({ username: 'alice', roles: ['developer'] });
    const asking = await post('/portal/api/register', {
      username: 'mallory',
      password: 'mallory-pass-1',
      roles: ['admin'],
    });
    expect(asking.statusCode).toBe(422);
    expect(asking.json().errors).toEqual([{ path: 'body.roles', message: 'unknown field' }]);
    const taken = await post('/portal/api/register', { username: 'ALICE', password: 'another-pass-1' });
    expect(taken.statusCode).toBe(409);
    const weak = await post('/portal/api/register', { username: 'carol', password: 'short' });
    expect(weak.statusCode).toBe(422);
  });

  test('sign-in sets an HttpOnly, SameSite=Strict cookie scoped to the session path; the body has no refresh token', async () => {
    const res = await post('/portal/session', { username: 'alice', password: 'alice-password-1' }, CSRF);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.json()).sort()).toEqual([
      'access_token',
      'api',
      'expires_in',
      'token_type',
      'user',
    ]);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(
      /^kw_portal_session=kwr_[A-Za-z0-9]+; Path=\/portal\/session; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    // Plain HTTP: no Secure flag, or the browser would drop the cookie.
    expect(cookie).not.toContain('Secure');
  });

  test('the cookie is Secure when the request came over TLS (through a trusted proxy)', async () => {
    const tls = await createTestGateway({
      env: { KEYWARD_MASTER_KEY: MASTER },
      yaml: 'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }\nserver: { trustProxy: ["127.0.0.1/32"] }\n',
    });
    try {
      await new UserService(tls.store, systemClock).add('root', 'root-password-1', ['admin'], { id: 't' });
      const res = await tls.app.inject({
        method: 'POST',
        url: '/ui/session',
        payload: { username: 'root', password: 'root-password-1' },
        headers: { ...CSRF, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gw.example' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await tls.close();
    }
  });

  test.each([
    ['without the CSRF header', {}],
    ['from another origin', { ...CSRF, origin: 'https://evil.example' }],
    ['from another site', { ...CSRF, 'sec-fetch-site': 'cross-site' }],
  ])('sign-in %s is refused with KW_ERR_CSRF', async (_name, headers) => {
    const res = await post('/portal/session', { username: 'alice', password: 'alice-password-1' }, headers);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('KW_ERR_CSRF');
  });

  test('the same origin is accepted', async () => {
    const res = await post(
      '/portal/session',
      { username: 'alice', password: 'alice-password-1' },
      { ...CSRF, origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' },
    );
    expect(res.statusCode, res.body).toBe(200);
  });

  test('refresh rotates the cookie; a replayed cookie ends the session; logout clears it', async () => {
    const { cookie } = await signIn('/portal/session', 'alice', 'alice-password-1');
    const first = cookie.split(';')[0]!;
    const refreshed = await post('/portal/session/refresh', undefined, { ...CSRF, cookie: first });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const second = String(refreshed.headers['set-cookie']).split(';')[0]!;
    expect(second).not.toBe(first);
    expect((await get('/portal/api/me', refreshed.json().access_token)).statusCode).toBe(200);
    const replay = await post('/portal/session/refresh', undefined, { ...CSRF, cookie: first });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('KW_ERR_REFRESH_INVALID');
    expect(String(replay.headers['set-cookie'])).toContain('Max-Age=0');
    // The replay revoked the whole family, the rotated cookie included.
    expect((await post('/portal/session/refresh', undefined, { ...CSRF, cookie: second })).statusCode).toBe(
      401,
    );
    const none = await post('/portal/session/refresh', undefined, CSRF);
    expect(none.statusCode).toBe(401);
    const { cookie: third } = await signIn('/portal/session', 'alice', 'alice-password-1');
    const out = await post('/portal/session/logout', undefined, { ...CSRF, cookie: third.split(';')[0]! });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect(
      (await post('/portal/session/refresh', undefined, { ...CSRF, cookie: third.split(';')[0]! }))
        .statusCode,
    ).toBe(401);
  });

  test('the dashboard signs in admins only, and the portal developers only', async () => {
    const admin = await signIn('/ui/session', 'root', 'root-password-1');
    expect((await get('/admin/v1/keys', admin.token)).statusCode).toBe(200);
    const developerAtUi = await post(
      '/ui/session',
      { username: 'alice', password: 'alice-password-1' },
      CSRF,
    );
    expect(developerAtUi.statusCode).toBe(403);
    expect(developerAtUi.json().code).toBe('KW_ERR_FORBIDDEN');
    const adminAtPortal = await post(
      '/portal/session',
      { username: 'root', password: 'root-password-1' },
      CSRF,
    );
    expect(adminAtPortal.statusCode).toBe(403);
    // An admin's token is not a developer's: the portal API refuses it.
    expect((await get('/portal/api/keys', admin.token)).statusCode).toBe(403);
    const wrong = await post('/ui/session', { username: 'root', password: 'nope-nope-nope' }, CSRF);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('KW_ERR_LOGIN_FAILED');
  });

  test('the portal API needs a token', async () => {
    const res = await gw.app.inject({ url: '/portal/api/keys' });
    expect(res.statusCode).toBe(401);
    const key = await gw.app.inject({ url: '/portal/api/keys', headers: { 'x-api-key': gw.adminKey } });
    expect(key.statusCode).toBe(401);
  });
});

describe("a developer's own keys, usage and quota", () => {
  let alice: string;
  let bob: string;
  let aliceKey: { id: string; key: string };

  beforeAll(async () => {
    await register('bob');
    alice = (await signIn('/portal/session', 'alice', 'alice-password-1')).token;
    bob = (await signIn('/portal/session', 'bob', 'bob-password-1')).token;
  });

  test('a new key gets the portal plan and no roles; the plaintext is in the create answer only', async () => {
    const res = await post('/portal/api/keys', { name: 'laptop' }, { authorization: `Bearer ${alice}` });
    expect(res.statusCode, res.body).toBe(201);
    aliceKey = res.json();
    expect(aliceKey).toMatchObject({
      name: 'laptop',
      plan: 'starter',
      status: 'active',
      key: expect.stringMatching(/^kw_/),
    });
    const stored = await gw.keys.get(aliceKey.id);
    expect(stored).toMatchObject({ roles: [], plan: 'starter', ownerId: expect.stringMatching(/^usr_/) });
    const listed = (await get('/portal/api/keys', alice)).json().items;
    expect(listed.map((k: { id: string }) => k.id)).toEqual([aliceKey.id]);
    expect(JSON.stringify(listed)).not.toContain(aliceKey.key);
    // The operator sees who owns it.
    const admin = await gw.app.inject({
      url: `/admin/v1/keys/${aliceKey.id}`,
      headers: { 'x-api-key': gw.adminKey },
    });
    expect(admin.json().owner).toBe(stored?.ownerId);
  });

  test('at most maxKeysPerUser active keys, even when asked for at once', async () => {
    const attempts = await Promise.all(
      ['a', 'b', 'c'].map((name) => post('/portal/api/keys', { name }, { authorization: `Bearer ${alice}` })),
    );
    expect(attempts.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    const refused = attempts.find((r) => r.statusCode === 409)!;
    expect(refused.json().code).toBe('KW_ERR_KEY_LIMIT');
    expect((await get('/portal/api/me', alice)).json()).toMatchObject({ maxKeys: 2, activeKeys: 2 });
  });

  test("another developer sees none of alice's keys or usage, and cannot revoke them", async () => {
    expect((await get('/portal/api/keys', bob)).json().items).toEqual([]);
    const revoke = await post(`/portal/api/keys/${aliceKey.id}/revoke`, undefined, {
      authorization: `Bearer ${bob}`,
    });
    expect(revoke.statusCode).toBe(404);
    expect((await gw.keys.get(aliceKey.id))?.revokedAt).toBeNull();
    const usage = await get(`/portal/api/usage?key=${aliceKey.id}`, bob);
    expect(usage.statusCode).toBe(404);
    // Admin-only views stay closed to developers.
    expect((await get('/admin/v1/keys', bob)).statusCode).toBe(403);
    expect((await get('/admin/v1/usage/series', bob)).statusCode).toBe(403);
  });

  test('usage and quota follow calls made with the key; bob sees only his own (none)', async () => {
    for (let i = 0; i < 2; i++) {
      const call = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': aliceKey.key } });
      expect(call.statusCode).toBe(200);
    }
    const usage = (await get('/portal/api/usage?window=1h', alice)).json();
    expect(usage.totals.total).toBe(2);
    expect(usage.totals['2xx']).toBe(2);
    expect(usage.times).toHaveLength(60);
    const quota = (await get('/portal/api/quota', alice)).json();
    const mine = quota.items.find((k: { id: string }) => k.id === aliceKey.id);
    expect(mine.limits).toEqual([
      { requests: 3, per: 'day', used: 2, remaining: 1, resetsAt: expect.any(String) },
      { requests: 50, per: 'minute', used: null, remaining: null, resetsAt: null },
    ]);
    expect((await get('/portal/api/usage?window=1h', bob)).json().totals.total).toBe(0);
    // Spending the quota shows as 0 remaining, and the next call is 429.
    await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': aliceKey.key } });
    const over = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': aliceKey.key } });
    expect(over.statusCode).toBe(429);
    const after = (await get('/portal/api/quota', alice))
      .json()
      .items.find((k: { id: string }) => k.id === aliceKey.id);
    expect(after.limits[0]).toMatchObject({ used: 3, remaining: 0 });
    const series = (await get('/portal/api/usage?window=1h', alice)).json();
    expect(series.totals['429']).toBe(1);
  });

  test('revoking her own key works at once and frees a slot', async () => {
    const res = await post(`/portal/api/keys/${aliceKey.id}/revoke`, undefined, {
      authorization: `Bearer ${alice}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('revoked');
    const call = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': aliceKey.key } });
    expect(call.statusCode).toBe(401);
    expect((await get('/portal/api/me', alice)).json().activeKeys).toBe(1);
  });

  test('the catalog lists what a portal key may call, with operations; never upstream secrets', async () => {
    const catalog = (await get('/portal/api/catalog', alice)).json();
    expect(catalog.keyHeader).toBe('x-api-key');
    const items = catalog.items;
    expect(items.map((i: { name: string }) => i.name)).toEqual(['time', 'echo']);
    const time = items[0];
    expect(time.operations.map((o: { method: string; path: string }) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining(['GET /v1/time', 'POST /v1/time']),
    );
    const echo = items[1];
    expect(echo.operations.map((o: { method: string }) => o.method)).toEqual(['GET', 'POST']);
    expect(JSON.stringify(items)).not.toMatch(/user:pw|token=x|127\.0\.0\.1/);
  });

  test("removing a developer revokes the keys they made; other developers' keys keep working", async () => {
    const carol = await register('carol');
    const token = (await signIn('/portal/session', 'carol', 'carol-password-1')).token;
    const made = await post('/portal/api/keys', { name: 'ci' }, { authorization: `Bearer ${token}` });
    expect(made.statusCode, made.body).toBe(201);
    const carolKey = made.json();
    const bobKey = (
      await post('/portal/api/keys', { name: 'bob' }, { authorization: `Bearer ${bob}` })
    ).json();
    const call = (key: string) => gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    expect((await call(carolKey.key)).statusCode).toBe(200);

    const removed = await gw.app.inject({
      method: 'DELETE',
      url: `/admin/v1/users/${carol.username}`,
      headers: { 'x-api-key': gw.adminKey },
    });
    expect(removed.statusCode).toBe(204);
    const refused = await call(carolKey.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('KW_ERR_KEY_REVOKED');
    expect((await gw.keys.get(carolKey.id))?.revokedAt).not.toBeNull();
    expect((await call(bobKey.key)).statusCode).toBe(200);
    const audit = await gw.app.inject({
      url: '/admin/v1/audit?limit=5',
      headers: { 'x-api-key': gw.adminKey },
    });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.remove', 'key.revoke']));
  });
});

describe('registration modes', () => {
  test('off: registration is closed', async () => {
    const off = await createTestGateway({
      env: { KEYWARD_MASTER_KEY: MASTER },
      yaml: 'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }\nportal: { enabled: true }\n',
    });
    try {
      const res = await off.app.inject({
        method: 'POST',
        url: '/portal/api/register',
        payload: { username: 'dave', password: 'dave-password-1' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('KW_ERR_REGISTRATION_CLOSED');
    } finally {
      await off.close();
    }
  });

  test('invite: a code from the admin API registers one developer, once', async () => {
    const invite = await createTestGateway({
      env: { KEYWARD_MASTER_KEY: MASTER },
      yaml: 'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }\nportal: { enabled: true, registration: invite }\n',
    });
    const admin = { 'x-api-key': invite.adminKey };
    const reg = (payload: object) =>
      invite.app.inject({ method: 'POST', url: '/portal/api/register', payload });
    try {
      expect((await reg({ username: 'erin', password: 'erin-password-1' })).json().code).toBe(
        'KW_ERR_INVITATION_INVALID',
      );
      const made = await invite.app.inject({
        method: 'POST',
        url: '/admin/v1/invitations',
        headers: admin,
        payload: { note: 'for erin', expiresIn: '1d' },
      });
      expect(made.statusCode).toBe(201);
      const { code, id } = made.json();
      expect(code).toMatch(/^kwinv_[0-9A-Za-z]{32}$/);
      // A failed registration (weak password) gives the invitation back.
      expect((await reg({ username: 'erin', password: 'x', invitation: code })).statusCode).toBe(422);
      const ok = await reg({ username: 'erin', password: 'erin-password-1', invitation: code });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(
        (await reg({ username: 'frank', password: 'frank-password-1', invitation: code })).statusCode,
      ).toBe(403);
      const list = await invite.app.inject({ url: '/admin/v1/invitations', headers: admin });
      expect(list.json().items).toEqual([
        expect.objectContaining({ id, status: 'used', usedBy: 'erin', note: 'for erin' }),
      ]);
      expect(list.body).not.toContain(code);
      expect(
        (await invite.app.inject({ method: 'DELETE', url: `/admin/v1/invitations/${id}`, headers: admin }))
          .statusCode,
      ).toBe(404);
      const audit = await invite.app.inject({ url: '/admin/v1/audit', headers: admin });
      expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['invitation.create', 'user.create']),
      );
      expect(audit.body).not.toContain(code);
    } finally {
      await invite.close();
    }
  });
});
