/**
 * GCRA (the generic cell rate algorithm) for short windows: one number per subject, the
 * theoretical arrival time (TAT). A fresh subject may spend its whole allowance at once, then
 * refills smoothly at requests/period — so there is never a 2× burst at a window boundary, as a
 * fixed window would allow. The Redis script (backends/redis-script.ts) runs the same arithmetic.
 */
import { type Policy, windowMs } from '../policy.js';
import { fill, type Grant } from './grant.js';
import { leaseExtra } from './lease.js';

// Cells are counted with floor(x + EPSILON) so 60000 / (60000 / 7) * 7 stays 7, not 6.999….
const EPSILON = 1e-9;

/**
 * Grants one cell (plus up to `want` leased cells, charging `phantom` more for them) against
 * `tat` at `now`, or refuses with the wait. Pure: the caller stores `next` if it commits. With
 * `out`, the answer is written there instead of a new object (the hot path reuses one).
 */
export function acquireGcra(
  policy: Policy,
  tat: number | undefined,
  now: number,
  want = 0,
  phantom = 0,
  out?: Grant,
): Grant {
  const period = windowMs(policy.per as 'second' | 'minute' | 'hour');
  const interval = period / policy.requests;
  const base = tat === undefined || tat < now ? now : tat;
  // Cells that would conform right now: the allowance not yet spent.
  const available = Math.floor((now + period - base) / interval + EPSILON);
  if (available < 1) {
    return fill(out, 0, 0, Math.ceil(base - now), Math.ceil(base + interval - period - now), base);
  }
  const extra = leaseExtra(available - 1, want, phantom);
  const taken = 1 + extra + (extra > 0 ? phantom : 0);
  const next = base + taken * interval;
  return fill(out, 1 + extra, available - taken, Math.ceil(next - now), 0, next);
}
