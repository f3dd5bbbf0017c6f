/**
 * Limit policies and their time arithmetic. Short windows (second, minute, hour) are smooth
 * GCRA limits; day and month are calendar quotas that reset at UTC midnight and at 00:00 UTC on
 * the first of the month — what "5 requests a day" means to the people who buy a plan.
 */

export type Period = 'second' | 'minute' | 'hour' | 'day' | 'month';

export interface Policy {
  requests: number;
  per: Period;
}

/** One limit a request is checked against: a policy applied to one subject (key, user, ip, route). */
export interface LimitCheck {
  /** Stable id of the counter: scope, policy and subject, e.g. `route:weather:0:key_abc`. */
  id: string;
  /** Short name for headers, e.g. `weather-minute`. */
  name: string;
  policy: Policy;
}

export interface LimitResult {
  check: LimitCheck;
  allowed: boolean;
  /** Requests left after this one (0 when rejected). */
  remaining: number;
  /** Milliseconds until the allowance is full again (short windows) or the period ends (calendar). */
  resetMs: number;
  /** Milliseconds until a rejected request could succeed (0 when allowed). */
  retryAfterMs: number;
}

export interface LimitDecision {
  allowed: boolean;
  results: LimitResult[];
  /** The result with the least remaining allowance, for the RateLimit header. */
  tightest: LimitResult | undefined;
  retryAfterMs: number;
}

const WINDOW_MS: Record<'second' | 'minute' | 'hour', number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
};

/** Whether the period is a calendar quota (durable, resets on the calendar). */
export function isCalendar(period: Period): period is 'day' | 'month' {
  return period === 'day' || period === 'month';
}

/** Length of a short window in ms. */
export function windowMs(period: 'second' | 'minute' | 'hour'): number {
  return WINDOW_MS[period];
}

/** Start and end (exclusive) of the UTC calendar period containing `now`. */
export function calendarPeriod(period: 'day' | 'month', now: number): { start: number; end: number } {
  const d = new Date(now);
  if (period === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/** The policy's window in seconds, as RateLimit-Policy's `w` (a month counts as 30 days). */
export function windowSeconds(period: Period): number {
  if (period === 'day') return 86_400;
  if (period === 'month') return 2_592_000;
  return WINDOW_MS[period] / 1000;
}

/** Combines per-check results into one decision. */
export function decide(results: LimitResult[]): LimitDecision {
  const allowed = results.every((r) => r.allowed);
  let tightest: LimitResult | undefined;
  for (const r of results) if (!tightest || r.remaining < tightest.remaining) tightest = r;
  const retryAfterMs = allowed
    ? 0
    : Math.max(...results.filter((r) => !r.allowed).map((r) => r.retryAfterMs));
  return { allowed, results, tightest, retryAfterMs };
}
