/**
 * The gateway's rate limiter: a backend that holds the counts (this process, the primary of
 * `--workers`, or Redis) and what to do when it fails — per route, fail open to limiters local
 * to the process (they still count; never unlimited) or fail closed with 503. Each fallback is
 * counted in `keyward_limiter_fallback_total`, `keyward_limiter_backend_up` says whether the
 * backend is usable, and the first failure of an outage and the recovery are logged. When the
 * backend comes back, the fallbacks start over, so an outage's local counts never outlive it.
 */
import { Gauge } from 'prom-client';
import type { Clock } from '../clock.js';
import { KeywardError } from '../errors.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { LimitBackend } from './backends/backend.js';
import type { LimitCheck, LimitDecision } from './policy.js';

export type FailureMode = 'open' | 'closed';

/** The two log levels the limiter writes (a pino logger fits). */
export interface LimiterLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface RateLimiterOptions {
  /** Where counts are kept: `local`, `primary` or `redis` in log lines. */
  backend: LimitBackend;
  backendName: string;
  /**
   * Makes the fallbacks, tried in order when the backend fails; the last must never fail (a
   * memory-only local limiter). Made afresh after each recovery.
   */
  fallbacks: () => LimitBackend[];
  metrics: GatewayMetrics;
  clock: Clock;
  log?: LimiterLog;
  flushMs?: number;
}

/** An outage is logged once; later failures within this long stay quiet (the metric counts them). */
const LOG_EVERY_MS = 10_000;

export class RateLimiter {
  readonly #backend: LimitBackend;
  readonly #name: string;
  readonly #makeFallbacks: () => LimitBackend[];
  #fallbacks: LimitBackend[];
  readonly #metrics: GatewayMetrics;
  readonly #clock: Clock;
  readonly #log: LimiterLog | undefined;
  readonly #timer: NodeJS.Timeout;
  #down = false;
  /** Whether the backend said it was unavailable; its return to service is a recovery. */
  #unavailable = false;
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimiterOptions) {
    this.#backend = options.backend;
    this.#name = options.backendName;
    this.#makeFallbacks = options.fallbacks;
    this.#fallbacks = options.fallbacks();
    this.#metrics = options.metrics;
    this.#clock = options.clock;
    this.#log = options.log;
    const backend = this.#backend;
    new Gauge({
      name: 'keyward_limiter_backend_up',
      help: 'Whether the rate-limit backend (local, primary or redis) can be used (1) or limits fall back (0)',
      labelNames: ['backend'],
      registers: [options.metrics.registry],
      collect() {
        this.set({ backend: options.backendName }, backend.available ? 1 : 0);
      },
    });
    this.#timer = setInterval(() => void this.flush().catch(() => {}), options.flushMs ?? 1000);
    this.#timer.unref();
  }

  /** Whether the backend is usable now (for /readyz and tests). */
  get available(): boolean {
    return this.#backend.available;
  }

  /** Checks and consumes all of a request's limits together (synchronously when nothing has to be awaited). */
  consume(
    checks: readonly LimitCheck[],
    onFailure: FailureMode,
    route: string,
  ): LimitDecision | Promise<LimitDecision> {
    const now = this.#clock.now();
    if (!this.#backend.available) {
      this.#unavailable = true;
      return this.#fallBack(checks, now, onFailure, route, null);
    }
    if (this.#unavailable) this.#recovered();
    let decision: LimitDecision | Promise<LimitDecision>;
    try {
      decision = this.#backend.consume(checks, now);
    } catch (error) {
      return this.#fallBack(checks, now, onFailure, route, error);
    }
    if (decision instanceof Promise)
      return decision.catch((error: unknown) => this.#fallBack(checks, now, onFailure, route, error));
    return decision;
  }

  #fallBack(
    checks: readonly LimitCheck[],
    now: number,
    onFailure: FailureMode,
    route: string,
    error: unknown,
  ): LimitDecision | Promise<LimitDecision> {
    this.#metrics.limiterFallbacks.inc({ route });
    this.#wentDown(onFailure, error);
    if (onFailure === 'closed') {
      throw new KeywardError('KW_ERR_LIMITER_UNAVAILABLE', {
        detail: 'Rate limits cannot be checked right now; try again shortly.',
      });
    }
    return this.#tryFallback(0, checks, now);
  }

  /** Fallback `i`, or the next one when it fails too; the last never fails. */
  #tryFallback(
    i: number,
    checks: readonly LimitCheck[],
    now: number,
  ): LimitDecision | Promise<LimitDecision> {
    const fallbacks = this.#fallbacks;
    const fallback = fallbacks[i] as LimitBackend;
    if (i === fallbacks.length - 1) return fallback.consume(checks, now);
    try {
      const decision = fallback.consume(checks, now);
      if (decision instanceof Promise) return decision.catch(() => this.#tryFallback(i + 1, checks, now));
      return decision;
    } catch {
      return this.#tryFallback(i + 1, checks, now);
    }
  }

  #wentDown(onFailure: FailureMode, error: unknown): void {
    const now = this.#clock.now();
    const first = !this.#down;
    this.#down = true;
    if (!first && now - this.#loggedAt < LOG_EVERY_MS) return;
    this.#loggedAt = now;
    this.#log?.warn(
      { backend: this.#name, reason: reasonOf(error), onLimiterFailure: onFailure },
      `rate limits: the ${this.#name} backend is unavailable; routes with onLimiterFailure: open are limited by this process alone, closed ones answer 503`,
    );
  }

  #recovered(): void {
    this.#down = false;
    this.#unavailable = false;
    this.#loggedAt = Number.NEGATIVE_INFINITY;
    this.#log?.info(
      { backend: this.#name },
      `rate limits: the ${this.#name} backend is back; shared limits apply again`,
    );
    const old = this.#fallbacks;
    this.#fallbacks = this.#makeFallbacks();
    for (const b of old) void b.close().catch(() => {});
  }

  /** Writes pending counts now (tests, shutdown). */
  async flush(): Promise<void> {
    const results = await Promise.allSettled([
      this.#backend.flush(),
      ...this.#fallbacks.map((b) => b.flush()),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Stops the flush timer, writes what is pending and releases the backend. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([this.#backend.close(), ...this.#fallbacks.map((b) => b.close())]);
  }
}

function reasonOf(error: unknown): string {
  if (error === null || error === undefined) return 'not connected';
  return error instanceof Error ? error.message : String(error);
}
