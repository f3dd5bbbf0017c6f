/**
 * The gateway's rate limiter: the local limiter with durable calendar quotas, and what to do
 * when the counter store fails — per route, fail open to a purely local limiter (counts, but
 * only in this process) or fail closed with 503. Never unlimited, never a crash; each fallback
 * is counted in `keyward_limiter_fallback_total`.
 */
import type { Clock } from '../clock.js';
import { KeywardError } from '../errors.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { LocalLimiter, type QuotaPersistence } from './local.js';
import type { LimitCheck, LimitDecision } from './policy.js';

export type FailureMode = 'open' | 'closed';

export class RateLimiter {
  readonly #primary: LocalLimiter;
  readonly #fallback = new LocalLimiter(null);
  readonly #metrics: GatewayMetrics;
  readonly #clock: Clock;
  readonly #timer: NodeJS.Timeout;

  constructor(persistence: QuotaPersistence | null, metrics: GatewayMetrics, clock: Clock, flushMs = 1000) {
    this.#primary = new LocalLimiter(persistence);
    this.#metrics = metrics;
    this.#clock = clock;
    this.#timer = setInterval(() => void this.#primary.flush().catch(() => {}), flushMs);
    this.#timer.unref();
  }

  /** Checks and consumes all of a request's limits together (synchronously when counters are in memory). */
  consume(
    checks: readonly LimitCheck[],
    onFailure: FailureMode,
    route: string,
  ): LimitDecision | Promise<LimitDecision> {
    const now = this.#clock.now();
    let decision: LimitDecision | Promise<LimitDecision>;
    try {
      decision = this.#primary.consume(checks, now);
    } catch {
      return this.#fallBack(checks, now, onFailure, route);
    }
    if (decision instanceof Promise)
      return decision.catch(() => this.#fallBack(checks, now, onFailure, route));
    return decision;
  }

  #fallBack(
    checks: readonly LimitCheck[],
    now: number,
    onFailure: FailureMode,
    route: string,
  ): LimitDecision {
    this.#metrics.limiterFallbacks.inc({ route });
    if (onFailure === 'closed') {
      throw new KeywardError('KW_ERR_LIMITER_UNAVAILABLE', {
        detail: 'Rate limits cannot be checked right now; try again shortly.',
      });
    }
    // The fallback has no durable store, so it always decides synchronously.
    return this.#fallback.consume(checks, now) as LimitDecision;
  }

  /** Writes pending quota counts now (tests, shutdown). */
  flush(): Promise<void> {
    return this.#primary.flush();
  }

  /** Stops the flush timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#primary.flush();
  }
}
