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
/** A GCRA lease lives 1/GCRA_LEASE_SHARE_OF_WINDOW of its window (at most 1 s). */
export const GCRA_LEASE_SHARE_OF_WINDOW = 10;
/** A calendar lease lives 1 s (and never past its period), bounding how long spare cells sit unused. */
export const CALENDAR_LEASE_MS = 1000;

/** Extra cells to grant: `want`, capped by a share of `spare`; 0 if too few. */
export function leaseExtra(spare: number, want: number): number {
  if (want < LEASE_MIN_CELLS) return 0;
  const extra = Math.min(want, Math.floor(spare / LEASE_SHARE));
  return extra >= LEASE_MIN_CELLS ? extra : 0;
}

/** Whether a limit of this size is ever leased. */
export function leasable(requests: number): boolean {
  return requests >= LEASE_MIN_LIMIT;
}

/**
 * How long a leased cell may be used after it was granted: 1 s for calendar quotas; for GCRA a
 * tenth of the window (100 ms for a per-second limit), at most 1 s. A GCRA lease is accounted
 * as if its cells were used at the end of this lifetime (while they must be available at its
 * start; see algorithms/gcra.ts), so a cell used any time within it is inside every window the
 * store accounted for. The price is one lifetime of refill held back while a process leases; a
 * tenth rather than a fiftieth costs a busy per-second limit 10 % of its burst instead of 2 %,
 * and sends the primary or Redis a fifth of the renewals (with `--workers 2`, the primary's
 * share of a core fell from 5–6 % to 2 %).
 */
export function leaseLifetimeMs(per: Period): number {
  if (isCalendar(per)) return CALENDAR_LEASE_MS;
  return Math.min(1000, windowMs(per) / GCRA_LEASE_SHARE_OF_WINDOW);
}
