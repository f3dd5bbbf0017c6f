/**
 * Changes reach other processes through the bus, not only through cache expiry: two gateways on
 * one store and one Redis, with key caches of a minute, see each other's revocations, new keys,
 * secrets and signing keys within a second.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateApiKey } from '../../src/auth/keys/format.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/services.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const redis = await startRedis();
let dir: string;
let upstream: TestUpstream;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  if (!redis) return;
  dir = mkdtempSync(join(tmpdir(), 'keyward-bus-'));
  upstream = await startUpstream();
  const options = {
    dir,
    env: { MK: randomBytes(32).toString('base64') },
    yaml: `redis: { url: "${redis.url}" }
secrets: { masterKey: "\${MK}" }
routes:
  - name: echo
    path: /echo/*
    auth: [apiKey]
    upstream: { url: "${upstream.url}", inject: { header: { x-upstream-key: "\${secret:upstream}" } } }
`,
    // A minute: anything that applies sooner came through the bus.
    keyOptions: { cacheTtlMs: 60_000 },
  };
  a = await createTestGateway(options);
  await a.secrets.set('upstream', 'first', { id: 'test' });
  b = await createTestGateway(options);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await upstream?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const call = (gw: TestGateway, key: string) =>
  gw.app.inject({ url: '/echo/echo', headers: { 'x-api-key': key } });

/** Polls `probe` until it holds, failing after 1 s; returns how long it took. */
async function withinASecond(probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > 1000) throw new Error('not within a second');
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - started;
}

describe.skipIf(!redis)('changes through the bus', () => {
  test('a key revoked on one gateway is refused by the other within a second, despite its cache', async () => {
    const { record, key } = await a.keys.create({ name: 'revoke me' }, { id: 'test' });
    expect((await call(b, key)).statusCode).toBe(200);
    await a.keys.revoke(record.id, { id: 'test' });
    await withinASecond(async () => (await call(b, key)).statusCode === 401);
    expect((await call(b, key)).json().code).toBe('KW_ERR_KEY_REVOKED');
  });

  test('a key updated on one gateway (roles, plan) applies on the other within a second', async () => {
    const { record, key } = await a.keys.create({ name: 'update me', roles: [] }, { id: 'test' });
    expect((await b.app.inject({ url: '/admin/v1/keys', headers: { 'x-api-key': key } })).statusCode).toBe(
      403,
    );
    await a.keys.update(record.id, { roles: ['admin'] }, { id: 'test' });
    await withinASecond(
      async () =>
        (await b.app.inject({ url: '/admin/v1/keys', headers: { 'x-api-key': key } })).statusCode === 200,
    );
  });

  test('a key added on one gateway works on the other within a second, though it was a cached miss there', async () => {
    const key = generateApiKey('kw');
    expect((await call(b, key)).statusCode).toBe(401);
    await a.keys.importMany([{ name: 'imported', key }], { id: 'test' });
    await withinASecond(async () => (await call(b, key)).statusCode === 200);
  });

  test('a secret rewritten on one gateway is what the other sends upstream next', async () => {
    const { key } = await a.keys.create({ name: 'secret user' }, { id: 'test' });
    await call(b, key);
    expect(upstream.received.at(-1)?.headers['x-upstream-key']).toBe('first');
    await a.secrets.set('upstream', 'second', { id: 'test' });
    await withinASecond(async () => {
      await call(b, key);
      return upstream.received.at(-1)?.headers['x-upstream-key'] === 'second';
    });
  });

  test('a signing key rotated on one gateway is published by the other within a second (it reloads every 30 s otherwise)', async () => {
    const jwks = async (gw: TestGateway) =>
      ((await gw.app.inject({ url: '/.well-known/jwks.json' })).json().keys as { kid: string }[]).map(
        (k) => k.kid,
      );
    const rotated = await a.app.inject({
      method: 'POST',
      url: '/admin/v1/signing-keys/rotate',
      headers: { 'x-api-key': a.adminKey },
    });
    expect(rotated.statusCode).toBe(201);
    const kid = rotated.json().current.kid as string;
    await withinASecond(async () => (await jwks(b)).includes(kid));
  });
});
