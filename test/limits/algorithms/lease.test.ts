import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  LEASE_MIN_LIMIT,
  leasable,
  leaseExtra,
  leaseLifetimeMs,
} from '../../../src/limits/algorithms/lease.js';
import { LeasingBackend } from '../../../src/limits/backends/leasing.js';
import { LocalLimiter } from '../../../src/limits/backends/local.js';
import type { LimitCheck, Period } from '../../../src/limits/policy.js';

describe('lease rules', () => {
  test.each([
    // spare, want → extra cells
    ['want granted in full', 10_000, 100, 100],
    ['capped at an eighth of the spare', 800, 500, 100],
    ['under the minimum: no lease', 15, 100, 0],
    ['a want of 1 is not a lease', 10_000, 1, 0],
    ['nothing spare', 0, 100, 0],
  ])('leaseExtra: %s', (_name, spare, want, extra) => {
    expect(leaseExtra(spare, want)).toBe(extra);
  });

  test.each([
    ['second', 100],
    ['minute', 1000],
    ['hour', 1000],
    ['day', 1000],
    ['month', 1000],
  ] as const)('a %s limit: leased cells may be used for %i ms', (per, lifetime) => {
    expect(leaseLifetimeMs(per)).toBe(lifetime);
  });

  test('only limits of 1,000 or more are leased', () => {
    expect(LEASE_MIN_LIMIT).toBe(1000);
    expect(leasable(999)).toBe(false);
    expect(leasable(1000)).toBe(true);
  });
});

/**
 * The most admissions any window of the sorted times exceeds what GCRA allows by: a window from
 * t_i to t_j may hold at most R + (t_j − t_i)·R/P. Linear: the worst i for each j is the one
 * with the largest t_i·R/P − i seen so far.
 */
function worstExcess(times: readonly number[], requests: number, periodMs: number): number {
  const rate = requests / periodMs;
  let best = Number.NEGATIVE_INFINITY;
  let worst = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < times.length; j++) {
    best = Math.max(best, (times[j] as number) * rate - j);
    worst = Math.max(worst, j + 1 - (times[j] as number) * rate + best - requests);
  }
  return worst;
}

describe('leased GCRA cells never admit past the limit', () => {
  test('the window checker itself catches an excess', () => {
    expect(worstExcess([0, 0, 0], 2, 1000)).toBeGreaterThan(0);
    expect(worstExcess([0, 0, 500], 2, 1000)).toBeLessThanOrEqual(0);
    expect(worstExcess([0, 0, 400], 2, 1000)).toBeGreaterThan(0);
  });

  test('a lease taken just before another process spends the rest, used one lifetime later', async () => {
    // Accounted at grant time rather than at the end of the lease, this admits 1006 at one instant
    // against a limit of 1000.
    const authority = new LocalLimiter();
    const [a, b] = [new LeasingBackend({ authority }), new LeasingBackend({ authority })];
    const check: LimitCheck = { id: 'c', name: 'c', policy: { requests: 1000, per: 'second' } };
    const t0 = 1_000_000;
    const t1 = t0 + 15;
    const admitted: number[] = [];
    const calls = async (backend: LeasingBackend, n: number, at: number) => {
      for (let i = 0; i < n; i++) if ((await backend.consume([check], at)).allowed) admitted.push(at);
    };
    await calls(a, 9, t0);
    await calls(b, 1200, t1);
    await calls(a, 200, t1);
    expect(admitted.filter((t) => t === t1).length).toBeLessThanOrEqual(1000);
    expect(worstExcess(admitted, 1000, 1000)).toBeLessThanOrEqual(1e-6);
  });

  test('several processes leasing from one authority, with arbitrary timing: every window within the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1000, 2000),
        fc.constantFrom<Period>('second', 'minute'),
        fc.integer({ min: 2, max: 4 }),
        // Gap before the burst (ms, ×60 for minutes), which process, how many calls at once (up to
        // past the whole allowance, so windows fill up while other processes hold leases).
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 30 }),
            fc.nat(3),
            fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 500, max: 2500 })),
          ),
          { minLength: 10, maxLength: 60 },
        ),
        async (requests, per, processes, bursts) => {
          const authority = new LocalLimiter();
          const backends = Array.from({ length: processes }, () => new LeasingBackend({ authority }));
          const check: LimitCheck = { id: 'c', name: 'c', policy: { requests, per } };
          const admitted: number[] = [];
          let now = 1_000_000;
          // Bursts of calls at one instant, then a gap: busy spells earn leases, gaps age them.
          for (const [gapMs, p, calls] of bursts) {
            now += per === 'second' ? gapMs : gapMs * 60;
            const backend = backends[p % processes] as LeasingBackend;
            for (let i = 0; i < calls; i++)
              if ((await backend.consume([check], now)).allowed) admitted.push(now);
          }
          const period = per === 'second' ? 1000 : 60_000;
          expect(worstExcess(admitted, requests, period)).toBeLessThanOrEqual(1e-6);
        },
      ),
      { numRuns: 40 },
    );
  });
});
