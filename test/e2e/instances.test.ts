/**
 * Two gateway processes (the built CLI) on different ports sharing one Postgres and one Redis,
 * as behind a load balancer: keys, revocations and limits are shared exactly, and Redis or
 * Postgres going away and coming back is survived without a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { runCli, waitFor } from '../helpers/cli.js';
import { type Instance, startInstance, writeConfig } from '../helpers/instance.js';
import { type RunningService, startPostgres, startRedis } from '../helpers/services.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
const servicesMissing = !postgres || !redis;

let dir: string;
let upstream: TestUpstream;
let a: Instance;
let b: Instance;
let adminKey: string;

beforeAll(async () => {
  if (servicesMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'keyward-instances-'));
  upstream = await startUpstream();
  const config = writeConfig(
    dir,
    `server: { host: 127.0.0.1 }
storage: { url: "${(postgres as RunningService).url}" }
redis: { url: "${(redis as RunningService).url}" }
log: { level: info }
plans:
  free: { limits: [{ requests: 5, per: day }] }
routes:
  - name: open
    path: /open/*
    auth: [apiKey]
    upstream: { url: "${upstream.url}" }
  - name: burst
    path: /burst/*
    auth: [apiKey]
    rateLimit: [{ requests: 20, per: second, by: route }]
    upstream: { url: "${upstream.url}" }
  - name: burst-minute
    path: /burst-minute/*
    auth: [apiKey]
    rateLimit: [{ requests: 20, per: minute, by: route }]
    upstream: { url: "${upstream.url}" }
  - name: closed
    path: /closed/*
    auth: [apiKey]
    onLimiterFailure: closed
    rateLimit: [{ requests: 1000, per: minute }]
    upstream: { url: "${upstream.url}" }
`,
  );
  expect(runCli(['migrate', '--config', config]).status).toBe(0);
  a = await startInstance(config);
  b = await startInstance(config);
  adminKey = /(kw_[0-9A-Za-z]{49})/.exec(a.output.stderr)?.[1] ?? '';
  expect(adminKey).not.toBe('');
}, 90_000);

afterAll(async () => {
  const codes = await Promise.all([a?.stop(), b?.stop()]);
  for (const code of codes) if (code !== undefined) expect(code).toBe(0);
  await upstream?.close();
  await Promise.all([postgres?.stop(), redis?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(instance: Instance, path: string, key: string, init: RequestInit = {}) {
  const headers: Record<string, string> = { 'x-api-key': key };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${instance.url}${path}`, { ...init, headers });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return {
    status: res.status,
    text,
    body: json && text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function createKey(on: Instance, plan?: string): Promise<{ id: string; key: string }> {
  const res = await call(on, '/admin/v1/keys', adminKey, {
    method: 'POST',
    body: JSON.stringify({ name: 'shared', ...(plan ? { plan } : {}) }),
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, key: res.body.key as string };
}

/** Waits until the day count Postgres holds for the key's plan limit is `count` (flushed every second). */
async function durableCountReaches(keyId: string, count: number): Promise<void> {
  const store = await openStore((postgres as RunningService).url);
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const rows = await store.db
        .selectFrom('quota_counters')
        .select('count')
        .where('id', '=', `plan:free:0:${keyId}`)
        .execute();
      const stored = rows.reduce((sum, row) => sum + Number(row.count), 0);
      if (stored === count) return;
      if (Date.now() > deadline) throw new Error(`the stored day count is ${stored}, not ${count}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await store.close();
  }
}

/** `count` parallel calls alternating between the two instances; the status codes and how long they took. */
async function spread(path: string, key: string, count: number) {
  const started = performance.now();
  const codes = await Promise.all(
    Array.from({ length: count }, (_, i) => call(i % 2 ? a : b, path, key).then((r) => r.status)),
  );
  return {
    ok: codes.filter((c) => c === 200).length,
    limited: codes.filter((c) => c === 429).length,
    ms: performance.now() - started,
  };
}

async function readyz(instance: Instance) {
  const res = await fetch(`${instance.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks?: Record<string, string> } };
}

describe.skipIf(servicesMissing)('two instances on one Postgres and one Redis', () => {
  test('a key created on one works on the other at once', async () => {
    const { key } = await createKey(a);
    expect((await call(b, '/open/echo', key)).status).toBe(200);
  });

  test('a key revoked on one fails on the other within 1 s', async () => {
    const { id, key } = await createKey(b);
    // Both instances have it cached as valid.
    expect((await call(a, '/open/echo', key)).status).toBe(200);
    expect((await call(b, '/open/echo', key)).status).toBe(200);
    expect((await call(b, `/admin/v1/keys/${id}/revoke`, adminKey, { method: 'POST' })).status).toBe(200);
    const revokedAt = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < 3000) {
      status = (await call(a, '/open/echo', key)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(1000);
  });

  test('a 5-a-day plan admits exactly 5 of 40 parallel calls across both', async () => {
    const { key } = await createKey(a, 'free');
    expect(await spread('/open/echo', key, 40)).toMatchObject({ ok: 5, limited: 35 });
  });

  test.each([
    ['20 a second', '/burst/echo', 50],
    ['20 a minute', '/burst-minute/echo', 3000],
  ])(
    'a limit of %s: 60 parallel calls across both admit its 20, plus only what refills meanwhile',
    async (_name, path, refillMs) => {
      const { key } = await createKey(a);
      // Open the connections and cache the key on both first, so the burst itself is quick.
      await spread('/open/echo', key, 60);
      const result = await spread(path, key, 60);
      // GCRA refills one cell per interval (50 ms, 3 s): a burst that took longer may admit that
      // many more, never what two separate counters would (40).
      expect(result.ok).toBeGreaterThanOrEqual(20);
      expect(result.ok).toBeLessThanOrEqual(20 + Math.floor(result.ms / refillMs));
      expect(result.ok + result.limited).toBe(60);
    },
  );

  test('Redis killed mid-run: 503 on /readyz, open routes limit locally, closed ones 503; all back when it returns', async () => {
    const { id, key } = await createKey(a, 'free');
    expect((await call(a, '/open/echo', key)).status).toBe(200);
    expect((await call(b, '/open/echo', key)).status).toBe(200);
    const { key: other } = await createKey(a);
    // Each instance adds its day counts to Postgres every second.
    await durableCountReaches(id, 2);

    await (redis as RunningService).halt({ hard: true });
    await waitFor(
      () => /redis: connection to .* lost/.test(a.output.stdout),
      5000,
      'the lost-connection log line',
    );
    for (const instance of [a, b]) {
      const ready = await readyz(instance);
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ store: 'ok', redis: 'down' });
    }
    // Open: each process limits on its own from the durable counts (2 of 5 used), never unlimited.
    const during = [];
    for (let i = 0; i < 5; i++) during.push((await call(a, '/open/echo', key)).status);
    expect(during).toEqual([200, 200, 200, 429, 429]);
    const closed = await call(b, '/closed/echo', other);
    expect(closed.status).toBe(503);
    expect(closed.body.code).toBe('KW_ERR_LIMITER_UNAVAILABLE');
    expect(b.output.stdout).toMatch(/rate limits: the redis backend is unavailable/);
    const metrics = await call(a, '/metrics', adminKey);
    expect(metrics.text).toMatch(/keyward_limiter_fallback_total\{route="open"\} [1-9]/);
    expect(metrics.text).toContain('keyward_limiter_backend_up{backend="redis"} 0');

    // Counts admitted during the outage reach Postgres within a second, too.
    await durableCountReaches(id, 5);
    await (redis as RunningService).resume();
    for (const instance of [a, b]) {
      await waitFor(() => /redis: connected again/.test(instance.output.stdout), 10_000, 'reconnection');
    }
    for (const instance of [a, b]) expect((await readyz(instance)).status).toBe(200);
    expect((await call(b, '/closed/echo', other)).status).toBe(200);
    // The new Redis is empty; the quota comes back from Postgres: 5 of 5 are spent.
    expect((await call(b, '/open/echo', key)).status).toBe(429);
  });

  test('Postgres restarted: 503 while it is away, then keys work again by themselves', async () => {
    const { key } = await createKey(a);
    await (postgres as RunningService).halt();
    const down = await readyz(a);
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ store: 'down', redis: 'ok' });
    // A key not in any cache needs the store: 503, not a crash and not a 500.
    await new Promise((r) => setTimeout(r, 600));
    const refused = await call(b, '/open/echo', key);
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('KW_ERR_NOT_READY');

    await (postgres as RunningService).resume();
    let status = 0;
    const deadline = performance.now() + 15_000;
    while (status !== 200 && performance.now() < deadline) {
      status = (await readyz(b)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    expect((await call(a, '/open/echo', key)).status).toBe(200);
    expect((await call(b, '/open/echo', key)).status).toBe(200);
  });
});
