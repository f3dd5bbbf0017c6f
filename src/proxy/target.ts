/**
 * One host behind a route: its keep-alive undici Pool, its weight, the calls it has in flight
 * (for least-pending balancing), and what decides whether it gets traffic — its circuit
 * breaker and its passive and active health. Every call reports its outcome here.
 */
import { Pool } from 'undici';
import type { Clock } from '../clock.js';
import { type BreakerSettings, type BreakerState, CircuitBreaker } from './breaker.js';
import {
  ActiveHealth,
  type ActiveHealthSettings,
  PassiveHealth,
  type PassiveHealthSettings,
} from './health.js';

export interface TargetSettings {
  /** Scheme, host and port, e.g. `http://10.0.0.5:9000`. */
  origin: string;
  weight: number;
  /** Waiting for response headers. */
  timeoutMs: number;
  /** Each silence in a response body. */
  bodyIdleMs: number;
  connectTimeoutMs: number;
  breaker: BreakerSettings | null;
  passive: PassiveHealthSettings | null;
  active: ActiveHealthSettings | null;
}

/** What a call tells its target: the target answered, failed, or nothing was learnt. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/** A target as the admin API and /metrics show it: never a path, query or credential. */
export interface TargetStatus {
  origin: string;
  weight: number;
  /** In rotation: healthy and its breaker lets calls through. */
  available: boolean;
  healthy: boolean;
  breaker: BreakerState | 'none';
  breakerOpened: number;
  pending: number;
}

export class Target {
  readonly origin: string;
  readonly weight: number;
  readonly pool: Pool;
  /** Calls (and open WebSockets) in flight. */
  pending = 0;
  readonly #breaker: CircuitBreaker | null;
  readonly #passive: PassiveHealth | null;
  readonly #active: ActiveHealth | null;

  constructor(settings: TargetSettings, clock: Clock) {
    this.origin = settings.origin;
    this.weight = settings.weight;
    this.pool = new Pool(settings.origin, {
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.bodyIdleMs,
      connect: { timeout: settings.connectTimeoutMs },
    });
    this.#breaker = settings.breaker ? new CircuitBreaker(settings.breaker, clock) : null;
    this.#passive = settings.passive ? new PassiveHealth(settings.passive, clock) : null;
    this.#active = settings.active
      ? new ActiveHealth(settings.active, (path, timeoutMs) => this.#probe(path, timeoutMs))
      : null;
    this.#active?.start();
  }

  /** Whether the target is healthy (passive and active checks agree). */
  get healthy(): boolean {
    return (this.#passive?.healthy ?? true) && (this.#active?.healthy ?? true);
  }

  /** Whether a call may go to this target now. */
  available(): boolean {
    return this.healthy && (this.#breaker?.admits() ?? true);
  }

  /** Takes a call slot; true when the call is the breaker's half-open probe. */
  begin(): boolean {
    this.pending++;
    return this.#breaker?.acquire() ?? false;
  }

  /** Ends a call begun with `begin()`, with what it showed about the target. */
  end(outcome: CallOutcome, probe: boolean): void {
    this.pending--;
    this.report(outcome, probe);
  }

  /** Records what a call showed, as soon as it is known (a response's status, a failure). */
  report(outcome: CallOutcome, probe: boolean): void {
    if (outcome === 'success') this.#breaker?.success();
    else if (outcome === 'failure') {
      this.#breaker?.failure();
      this.#passive?.failure();
    } else if (probe) this.#breaker?.release();
  }

  /** The target's state for the admin API and /metrics. */
  status(): TargetStatus {
    return {
      origin: this.origin,
      weight: this.weight,
      available: this.available(),
      healthy: this.healthy,
      breaker: this.#breaker?.state ?? 'none',
      breakerOpened: this.#breaker?.opened ?? 0,
      pending: this.pending,
    };
  }

  /** Stops health polling and closes pooled connections. */
  async close(): Promise<void> {
    this.#active?.stop();
    await this.pool.close();
  }

  async #probe(path: string, timeoutMs: number): Promise<boolean> {
    const response = await this.pool.request({
      method: 'GET',
      path,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 400;
  }
}

/** Whether a response status says the target (not the request) is in trouble. */
export function isGatewayFailure(status: number): boolean {
  // A 500 is usually about the request; 502-504 say the host cannot serve right now.
  return status === 502 || status === 503 || status === 504;
}
