/**
 * JWT on every kind of protected endpoint: a proxied route (the token never reaches the
 * upstream), a jwt-only route (keys are not accepted there), and /metrics for admin users.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserService } from '../../../src/auth/login/users.js';
import { createTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';

let upstream: TestUpstream;
let gw: TestGateway;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { UP: upstream.url },
    yaml: [
      `secrets: { masterKey: "${randomBytes(32).toString('base64')}" }`,
      'routes:',
      '  - name: weather',
      '    path: /weather/*',
      '    auth: [apiKey, jwt]',
      '    roles: [reader]',
      '    upstream: { url: "${UP}/base" }',
      '  - name: tokens-only',
      '    path: /tokens-only/*',
      '    auth: [jwt]',
      '    upstream: { url: "${UP}/base" }',
      '',
    ].join('\n'),
  });
  const users = new UserService(gw.store, { now: () => Date.now() });
  await users.add('reader', 'reader-password-1', ['reader'], { id: 'test' });
  await users.add('admin', 'admin-password-1', ['admin'], { id: 'test' });
  for (const name of ['reader', 'admin']) {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: name, password: `${name}-password-1` },
    });
    tokens[name] = res.json().access_token;
  }
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('JWT on proxied routes', () => {
  test('a token reaches the upstream, but the upstream never sees it', async () => {
    upstream.received.length = 0;
    const res = await gw.app.inject({
      url: '/weather/echo?q=1',
      headers: { authorization: `Bearer ${tokens.reader}` },
    });
    expect(res.statusCode).toBe(200);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(upstream.received[0]?.rawHeaders)).not.toContain(tokens.reader);
  });

  test('without the role: 403; a jwt-only route refuses API keys with 401', async () => {
    const denied = await gw.app.inject({
      url: '/weather/echo',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(denied.statusCode).toBe(403);
    const key = await gw.app.inject({ url: '/tokens-only/echo', headers: { 'x-api-key': gw.adminKey } });
    expect(key.statusCode).toBe(401);
    expect(key.json()).toMatchObject({ code: 'KW_ERR_UNAUTHENTICATED' });
    expect(key.json().detail).toContain('bearer token');
    expect(key.headers['www-authenticate']).toBe('Bearer realm="keyward"');
    const token = await gw.app.inject({
      url: '/tokens-only/echo',
      headers: { authorization: `Bearer ${tokens.reader}` },
    });
    expect(token.statusCode).toBe(200);
  });
});

describe('JWT on the gateway own endpoints', () => {
  test('/metrics takes an admin user token', async () => {
    expect(
      (await gw.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${tokens.admin}` } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await gw.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${tokens.reader}` } }))
        .statusCode,
    ).toBe(403);
  });
});
