/**
 * GCRA (the generic cell rate algorithm) for short windows: one number per subject, the
 * theoretical arrival time (TAT). A fresh subject may spend its whole allowance at once, then
 * refills smoothly at requests/period — so there is never a 2× burst at a window boundary, as a
 * fixed window would allow.
 */
import type { LimitCheck, LimitResult } from './policy.js';
import { windowMs } from './policy.js';

/** Evaluates one request against a GCRA state without changing it; returns the new TAT if allowed. */
export function evaluateGcra(
  check: LimitCheck,
  tat: number | undefined,
  now: number,
): { result: LimitResult; newTat: number } {
  const period = windowMs(check.policy.per as 'second' | 'minute' | 'hour');
  const interval = period / check.policy.requests;
  const start = Math.max(tat ?? now, now);
  const newTat = start + interval;
  const allowAt = newTat - period;
  if (allowAt > now) {
    const waitMs = allowAt - now;
    return {
      result: { check, allowed: false, remaining: 0, resetMs: start - now, retryAfterMs: Math.ceil(waitMs) },
      newTat: start,
    };
  }
  const remaining = Math.floor((period - (newTat - now)) / interval + 1e-9);
  return {
    result: { check, allowed: true, remaining, resetMs: Math.ceil(newTat - now), retryAfterMs: 0 },
    newTat,
  };
}
