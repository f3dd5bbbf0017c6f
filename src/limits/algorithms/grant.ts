/**
 * What a limit algorithm answers for one check: how many cells it granted (0 = refused, 1 = the
 * request's own, more = a lease on top), what remains, and the waits for the headers. The state
 * to store back is `next`, committed only when every check of the request was granted.
 */
export interface Grant {
  /** Cells granted: 0 refuses the request, 1 is the request itself, above 1 includes a lease. */
  granted: number;
  /** Cells left after this grant (leased cells count as used). */
  remaining: number;
  /** Milliseconds until the allowance is full again (short windows) or the period ends (calendar). */
  resetMs: number;
  /** Milliseconds until a refused request could succeed (0 when granted). */
  retryAfterMs: number;
  /** The state after the grant: the GCRA theoretical arrival time, or the calendar count. */
  next: number;
}

/** Writes a grant into `out` (reused on the hot path), or into a new object without one. */
export function fill(
  out: Grant | undefined,
  granted: number,
  remaining: number,
  resetMs: number,
  retryAfterMs: number,
  next: number,
): Grant {
  if (out === undefined) return { granted, remaining, resetMs, retryAfterMs, next };
  out.granted = granted;
  out.remaining = remaining;
  out.resetMs = resetMs;
  out.retryAfterMs = retryAfterMs;
  out.next = next;
  return out;
}
