import { describe, expect, test } from 'vitest';
import { acquireGcra } from '../../../src/limits/algorithms/gcra.js';
import type { Policy } from '../../../src/limits/policy.js';

const T = 1_000_000;
const p = (requests: number, per: Policy['per']): Policy => ({ requests, per });

describe('acquireGcra', () => {
  // policy, TAT (relative to now, undefined = fresh), want, hold ms → granted, remaining, resetMs, retryAfterMs, next (relative)
  test.each([
    ['fresh subject, one cell', p(10, 'minute'), undefined, 0, 0, 1, 9, 6000, 0, 6000],
    ['a TAT in the past is a fresh subject', p(10, 'minute'), -50_000, 0, 0, 1, 9, 6000, 0, 6000],
    ['last cell of the allowance', p(10, 'minute'), 54_000, 0, 0, 1, 0, 60_000, 0, 60_000],
    [
      'allowance spent: refused with the exact wait',
      p(10, 'minute'),
      60_000,
      0,
      0,
      0,
      0,
      60_000,
      6000,
      60_000,
    ],
    ['3 a second: 333.3 ms per cell', p(3, 'second'), 1000, 0, 0, 0, 0, 1000, 334, 1000],
    // A lease is held for its lifetime (1 s for a minute limit): accounted from now + 1 s.
    [
      'a lease: want granted in full, held 1 s',
      p(1000, 'minute'),
      undefined,
      50,
      1000,
      51,
      932,
      4060,
      0,
      4060,
    ],
    [
      'a lease is capped at an eighth of what remains',
      p(1000, 'minute'),
      undefined,
      500,
      1000,
      123,
      860,
      8380,
      0,
      8380,
    ],
    [
      'a TAT already past the hold pays nothing more',
      p(1000, 'minute'),
      5000,
      50,
      1000,
      51,
      865,
      8060,
      0,
      8060,
    ],
    ['a per-second lease is held 100 ms', p(1000, 'second'), undefined, 100, 100, 101, 799, 201, 0, 201],
    [
      'no lease below the minimum: just the request',
      p(1000, 'minute'),
      59_000,
      50,
      1000,
      1,
      15,
      59_060,
      0,
      59_060,
    ],
    ['no lease when not asked', p(1000, 'minute'), undefined, 0, 1000, 1, 999, 60, 0, 60],
  ])('%s', (_name, policy, tat, want, hold, granted, remaining, resetMs, retryAfterMs, next) => {
    const g = acquireGcra(policy, tat === undefined ? undefined : T + tat, T, want, hold);
    expect(g).toEqual({ granted, remaining, resetMs, retryAfterMs, next: T + next });
  });

  test('the whole allowance at once, then one cell per interval', () => {
    let tat: number | undefined;
    let granted = 0;
    for (let i = 0; i < 25; i++) {
      const g = acquireGcra(p(20, 'second'), tat, T);
      if (g.granted > 0) {
        granted++;
        tat = g.next;
      }
    }
    expect(granted).toBe(20);
    expect(acquireGcra(p(20, 'second'), tat, T + 49).granted).toBe(0);
    expect(acquireGcra(p(20, 'second'), tat, T + 50).granted).toBe(1);
  });
});
