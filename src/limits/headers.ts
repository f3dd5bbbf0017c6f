/**
 * Rate-limit response headers, following draft-ietf-httpapi-ratelimit-headers-09 (structured
 * field lists): `RateLimit-Policy` lists every policy that applied (`"name";q=limit;w=window`),
 * `RateLimit` reports the tightest one (`"name";r=remaining;t=seconds-to-reset`), and a 429
 * also carries `Retry-After` in whole seconds.
 */
import { type LimitDecision, windowSeconds } from './policy.js';

/** The headers for a decision (empty when no limit applied). */
export function rateLimitHeaders(decision: LimitDecision): Record<string, string> {
  const { tightest } = decision;
  if (!tightest) return {};
  const policies = decision.results.map(
    (r) => `"${r.check.name}";q=${r.check.policy.requests};w=${windowSeconds(r.check.policy.per)}`,
  );
  const headers: Record<string, string> = {
    'ratelimit-policy': policies.join(', '),
    ratelimit: `"${tightest.check.name}";r=${tightest.remaining};t=${Math.max(0, Math.ceil(tightest.resetMs / 1000))}`,
  };
  if (!decision.allowed)
    headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}
