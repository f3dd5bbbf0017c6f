/**
 * Calendar quotas for day and month: a count per subject and period (UTC midnight, the 1st of
 * the month), refused once it reaches the limit until the period ends. The count is the state;
 * the period is part of where it is kept. The Redis script (backends/redis-script.ts) runs the
 * same arithmetic.
 */
import type { Policy } from '../policy.js';
import { fill, type Grant } from './grant.js';
import { leaseExtra } from './lease.js';

/**
 * Grants one cell (plus up to `want` leased ones) against `count` in the period ending at `end`.
 * With `out`, the answer is written there instead of a new object.
 */
export function acquireCalendar(
  policy: Policy,
  count: number,
  end: number,
  now: number,
  want = 0,
  out?: Grant,
): Grant {
  const available = policy.requests - count;
  const untilEnd = end - now;
  if (available < 1) return fill(out, 0, 0, untilEnd, untilEnd, count);
  const extra = leaseExtra(available - 1, want);
  const next = count + 1 + extra;
  return fill(out, 1 + extra, policy.requests - next, untilEnd, 0, next);
}
