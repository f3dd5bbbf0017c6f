/**
 * GCRA (the generic cell rate algorithm) for short windows: one number per subject, the
 * theoretical arrival time (TAT). A fresh subject may spend its whole allowance at once, then
 * refills smoothly at requests/period — so there is never a 2× burst at a window boundary, as a
 * fixed window would allow. The Redis script (backends/redis-script.ts) runs the same arithmetic.
 *
 * A lease (cells a process hands out later, for up to `holdMs`) must be available now and is
 * accounted as arriving at the end of its lifetime: the TAT moves from max(TAT, now + holdMs).
 * A cell is then used no later than it was accounted, and no earlier than it was available, so
 * no window sees more than the limit — yet a process that keeps leasing pays the held time only
 * once, since its TAT already runs that far ahead.
 */
import { type Policy, windowMs } from '../policy.js';
import { fill, type Grant } from './grant.js';
import { leaseExtra } from './lease.js';

// Cells are counted with floor(x + EPSILON) so 60000 / (60000 / 7) * 7 stays 7, not 6.999….
const EPSILON = 1e-9;

/**
 * Grants one cell (plus up to `want` leased cells, held for `holdMs`) against `tat` at `now`,
 * or refuses with the wait. Pure: the caller stores `next` if it commits. With `out`, the answer
 * is written there instead of a new object (the hot path reuses one).
 */
export function acquireGcra(
  policy: Policy,
  tat: number | undefined,
  now: number,
  want = 0,
  holdMs = 0,
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
  let from = base;
  let left = available;
  let extra = 0;
  if (want > 0) {
    const held = Math.max(base, now + holdMs);
    const heldAvailable = Math.floor((now + period - held) / interval + EPSILON);
    extra = leaseExtra(heldAvailable - 1, want);
    if (extra > 0) {
      from = held;
      left = heldAvailable;
    }
  }
  const taken = 1 + extra;
  const next = from + taken * interval;
  return fill(out, taken, left - taken, Math.ceil(next - now), 0, next);
}
