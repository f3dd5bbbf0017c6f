import { describe, expect, test } from 'vitest';
import { acquireCalendar } from '../../../src/limits/algorithms/calendar.js';
import type { Policy } from '../../../src/limits/policy.js';

const NOW = 1_000_000;
const END = NOW + 3_600_000;
const p = (requests: number): Policy => ({ requests, per: 'day' });

describe('acquireCalendar', () => {
  // limit, count, want → granted, remaining, resetMs, retryAfterMs, next
  test.each([
    ['first call of the period', 5, 0, 0, 1, 4, 3_600_000, 0, 1],
    ['the 5th of 5', 5, 4, 0, 1, 0, 3_600_000, 0, 5],
    ['the 6th of 5: refused until the period ends', 5, 5, 0, 0, 0, 3_600_000, 3_600_000, 5],
    ['a count above the limit (limit lowered) is refused', 5, 9, 0, 0, 0, 3_600_000, 3_600_000, 9],
    ['a lease on a large quota', 100_000, 0, 100, 101, 99_899, 3_600_000, 0, 101],
    ['a lease is capped at an eighth of what remains', 1000, 900, 100, 13, 87, 3_600_000, 0, 913],
    ['a lease below the minimum is not granted', 1000, 990, 100, 1, 9, 3_600_000, 0, 991],
    ['a small want (1) is not a lease', 100_000, 0, 1, 1, 99_999, 3_600_000, 0, 1],
  ])('%s', (_name, limit, count, want, granted, remaining, resetMs, retryAfterMs, next) => {
    expect(acquireCalendar(p(limit), count, END, NOW, want)).toEqual({
      granted,
      remaining,
      resetMs,
      retryAfterMs,
      next,
    });
  });
});
