import { describe, expect, test } from 'vitest';
import type { AcquireItem, CellReturn, LimitAuthority } from '../../../src/limits/backends/backend.js';
import { LeasingBackend } from '../../../src/limits/backends/leasing.js';
import { LocalLimiter } from '../../../src/limits/backends/local.js';
import {
  calendarPeriod,
  type LimitCheck,
  type LimitDecision,
  type Period,
} from '../../../src/limits/policy.js';

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const check = (id: string, requests: number, per: Period): LimitCheck => ({
  id,
  name: id,
  policy: { requests, per },
});

/** A real LocalLimiter as the shared authority, counting the round trips made to it. */
function countingAuthority() {
  const limiter = new LocalLimiter();
  const calls = { acquire: 0, release: 0 };
  let failing = false;
  const authority: LimitAuthority & { limiter: LocalLimiter; calls: typeof calls; fail(on: boolean): void } =
    {
      limiter,
      calls,
      fail(on: boolean) {
        failing = on;
      },
      get available() {
        return true;
      },
      acquire(items: readonly AcquireItem[], now: number) {
        calls.acquire++;
        if (failing) return Promise.reject(new Error('authority down'));
        return limiter.acquire(items, now);
      },
      release(returns: readonly CellReturn[]) {
        calls.release++;
        return limiter.release(returns);
      },
      flush: () => limiter.flush(),
      close: async () => {},
    };
  return authority;
}

/** How many cells of a calendar check the authority counts today. */
async function authorityCount(authority: ReturnType<typeof countingAuthority>, c: LimitCheck, now: number) {
  const probe = await authority.limiter.acquire(
    [{ check: c, want: 0, hold: 0, periodStart: 0, periodEnd: 0 }],
    now,
  );
  // The probe took one cell if it could; count it back out.
  if (probe.allowed)
    await authority.limiter.release([
      { id: c.id, periodStart: calendarPeriod('day', now).start, periodEnd: 0, cells: 1 },
    ]);
  return c.policy.requests - (probe.allowed ? (probe.grants[0]?.remaining ?? 0) + 1 : 0);
}

const allowed = (ds: LimitDecision[]) => ds.filter((d) => d.allowed).length;

describe('LeasingBackend', () => {
  test.each([
    ['20 a second', check('s', 20, 'second'), 50, 20],
    ['5 a day', check('d', 5, 'day'), 40, 5],
    ['999 a minute (just under the lease minimum)', check('m', 999, 'minute'), 1200, 999],
  ])('%s: small limits are exact per request, across processes', async (_name, c, calls, limit) => {
    const authority = countingAuthority();
    const backends = [new LeasingBackend({ authority }), new LeasingBackend({ authority })];
    const decisions = await Promise.all(
      Array.from({ length: calls }, (_, i) => (backends[i % 2] as LeasingBackend).consume([c], T0)),
    );
    expect(allowed(decisions)).toBe(limit);
    expect(authority.calls.acquire).toBe(calls);
  });

  test('a busy high limit is decided from its lease, synchronously, most of the time', async () => {
    const authority = countingAuthority();
    const backend = new LeasingBackend({ authority });
    const c = check('hot', 1_000_000, 'minute');
    let sync = 0;
    for (let i = 0; i < 2000; i++) {
      const d = backend.consume([c], T0 + i / 10);
      if (!(d instanceof Promise)) sync++;
      expect((await d).allowed).toBe(true);
    }
    expect(sync).toBeGreaterThan(1900);
    // The first calls, then a lease fetched ahead every few hundred calls.
    expect(authority.calls.acquire).toBeLessThan(60);
  });

  test('a request with one unleased check asks the authority for that one only; a refusal gives the leased cell back', async () => {
    const authority = countingAuthority();
    const backend = new LeasingBackend({ authority });
    const hot = check('hot', 1_000_000, 'day');
    for (let i = 0; i < 200; i++) await backend.consume([hot], T0);
    const asked: string[][] = [];
    const acquire = authority.acquire;
    authority.acquire = (items, now) => {
      asked.push(items.map((i) => i.check.id));
      return acquire(items, now);
    };
    const tight = check('tight', 1, 'day');
    const first = await backend.consume([hot, tight], T0);
    expect(first.allowed).toBe(true);
    const leftAfterFirst = first.results[0]?.remaining;
    const refused = backend.consume([hot, tight], T0);
    expect(refused).toBeInstanceOf(Promise);
    const d = await refused;
    expect(d.allowed).toBe(false);
    expect(d.results.map((r) => r.allowed)).toEqual([true, false]);
    expect(asked.filter((ids) => ids.includes('hot'))).toEqual([]);
    // The refused request's cell of `hot` went back to the lease.
    const next = await backend.consume([hot], T0);
    expect(next.results[0]?.remaining).toBe((leftAfterFirst as number) - 1);
  });

  test('a leased quota never admits past its limit, and unused cells come back when leases end', async () => {
    const authority = countingAuthority();
    const backends = [0, 1, 2].map(() => new LeasingBackend({ authority }));
    const c = check('quota', 1000, 'day');
    let admitted = 0;
    for (let i = 0; i < 3000; i++) {
      const d = await (backends[i % 3] as LeasingBackend).consume([c], T0);
      if (d.allowed) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(1000);
    // The leases end after a second; their unused cells go back and can be spent.
    const later = T0 + 1500;
    for (const b of backends) await b.flush(later);
    expect(await authorityCount(authority, c, later)).toBe(admitted);
    for (let i = 0; i < 3000; i++) {
      const d = await (backends[i % 3] as LeasingBackend).consume([c], later);
      if (d.allowed) admitted++;
    }
    for (const b of backends) await b.flush(later + 1500);
    for (let i = 0; i < 100; i++)
      if ((await (backends[0] as LeasingBackend).consume([c], later + 1500)).allowed) admitted++;
    expect(admitted).toBe(1000);
  });

  test('admitted calendar cells are added to the durable store, leased ones only once used', async () => {
    const authority = countingAuthority();
    const added: { id: string; periodStart: number; delta: number }[] = [];
    const durable = {
      load: async () => new Map<string, number>(),
      add: async (entries: readonly { id: string; periodStart: number; delta: number }[]) => {
        added.push(...entries);
        return new Map<string, number>();
      },
    };
    const backend = new LeasingBackend({ authority, durable });
    const c = check('q', 100_000, 'day');
    for (let i = 0; i < 300; i++) await backend.consume([c], T0);
    await backend.flush(T0);
    expect(added.reduce((sum, e) => sum + e.delta, 0)).toBe(300);
    expect(added.every((e) => e.id === 'q' && e.periodStart === calendarPeriod('day', T0).start)).toBe(true);
  });

  test('when the authority fails, the request fails (the limiter falls back) and the next one asks again', async () => {
    const authority = countingAuthority();
    const backend = new LeasingBackend({ authority });
    const c = check('x', 5, 'day');
    authority.fail(true);
    await expect(backend.consume([c], T0)).rejects.toThrow('authority down');
    authority.fail(false);
    expect((await backend.consume([c], T0)).allowed).toBe(true);
  });
});
