/** The Redis backend against a real redis-server: the script agrees with the TypeScript algorithms. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AcquireItem } from '../../../src/limits/backends/backend.js';
import { LocalLimiter, type QuotaKey, quotaKey } from '../../../src/limits/backends/local.js';
import { RedisAuthority } from '../../../src/limits/backends/redis.js';
import { calendarPeriod, isCalendar, type LimitCheck, type Period } from '../../../src/limits/policy.js';
import { RedisConnection } from '../../../src/redis/connection.js';
import { startRedis } from '../../helpers/services.js';

const redis = await startRedis();
let connection: RedisConnection;

beforeAll(async () => {
  if (!redis) return;
  // A generous timeout: this suite runs beside others on a busy machine.
  connection = new RedisConnection(redis.url, { commandTimeoutMs: 10_000 });
  await connection.waitUntilUp(5000);
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const check = (id: string, requests: number, per: Period): LimitCheck => ({
  id,
  name: id,
  policy: { requests, per },
});

function item(c: LimitCheck, now: number, want = 0, hold = 0): AcquireItem {
  const period = isCalendar(c.policy.per) ? calendarPeriod(c.policy.per, now) : { start: 0, end: 0 };
  return { check: c, want, hold, periodStart: period.start, periodEnd: period.end };
}

/** A durable store in memory (what SQL would hold). */
function durableStore(initial: Record<string, number> = {}) {
  const counts = new Map(Object.entries(initial));
  return {
    counts,
    async load(keys: readonly QuotaKey[]) {
      return new Map(
        keys.flatMap((k) =>
          counts.has(quotaKey(k.id, k.periodStart))
            ? [[quotaKey(k.id, k.periodStart), counts.get(quotaKey(k.id, k.periodStart)) as number]]
            : [],
        ),
      );
    },
    async add() {
      return new Map<string, number>();
    },
  };
}

let namespace = 0;
/** An authority in a fresh key namespace, evaluating at the time `clock()` gives (server time if none). */
function authority(clock?: () => number, durable = durableStore()) {
  return new RedisAuthority({
    client: connection.client,
    isUp: () => connection.up,
    durable,
    prefix: `test${++namespace}:`,
    ...(clock ? { now: clock } : {}),
  });
}

describe.skipIf(!redis)('RedisAuthority', () => {
  test('the script grants exactly what the TypeScript algorithms grant, for any sequence of requests', async () => {
    const policies: [number, Period][] = [
      [3, 'second'],
      [7, 'minute'],
      [1000, 'second'],
      [5, 'day'],
      [2000, 'month'],
      [1200, 'hour'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            advanceMs: fc.integer({ min: 0, max: 400 }),
            checks: fc.uniqueArray(fc.integer({ min: 0, max: policies.length - 1 }), {
              minLength: 1,
              maxLength: 3,
            }),
            want: fc.constantFrom(0, 0, 10, 300),
            hold: fc.constantFrom(0, 20, 1000),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        async (requests) => {
          // Redis expires keys in real time, when their state no longer matters on a clock that
          // runs at least as fast: so this test's clock runs with real time, plus the jumps.
          const started = Date.now();
          let jumped = 0;
          let now = T0;
          const local = new LocalLimiter();
          const remote = authority(() => now);
          for (const r of requests) {
            jumped += r.advanceMs;
            now = T0 + (Date.now() - started) + jumped;
            const items = r.checks.map((i) => {
              const [limit, per] = policies[i] as [number, Period];
              return item(check(`c${i}`, limit, per), now, r.want, isCalendar(per) ? 0 : r.hold);
            });
            const expected = await local.acquire(items, now);
            const actual = await remote.acquire(items);
            expect(actual).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test('N concurrent requests from two connections against a limit of L admit exactly L', async () => {
    const second = new RedisConnection(redis?.url as string, { commandTimeoutMs: 10_000 });
    await second.waitUntilUp(5000);
    try {
      const a = authority();
      const b = new RedisAuthority({
        client: second.client,
        isUp: () => second.up,
        durable: durableStore(),
        prefix: `test${namespace}:`,
      });
      const quota = check('parallel-day', 50, 'day');
      const rate = check('parallel-minute', 30, 'minute');
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 ? a : b).acquire([item(quota, Date.now()), item(rate, Date.now())]),
        ),
      );
      expect(replies.filter((r) => r.allowed)).toHaveLength(30);
      const more = await Promise.all(Array.from({ length: 100 }, () => a.acquire([item(quota, Date.now())])));
      expect(more.filter((r) => r.allowed)).toHaveLength(20);
    } finally {
      await second.close();
    }
  });

  test('a refused request writes nothing; every key written has a TTL', async () => {
    const now = T0;
    const a = authority(() => now);
    const loose = check('loose', 100, 'day');
    const gcra = check('gcra', 100, 'minute');
    const tight = check('tight', 1, 'day');
    expect((await a.acquire([item(loose, now), item(gcra, now), item(tight, now)])).allowed).toBe(true);
    const refused = await a.acquire([item(loose, now), item(gcra, now), item(tight, now)]);
    expect(refused.allowed).toBe(false);
    expect(refused.grants.map((g) => g.granted)).toEqual([1, 1, 0]);
    expect(await connection.client.get(a.keyOf(item(loose, now)))).toBe('1');
    const keys = await connection.client.keys(`test${namespace}:*`);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(await connection.client.pttl(key)).toBeGreaterThan(0);
  });

  test('a calendar count Redis does not have is seeded from the durable store', async () => {
    const now = T0;
    const quota = check('seeded', 5, 'day');
    const start = calendarPeriod('day', now).start;
    const a = authority(() => now, durableStore({ [quotaKey('seeded', start)]: 3 }));
    const first = await a.acquire([item(quota, now)]);
    expect(first).toMatchObject({ allowed: true, grants: [{ granted: 1, remaining: 1 }] });
    expect((await a.acquire([item(quota, now)])).allowed).toBe(true);
    expect((await a.acquire([item(quota, now)])).allowed).toBe(false);
    expect(await connection.client.get(a.keyOf(item(quota, now)))).toBe('5');
  });

  test('returned cells lower the count, never below zero, and never recreate an expired key', async () => {
    const now = T0;
    const a = authority(() => now);
    const quota = check('returns', 100_000, 'day');
    const granted = await a.acquire([item(quota, now, 50)]);
    expect(granted.grants[0]?.granted).toBe(51);
    const key = a.keyOf(item(quota, now));
    const start = calendarPeriod('day', now).start;
    await a.release([{ id: 'returns', periodStart: start, periodEnd: 0, cells: 20 }]);
    expect(await connection.client.get(key)).toBe('31');
    await a.release([{ id: 'returns', periodStart: start, periodEnd: 0, cells: 500 }]);
    expect(await connection.client.get(key)).toBe('0');
    await a.release([{ id: 'gone', periodStart: start, periodEnd: 0, cells: 5 }]);
    expect(await connection.client.exists(`test${namespace}:q:gone:${start}`)).toBe(0);
  });

  test('after SCRIPT FLUSH (a restarted or failed-over Redis) the script is loaded again', async () => {
    const a = authority();
    expect((await a.acquire([item(check('flush', 10, 'minute'), Date.now())])).allowed).toBe(true);
    await connection.client.script('FLUSH');
    expect((await a.acquire([item(check('flush', 10, 'minute'), Date.now())])).allowed).toBe(true);
  });

  test("on the server's clock: 3 a second admits 3 of 5 at once", async () => {
    const a = authority();
    const c = check('server-time', 3, 'second');
    const replies = await Promise.all(Array.from({ length: 5 }, () => a.acquire([item(c, Date.now())])));
    expect(replies.filter((r) => r.allowed)).toHaveLength(3);
  });
});
