/**
 * `keyward start --workers 2` without Redis: the workers share exact limits through the primary
 * (the built CLI, a real SQLite store, real sockets).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateApiKey } from '../../src/auth/keys/format.js';
import { type Instance, importKeysWithCli, startInstance, writeConfig } from '../helpers/instance.js';

let dir: string;
let config: string;
let gateway: Instance;
let adminKey: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-workers-'));
  config = writeConfig(
    dir,
    `server: { host: 127.0.0.1 }
storage: { url: "sqlite:${join(dir, 'keyward.db')}" }
secrets: { masterKey: "${randomBytes(32).toString('base64')}" }
log: { level: info }
plans:
  free: { limits: [{ requests: 5, per: day }] }
  burst: { limits: [{ requests: 7, per: minute }] }
services:
  time: { path: /v1/time, auth: [apiKey] }
`,
  );
  keys.free = generateApiKey('kw');
  keys.burst = generateApiKey('kw');
  keys.second = generateApiKey('kw');
  importKeysWithCli(config, dir, [
    { name: 'free', key: keys.free, plan: 'free' },
    { name: 'burst', key: keys.burst, plan: 'burst' },
    { name: 'second', key: keys.second, plan: 'free' },
  ]);
  gateway = await startInstance(config, { workers: 2 });
  adminKey = /(kw_[0-9A-Za-z]{49})/.exec(gateway.output.stderr)?.[1] ?? '';
});

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

/** `count` parallel calls, each on its own connection (so the kernel spreads them over the workers). */
async function parallel(key: string, count: number): Promise<number[]> {
  const calls = Array.from({ length: count }, () =>
    fetch(`${gateway.url}/v1/time`, { headers: { 'x-api-key': key, connection: 'close' } }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
    ),
  );
  return Promise.all(calls);
}

const tally = (codes: number[]) => ({
  ok: codes.filter((c) => c === 200).length,
  limited: codes.filter((c) => c === 429).length,
});

describe('--workers 2 share exact limits without Redis', () => {
  test.each([
    ['a 5-a-day plan', 'free', 40, 5],
    ['a 7-a-minute plan (GCRA)', 'burst', 30, 7],
  ])(
    '%s admits exactly its limit of parallel calls spread over both workers',
    async (_name, plan, calls, limit) => {
      const codes = await parallel(keys[plan] as string, calls);
      expect(tally(codes)).toEqual({ ok: limit, limited: calls - limit });
    },
  );

  test('both workers served, and a spent quota stays spent on either', async () => {
    expect(gateway.servingPids().size).toBe(2);
    const again = await parallel(keys.free as string, 10);
    expect(tally(again)).toEqual({ ok: 0, limited: 10 });
    // Another key has its own quota.
    expect(tally(await parallel(keys.second as string, 6))).toEqual({ ok: 5, limited: 1 });
  });
});

describe('--workers 2 pass changes to each other through the primary', () => {
  test('a signing key rotated on one worker is published by both within a second (they reload every 30 s otherwise)', async () => {
    const rotated = await fetch(`${gateway.url}/admin/v1/signing-keys/rotate`, {
      method: 'POST',
      headers: { 'x-api-key': adminKey },
    });
    expect(rotated.status).toBe(201);
    const kid = ((await rotated.json()) as { current: { kid: string } }).current.kid;
    const started = performance.now();
    // New connections alternate between the workers: ask until 10 answers in a row list the key.
    let streak = 0;
    while (streak < 10) {
      const res = await fetch(`${gateway.url}/.well-known/jwks.json`, { headers: { connection: 'close' } });
      const kids = ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      streak = kids.includes(kid) ? streak + 1 : 0;
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });
});
