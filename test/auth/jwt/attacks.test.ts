/**
 * The JWT attack catalogue, as vectors (jose-style): every forged, altered or misdirected token
 * is a 401, with real keys and a real JWKS server. Tokens come from a stand-in identity provider
 * and from the gateway itself; an attacker's server checks that `jku`/`x5u` are never followed.
 */
import { constants, createHmac, randomBytes, sign } from 'node:crypto';
import { base64url, exportJWK, exportPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JwtRuntime } from '../../../src/auth/jwt/runtime.js';
import { UserService } from '../../../src/auth/login/users.js';
import { ManualClock } from '../../../src/clock.js';
import { createTestGateway, type TestGateway } from '../../helpers/gateway.js';
import {
  generateProviderKey,
  type JwksServer,
  type ProviderKey,
  startJwksServer,
} from '../../helpers/jwks-server.js';

const MASTER = randomBytes(32).toString('base64');
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let idp: JwksServer;
let attacker: JwksServer;
let gw: TestGateway;
let legit: ProviderKey;
let ecKey: ProviderKey;
let attackerKey: ProviderKey;
let localToken: string;

const good = { permissions: ['reader'] };

beforeAll(async () => {
  idp = await startJwksServer();
  attacker = await startJwksServer();
  legit = idp.keys[0] as ProviderKey;
  ecKey = await idp.addKey('ES256'); // published, but ES256 is not in the provider's allow-list
  attackerKey = attacker.keys[0] as ProviderKey;
  gw = await createTestGateway({
    clock,
    env: { KEYWARD_MASTER_KEY: MASTER, IDP_ISSUER: idp.issuer, IDP_JWKS: idp.jwksUri },
    yaml: [
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'auth:',
      '  jwt:',
      '    providers:',
      '      - name: auth0',
      '        issuer: ${IDP_ISSUER}',
      '        audience: https://api.example.com',
      '        jwksUri: ${IDP_JWKS}',
      '        rolesClaim: permissions',
      '        algorithms: [RS256]',
      '        clockSkew: 30s',
      'services:',
      '  time: { path: /v1/time, auth: [jwt], roles: [reader] }',
      '',
    ].join('\n'),
  });
  await new UserService(gw.store, clock).add('alice', 'alice-password-1', ['reader'], { id: 'test' });
  const login = await gw.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: 'alice', password: 'alice-password-1' },
  });
  localToken = login.json().access_token;
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
  await attacker?.close();
});

const call = (token: string) =>
  gw.app.inject({ method: 'GET', url: '/v1/time', headers: { authorization: `Bearer ${token}` } });

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
const nowSec = () => Math.floor(clock.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: 'https://api.example.com',
  sub: 'auth0|mallory',
  iat: nowSec(),
  exp: nowSec() + 300,
  permissions: ['reader'],
  ...extra,
});

/** An HMAC-signed token, built by hand (jose refuses to use an asymmetric key as an HMAC secret). */
function hmacToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | Buffer,
) {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Signs any header with the provider's real RSA key, outside jose (which validates what it signs). */
async function rawRsaToken(header: Record<string, unknown>, payload: Record<string, unknown>, pss = false) {
  const pem = await exportPKCS8(legit.privateKey);
  const input = `${encode(header)}.${encode(payload)}`;
  const key = pss ? { key: pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : pem;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function swapPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encode(payload)}.${signature}`;
}

function flipSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const middle = Math.floor(signature.length / 2);
  const flipped = signature[middle] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
}

const localKid = () => (gw.jwt as JwtRuntime).ring.current().kid;

/** A token signed by the gateway's own current key, with claims the issuer would never choose. */
async function localSigned(times: { iat: number; exp: number }): Promise<string> {
  const key = (gw.jwt as JwtRuntime).ring.current();
  return new SignJWT({ iss: 'keyward', sub: 'usr_forged', roles: ['reader'], kind: 'user', ...times })
    .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'at+jwt' })
    .sign(key.privateKey);
}

type Vector = [name: string, make: () => Promise<string> | string, code: string, detail?: RegExp];

const vectors: Vector[] = [
  // Algorithm attacks
  [
    'alg: none, no signature',
    () => `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims())}.`,
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'alg: none with the legit kid',
    () => `${encode({ alg: 'none', kid: legit.kid })}.${encode(claims())}.`,
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'HS256 signed with the RSA public key (PEM) as the HMAC secret',
    () => hmacToken({ alg: 'HS256', kid: legit.kid, typ: 'JWT' }, claims(), legit.publicPem),
    'KW_ERR_TOKEN_INVALID',
    /algorithm is not allowed/,
  ],
  [
    'HS256 signed with the JWK JSON as the HMAC secret',
    () => hmacToken({ alg: 'HS256', kid: legit.kid }, claims(), JSON.stringify(legit.publicJwk)),
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'an algorithm outside the allow-list (ES256, key published by the provider)',
    () => idp.sign(good, clock.now(), { key: ecKey }),
    'KW_ERR_TOKEN_INVALID',
    /algorithm is not allowed/,
  ],
  [
    'PS256 with the provider RSA key (RS256 only is allowed)',
    () => rawRsaToken({ alg: 'PS256', kid: legit.kid, typ: 'JWT' }, claims(), true),
    'KW_ERR_TOKEN_INVALID',
    /algorithm is not allowed/,
  ],
  // Key attacks
  [
    'unknown kid, signed by a key the provider never published',
    async () => idp.sign(good, clock.now(), { key: await generateProviderKey('RS256', 'no-such-kid') }),
    'KW_ERR_TOKEN_INVALID',
    /no trusted key/i,
  ],
  [
    'a different key using the legit kid',
    async () => idp.sign(good, clock.now(), { key: await generateProviderKey('RS256', legit.kid) }),
    'KW_ERR_TOKEN_INVALID',
    /signature does not verify/,
  ],
  [
    'jku pointing at the attacker JWKS, signed with the attacker key',
    () =>
      idp.sign(good, clock.now(), {
        key: attackerKey,
        header: { jku: attacker.jwksUri },
      }),
    'KW_ERR_TOKEN_INVALID',
    /no trusted key/i,
  ],
  [
    'x5u pointing at the attacker, signed with the attacker key under the legit kid',
    () =>
      idp.sign(good, clock.now(), {
        key: { ...attackerKey, kid: legit.kid },
        header: { x5u: `${attacker.url}/cert.pem` },
      }),
    'KW_ERR_TOKEN_INVALID',
    /signature does not verify/,
  ],
  [
    'an embedded jwk header carrying the attacker public key',
    async () =>
      idp.sign(good, clock.now(), {
        key: attackerKey,
        header: { jwk: await exportJWK(attackerKey.publicKey) },
      }),
    'KW_ERR_TOKEN_INVALID',
  ],
  // Integrity
  [
    'tampered signature',
    async () => flipSignature(await idp.sign(good, clock.now())),
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'tampered payload (roles added), original signature',
    async () =>
      swapPayload(
        await idp.sign({ permissions: [] }, clock.now()),
        claims({ permissions: ['reader', 'admin'] }),
      ),
    'KW_ERR_TOKEN_INVALID',
    /signature does not verify/,
  ],
  // Claims
  [
    'expired (beyond the 30 s clock skew)',
    () => idp.sign(good, clock.now(), { expiresIn: -31 }),
    'KW_ERR_TOKEN_EXPIRED',
  ],
  [
    'not yet valid (nbf beyond the clock skew)',
    () => idp.sign(good, clock.now(), { notBefore: 120 }),
    'KW_ERR_TOKEN_INVALID',
    /not valid yet/,
  ],
  [
    'wrong issuer',
    () => idp.sign({ ...good, iss: 'https://evil.example.com/' }, clock.now()),
    'KW_ERR_TOKEN_INVALID',
    /issuer/,
  ],
  [
    'issuer differing only by the trailing slash',
    () => idp.sign({ ...good, iss: idp.url }, clock.now()),
    'KW_ERR_TOKEN_INVALID',
    /issuer/,
  ],
  [
    'wrong audience',
    () => idp.sign({ ...good, aud: 'https://other-api.example.com' }, clock.now()),
    'KW_ERR_TOKEN_INVALID',
    /aud/,
  ],
  [
    'iat in the future beyond the clock skew',
    () => idp.sign({ ...good, iat: nowSec() + 120 }, clock.now()),
    'KW_ERR_TOKEN_INVALID',
    /issued in the future/,
  ],
  [
    'exp: 1e300 (an absurd lifetime)',
    () => rawRsaToken({ alg: 'RS256', kid: legit.kid }, claims({ exp: 1e300 })),
    'KW_ERR_TOKEN_INVALID',
    /lifetime/,
  ],
  [
    'exp a year away (longer than the provider maxTokenLifetime of 24h)',
    () => idp.sign(good, clock.now(), { expiresIn: 365 * 86400 }),
    'KW_ERR_TOKEN_INVALID',
    /lifetime/,
  ],
  ['no subject', () => idp.sign({ ...good, sub: undefined }, clock.now()), 'KW_ERR_TOKEN_INVALID'],
  ['no expiry', () => idp.sign({ ...good, exp: undefined }, clock.now()), 'KW_ERR_TOKEN_INVALID'],
  [
    'an unknown critical header',
    () => rawRsaToken({ alg: 'RS256', kid: legit.kid, crit: ['x-magic'], 'x-magic': 1 }, claims()),
    'KW_ERR_TOKEN_INVALID',
  ],
  // Shape
  [
    'oversized (> 8 KiB), otherwise valid',
    () => idp.sign({ ...good, padding: 'x'.repeat(9000) }, clock.now()),
    'KW_ERR_TOKEN_INVALID',
    /larger than 8192 bytes/,
  ],
  ['three segments of garbage', () => 'aaaa.bbbb.cccc', 'KW_ERR_TOKEN_INVALID', /not a well-formed JWT/],
  ['four segments', async () => `${await idp.sign(good, clock.now())}.extra`, 'KW_ERR_TOKEN_INVALID'],
  // The gateway's own tokens
  [
    'local: alg none with the local issuer',
    () =>
      `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode({ ...claims(), iss: 'keyward', roles: ['reader'] })}.`,
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'local: HS256 with the published Ed25519 key as the HMAC secret',
    () =>
      hmacToken(
        { alg: 'HS256', kid: localKid(), typ: 'at+jwt' },
        { ...claims(), iss: 'keyward', roles: ['reader'] },
        JSON.stringify((gw.jwt as JwtRuntime).ring.jwks().keys[0]),
      ),
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'local: a foreign Ed25519 key using the local kid',
    async () => {
      const foreign = await generateProviderKey('EdDSA', localKid());
      return new SignJWT({ roles: ['reader'], kind: 'user' })
        .setProtectedHeader({ alg: 'EdDSA', kid: localKid(), typ: 'at+jwt' })
        .setIssuer('keyward')
        .setSubject('usr_forged')
        .setIssuedAt(nowSec())
        .setExpirationTime(nowSec() + 300)
        .sign(foreign.privateKey);
    },
    'KW_ERR_TOKEN_INVALID',
    /signature does not verify/,
  ],
  ['local: tampered signature', () => flipSignature(localToken), 'KW_ERR_TOKEN_INVALID'],
  [
    'local: signed with the real key, iat in the future',
    () => localSigned({ iat: nowSec() + 600, exp: nowSec() + 900 }),
    'KW_ERR_TOKEN_INVALID',
    /issued in the future/,
  ],
  [
    'local: signed with the real key, exp: 1e300',
    () => localSigned({ iat: nowSec(), exp: 1e300 }),
    'KW_ERR_TOKEN_INVALID',
    /lifetime/,
  ],
  [
    'local: roles edited in the payload',
    () => {
      const payload = JSON.parse(Buffer.from(localToken.split('.')[1] as string, 'base64url').toString());
      return swapPayload(localToken, { ...payload, roles: ['reader', 'admin'] });
    },
    'KW_ERR_TOKEN_INVALID',
  ],
  [
    'local issuer on a provider-signed token (the provider cannot mint local tokens)',
    () => idp.sign({ ...good, iss: 'keyward' }, clock.now(), { header: { typ: 'at+jwt' } }),
    'KW_ERR_TOKEN_INVALID',
  ],
];

describe('JWT attack catalogue', () => {
  test('control: a genuine provider token and a genuine local token are accepted', async () => {
    expect((await call(await idp.sign(good, clock.now()))).statusCode).toBe(200);
    expect((await call(localToken)).statusCode).toBe(200);
    // The hand-built signer below makes valid tokens too, so its vectors fail for their own reason.
    expect((await call(await rawRsaToken({ alg: 'RS256', kid: legit.kid }, claims()))).statusCode).toBe(200);
  });

  test.each(vectors)('%s → 401', async (_name, make, code, detail) => {
    const res = await call(await make());
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="keyward", error="invalid_token"');
    const body = res.json();
    expect(body.code).toBe(code);
    if (detail) expect(body.detail).toMatch(detail);
  });

  test('jku and x5u were never followed: the attacker server received no request', () => {
    expect(attacker.requests).toEqual([]);
  });

  test('the forged kids caused no fetch storm: the provider JWKS was fetched once', () => {
    expect(idp.requests).toEqual(['/.well-known/jwks.json']);
  });
});
