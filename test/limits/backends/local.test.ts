import { describe, expect, test } from 'vitest';
import { LocalLimiter } from '../../../src/limits/backends/local.js';
import { rateLimitHeaders } from '../../../src/limits/headers.js';
import {
  calendarPeriod,
  type LimitCheck,
  type LimitDecision,
  type Period,
} from '../../../src/limits/policy.js';

const check = (id: string, requests: number, per: Period): LimitCheck => ({
  id,
  name: id,
  policy: { requests, per },
});
const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);

describe('GCRA short windows', () => {
  test('a fresh subject gets exactly its allowance, then a precise Retry-After', async () => {
    const limiter = new LocalLimiter();
    const c = check('a', 10, 'minute');
    for (let i = 0; i < 10; i++) {
      const d = await limiter.consume([c], T0);
      expect(d.allowed).toBe(true);
      expect(d.tightest?.remaining).toBe(9 - i);
    }
    const rejected = await limiter.consume([c], T0);
    expect(rejected.allowed).toBe(false);
    expect(rejected.retryAfterMs).toBe(6000);
    expect((await limiter.consume([c], T0 + 5999)).allowed).toBe(false);
    expect((await limiter.consume([c], T0 + 6000)).allowed).toBe(true);
  });

  test('no 2x burst at a window boundary', async () => {
    const limiter = new LocalLimiter();
    const c = check('b', 60, 'minute');
    const boundary = Date.UTC(2026, 2, 10, 12, 1, 0);
    let admitted = 0;
    for (let i = 0; i < 60; i++) if ((await limiter.consume([c], boundary - 1000)).allowed) admitted++;
    expect(admitted).toBe(60);
    // Just after the boundary a fixed window would admit 60 more; GCRA has refilled ~2.
    let after = 0;
    for (let i = 0; i < 60; i++) if ((await limiter.consume([c], boundary + 1000)).allowed) after++;
    expect(after).toBe(2);
  });

  test('a steady rate at the limit is always accepted', async () => {
    const limiter = new LocalLimiter();
    const c = check('c', 5, 'second');
    for (let i = 0; i < 100; i++) expect((await limiter.consume([c], T0 + i * 200)).allowed).toBe(true);
  });
});

describe('calendar quotas', () => {
  test('5 a day: the 6th is refused until UTC midnight, then it resets', async () => {
    const limiter = new LocalLimiter();
    const c = check('d', 5, 'day');
    for (let i = 0; i < 5; i++) expect((await limiter.consume([c], T0)).allowed).toBe(true);
    const sixth = await limiter.consume([c], T0 + 1000);
    expect(sixth.allowed).toBe(false);
    const midnight = Date.UTC(2026, 2, 11);
    expect(sixth.retryAfterMs).toBe(midnight - (T0 + 1000));
    expect((await limiter.consume([c], midnight - 1)).allowed).toBe(false);
    expect((await limiter.consume([c], midnight)).allowed).toBe(true);
  });

  test.each([
    ['Jan 31 → Feb 1', Date.UTC(2026, 0, 31, 23, 59), Date.UTC(2026, 1, 1)],
    ['Dec 31 → Jan 1', Date.UTC(2026, 11, 31, 23, 59), Date.UTC(2027, 0, 1)],
    ['Feb 29 in a leap year', Date.UTC(2028, 1, 29, 12), Date.UTC(2028, 2, 1)],
  ])('a month quota resets on the 1st: %s', async (_name, late, next) => {
    const limiter = new LocalLimiter();
    const c = check('m', 1, 'month');
    expect((await limiter.consume([c], late)).allowed).toBe(true);
    const refused = await limiter.consume([c], late);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(next - late);
    expect(calendarPeriod('month', late).end).toBe(next);
    expect((await limiter.consume([c], next)).allowed).toBe(true);
  });
});

describe('several limits at once', () => {
  test('a request refused by one limit consumes nothing from the others', async () => {
    const limiter = new LocalLimiter();
    const tight = check('tight', 1, 'minute');
    const loose = check('loose', 100, 'day');
    expect((await limiter.consume([tight, loose], T0)).allowed).toBe(true);
    for (let i = 0; i < 10; i++) expect((await limiter.consume([tight, loose], T0)).allowed).toBe(false);
    const onlyLoose = await limiter.consume([loose], T0);
    expect(onlyLoose.tightest?.remaining).toBe(98);
  });

  test('the tightest remaining is reported; Retry-After is the longest wait', async () => {
    const limiter = new LocalLimiter();
    const d = await limiter.consume([check('x', 3, 'second'), check('y', 100, 'day')], T0);
    expect(d.tightest?.check.id).toBe('x');
    expect(rateLimitHeaders(d)).toEqual({
      'ratelimit-policy': '"x";q=3;w=1, "y";q=100;w=86400',
      ratelimit: '"x";r=2;t=1',
    });
    await limiter.consume([check('x', 3, 'second'), check('y', 100, 'day')], T0);
    await limiter.consume([check('x', 3, 'second'), check('y', 100, 'day')], T0);
    const refused = await limiter.consume([check('x', 3, 'second'), check('y', 100, 'day')], T0);
    expect(rateLimitHeaders(refused)['retry-after']).toBe('1');
  });

  test('N concurrent requests against a limit of L admit exactly L', async () => {
    const limiter = new LocalLimiter();
    const c = check('conc', 50, 'day');
    const decisions: LimitDecision[] = await Promise.all(
      Array.from({ length: 200 }, () => limiter.consume([c], T0)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
  });

  test('state that no longer limits anything is swept', async () => {
    const limiter = new LocalLimiter();
    for (let i = 0; i < 100; i++)
      await limiter.consume([check(`s${i}`, 10, 'second'), check(`q${i}`, 10, 'day')], T0);
    expect(limiter.size).toBe(200);
    limiter.sweep(T0 + 2 * 86_400_000);
    expect(limiter.size).toBe(0);
  });
});

/** A durable store in memory with the SQL store's semantics: loads, and adds deltas returning totals. */
function memoryPersistence() {
  const saved = new Map<string, number>();
  const writes: { id: string; periodStart: number; delta: number }[] = [];
  return {
    saved,
    writes,
    async load(keys: readonly { id: string; periodStart: number }[]) {
      const out = new Map<string, number>();
      for (const k of keys) {
        const v = saved.get(`${k.id}@${k.periodStart}`);
        if (v !== undefined) out.set(`${k.id}@${k.periodStart}`, v);
      }
      return out;
    },
    async add(entries: readonly { id: string; periodStart: number; delta: number }[]) {
      const totals = new Map<string, number>();
      for (const e of entries) {
        const key = `${e.id}@${e.periodStart}`;
        saved.set(key, (saved.get(key) ?? 0) + e.delta);
        totals.set(key, saved.get(key) as number);
        writes.push({ ...e });
      }
      return totals;
    },
  };
}

describe('durable calendar counts', () => {
  test('a count not yet saved when its day ends is still saved, and the new day starts at zero', async () => {
    const persistence = memoryPersistence();
    const limiter = new LocalLimiter(persistence);
    const c = check('midnight', 2, 'day');
    const today = calendarPeriod('day', T0).start;
    const tomorrow = today + 86_400_000;
    await limiter.consume([c], tomorrow - 1000);
    await limiter.consume([c], tomorrow - 500);
    expect((await limiter.consume([c], tomorrow - 1)).allowed).toBe(false);
    // Past midnight, before any flush: a fresh allowance.
    const next = await limiter.consume([c], tomorrow + 1000);
    expect(next.allowed).toBe(true);
    expect(next.tightest?.remaining).toBe(1);
    await limiter.flush();
    expect(persistence.writes).toEqual(
      expect.arrayContaining([
        { id: 'midnight', periodStart: today, delta: 2 },
        { id: 'midnight', periodStart: tomorrow, delta: 1 },
      ]),
    );
    expect(persistence.writes).toHaveLength(2);
    await limiter.flush();
    expect(persistence.writes).toHaveLength(2);
  });

  test('writes are increments: two limiters on one store add up instead of overwriting', async () => {
    const persistence = memoryPersistence();
    const c = check('shared', 5, 'day');
    const a = new LocalLimiter(persistence);
    const b = new LocalLimiter(persistence);
    for (let i = 0; i < 3; i++) await a.consume([c], T0);
    for (let i = 0; i < 2; i++) await b.consume([c], T0);
    await a.flush();
    await b.flush();
    const start = calendarPeriod('day', T0).start;
    expect(persistence.saved.get(`shared@${start}`)).toBe(5);
    // A flush takes back the store's total: b, which flushed last, knows the quota is spent.
    expect((await b.consume([c], T0)).allowed).toBe(false);
  });

  test('a failed write stays pending and is added once on the next flush', async () => {
    const persistence = memoryPersistence();
    let failing = true;
    const flaky = {
      load: persistence.load,
      add: async (entries: readonly { id: string; periodStart: number; delta: number }[]) => {
        if (failing) throw new Error('store down');
        return persistence.add(entries);
      },
    };
    const limiter = new LocalLimiter(flaky);
    const c = check('flaky', 10, 'day');
    await limiter.consume([c], T0);
    await expect(limiter.flush()).rejects.toThrow('store down');
    await limiter.consume([c], T0);
    failing = false;
    await limiter.flush();
    expect(persistence.writes).toEqual([
      { id: 'flaky', periodStart: calendarPeriod('day', T0).start, delta: 2 },
    ]);
  });

  test('saved calendar counters are dropped past the bound and read back on next use', async () => {
    const persistence = memoryPersistence();
    const limiter = new LocalLimiter(persistence, 10);
    for (let i = 0; i < 30; i++) await limiter.consume([check(`k${i}`, 1, 'day')], T0);
    await limiter.flush();
    limiter.sweep(T0);
    expect(limiter.size).toBeLessThanOrEqual(10);
    // k0 was evicted; its saved count comes back, so its daily quota is still spent.
    expect((await limiter.consume([check('k0', 1, 'day')], T0)).allowed).toBe(false);
  });
});
