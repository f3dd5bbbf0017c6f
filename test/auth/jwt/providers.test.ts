/**
 * Third-party identity providers (Auth0/Okta style): tokens verified against the provider's
 * JWKS, roles from the configured claim, and a JWKS cache that survives outages and cannot be
 * driven into a fetch storm.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { generateProviderKey, type JwksServer, startJwksServer } from '../../helpers/jwks-server.js';
import { freePort } from '../../helpers/ports.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let auth0: JwksServer;
let okta: JwksServer;
let flaky: JwksServer;
let gw: TestGateway;

beforeAll(async () => {
  auth0 = await startJwksServer();
  okta = await startJwksServer({ audience: 'api://default' });
  flaky = await startJwksServer();
  flaky.failWith(500);
  const deadPort = await freePort();
  const provider = (name: string, idp: { issuer: string; jwksUri: string }, extra: string[]) => [
    `      - name: ${name}`,
    `        issuer: "${idp.issuer}"`,
    `        jwksUri: "${idp.jwksUri}"`,
    ...extra.map((line) => `        ${line}`),
  ];
  gw = await createTestGateway({
    clock,
    yaml: [
      `secrets: { masterKey: "${randomBytes(32).toString('base64')}" }`,
      'auth:',
      '  jwt:',
      '    providers:',
      ...provider('auth0', auth0, ['audience: https://api.example.com', 'rolesClaim: permissions']),
      ...provider('okta', okta, ['audience: [api://default, api://other]', 'rolesClaim: scp']),
      ...provider('flaky', flaky, ['audience: https://api.example.com']),
      ...provider(
        'down',
        { issuer: 'https://down.example.com/', jwksUri: `http://127.0.0.1:${deadPort}/jwks.json` },
        ['audience: https://api.example.com'],
      ),
      'services:',
      '  time: { path: /v1/time, auth: [apiKey, jwt], roles: [reader] }',
      '',
    ].join('\n'),
  });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([auth0?.close(), okta?.close(), flaky?.close()]);
});

const call = (token: string) =>
  gw.app.inject({ method: 'GET', url: '/v1/time', headers: { authorization: `Bearer ${token}` } });

describe('an Auth0-style token', () => {
  test('is verified by JWKS; permissions become roles; the principal is provider:<name>:<sub>', async () => {
    const token = await auth0.sign({ permissions: ['read:time', 'reader'] }, clock.now());
    gw.logs.length = 0;
    const res = await call(token);
    expect(res.statusCode).toBe(200);
    const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line.principal).toBe('provider:auth0:auth0|user-1');
  });

  test('without the role it is 403 naming the role', async () => {
    const res = await call(await auth0.sign({ permissions: ['read:time'] }, clock.now()));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'KW_ERR_FORBIDDEN' });
    expect(res.json().detail).toContain('reader');
  });

  test('a clock skew within the configured 30 s is tolerated', async () => {
    expect(
      (await call(await auth0.sign({ permissions: ['reader'] }, clock.now(), { expiresIn: -20 }))).statusCode,
    ).toBe(200);
    expect(
      (await call(await auth0.sign({ permissions: ['reader'] }, clock.now(), { notBefore: 20 }))).statusCode,
    ).toBe(200);
  });
});

describe('roles claims', () => {
  test.each([
    ['a space-separated scope string', 'openid reader profile', 200],
    ['an array', ['reader'], 200],
    ['a string without the role', 'openid profile', 403],
    ['a number', 42, 403],
  ])('scp as %s → %i', async (_name, scp, status) => {
    const token = await okta.sign({ scp, aud: 'api://default' }, clock.now());
    expect((await call(token)).statusCode).toBe(status);
  });

  test('any configured audience is accepted', async () => {
    const token = await okta.sign({ scp: 'reader', aud: ['api://other', 'urn:x'] }, clock.now());
    expect((await call(token)).statusCode).toBe(200);
  });
});

describe('the JWKS cache', () => {
  test('a provider key rotation is picked up on the first unknown kid after the cooldown', async () => {
    await call(await auth0.sign({ permissions: ['reader'] }, clock.now()));
    const fetches = auth0.requests.length;
    const next = await auth0.addKey('RS256');
    const token = await auth0.sign({ permissions: ['reader'] }, clock.now(), { key: next });
    // Within the cooldown of the last fetch: refused without asking the provider again.
    expect((await call(token)).statusCode).toBe(401);
    expect(auth0.requests.length).toBe(fetches);
    clock.advance(31_000);
    expect((await call(token)).statusCode).toBe(200);
    expect(auth0.requests.length).toBe(fetches + 1);
  });

  test('a stream of tokens with random kids causes at most one fetch per cooldown', async () => {
    clock.advance(31_000);
    const before = auth0.requests.length;
    const stranger = await generateProviderKey('RS256');
    for (let i = 0; i < 25; i++) {
      const key = { ...stranger, kid: `forged-${i}` };
      const res = await call(await auth0.sign({ permissions: ['reader'] }, clock.now(), { key }));
      expect(res.statusCode).toBe(401);
      clock.advance(100);
    }
    expect(auth0.requests.length - before).toBe(1);
  });

  test('the provider going down does not stop tokens signed with keys already fetched', async () => {
    auth0.failWith(503);
    try {
      clock.advance(11 * 60_000); // past the 10-minute cache age: a refresh is attempted and fails
      const before = auth0.requests.length;
      const res = await call(await auth0.sign({ permissions: ['reader'] }, clock.now()));
      expect(res.statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      expect(auth0.requests.length).toBe(before + 1);
      expect((await call(await auth0.sign({ permissions: ['reader'] }, clock.now()))).statusCode).toBe(200);
    } finally {
      auth0.failWith(null);
    }
  });

  test('keys never fetched and the provider failing: 503 KW_ERR_JWKS_UNAVAILABLE, retried at most every 5 s', async () => {
    const token = await flaky.sign({ permissions: ['reader'] }, clock.now(), { expiresIn: 3600 });
    const first = await call(token);
    expect(first.statusCode).toBe(503);
    expect(first.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(first.json().code).toBe('KW_ERR_JWKS_UNAVAILABLE');
    expect(first.headers['retry-after']).toBe('5');
    expect((await call(token)).statusCode).toBe(503);
    expect(flaky.requests.length).toBe(1);
    flaky.failWith(null);
    expect((await call(token)).statusCode).toBe(503);
    clock.advance(5000);
    expect((await call(token)).statusCode).toBe(200);
    expect(flaky.requests.length).toBe(2);
  });

  test('a provider that cannot even be connected to is a 503, never a 500', async () => {
    const stranger = await generateProviderKey('RS256');
    const now = Math.floor(clock.now() / 1000);
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ permissions: ['reader'] })
      .setProtectedHeader({ alg: 'RS256', kid: stranger.kid })
      .setIssuer('https://down.example.com/')
      .setAudience('https://api.example.com')
      .setSubject('someone')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(stranger.privateKey);
    const res = await call(token);
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('KW_ERR_JWKS_UNAVAILABLE');
  });
});
