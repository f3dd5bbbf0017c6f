/**
 * Rate-limit response headers, following draft-ietf-httpapi-ratelimit-headers-09 (structured
 * field lists): `RateLimit-Policy` lists every policy that applied (`"name";q=limit;w=window`),
 * `RateLimit` reports the tightest one (`"name";r=remaining;t=seconds-to-reset`), and a 429
 * also carries `Retry-After` in whole seconds.
 */
import { type LimitCheck, type LimitDecision, windowSeconds } from './policy.js';

/** `RateLimit-Policy` for a set of checks; routes compute it once per plan. */
export function policyHeader(checks: readonly Pick<LimitCheck, 'name' | 'policy'>[]): string {
  return checks.map((c) => `"${c.name}";q=${c.policy.requests};w=${windowSeconds(c.policy.per)}`).join(', ');
}

/** The headers for a decision (empty when no limit applied). */
export function rateLimitHeaders(
  decision: LimitDecision,
  policies: string = policyHeader(decision.results.map((r) => r.check)),
): Record<string, string> {
  const { tightest } = decision;
  if (!tightest) return {};
  const headers: Record<string, string> = {
    'ratelimit-policy': policies,
    ratelimit: `"${tightest.check.name}";r=${tightest.remaining};t=${Math.max(0, Math.ceil(tightest.resetMs / 1000))}`,
  };
  if (!decision.allowed)
    headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}
