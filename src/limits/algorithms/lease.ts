/**
 * How much of an allowance a shared store may lease to one process on top of the cell a request
 * takes, so hot limits are decided in memory instead of by a round trip per request. The rule is
 * the same in every store (this file, and the Redis script mirrors it): only limits of at least
 * LEASE_MIN_LIMIT requests are leased; a lease is at most an eighth of what remains after the
 * request (so near the end of an allowance every request is decided by the store itself); and a
 * lease smaller than LEASE_MIN_CELLS is not worth its bookkeeping. Leased cells are counted as
 * used the moment they are granted, so no caller is ever admitted past a limit.
 */
import { isCalendar, type Period, windowMs } from '../policy.js';

/** Limits below this many requests per window are never leased: every request asks the store. */
export const LEASE_MIN_LIMIT = 1000;
/** A lease takes at most 1/LEASE_SHARE of what remains. */
export const LEASE_SHARE = 8;
/** Smaller leases are refused (the request takes its one cell). */
export const LEASE_MIN_CELLS = 2;
/** A calendar lease lives 1 s (and never past its period), bounding how long spare cells sit unused. */
export const CALENDAR_LEASE_MS = 1000;

/** Extra cells to grant: `want`, capped by the share of `spare` left once `phantom` is paid; 0 if too few. */
export function leaseExtra(spare: number, want: number, phantom: number): number {
  if (want < LEASE_MIN_CELLS) return 0;
  const extra = Math.min(want, Math.floor((spare - phantom) / LEASE_SHARE));
  return extra >= LEASE_MIN_CELLS ? extra : 0;
}

/** Whether a limit of this size is ever leased. */
export function leasable(requests: number): boolean {
  return requests >= LEASE_MIN_LIMIT;
}

/**
 * How long a leased cell may be used after it was granted. For GCRA a fiftieth of the window
 * (20 ms for a per-second limit), at most 1 s, because a cell used later than it was counted
 * shifts the admitted sequence in time; see `gcraPhantom`.
 */
export function leaseLifetimeMs(per: Period): number {
  if (isCalendar(per)) return CALENDAR_LEASE_MS;
  return Math.min(1000, windowMs(per) / 50);
}

/**
 * Cells charged on top of a GCRA lease and never handed out: the allowance that refills during
 * the lease's lifetime (rate × lifetime, so a fiftieth of a per-second limit). A cell counted at
 * grant time and used up to one lifetime later is then still inside every window the store
 * accounted for, so any window sees at most what the limit allows. Calendar quotas count per
 * period, not per instant, and need none.
 */
export function gcraPhantom(requests: number, per: 'second' | 'minute' | 'hour'): number {
  return Math.ceil((requests / windowMs(per)) * leaseLifetimeMs(per));
}
