/**
 * Slows password guessing: failed logins are counted per username and per client address in a
 * sliding window, and once either count reaches its limit further attempts are refused (429)
 * until the oldest failure leaves the window. Kept behind a small interface: this in-memory one
 * serves a single process; throttle-shared.ts has the same windows in Redis and in the primary.
 */
import type { Clock } from '../../clock.js';

export interface LoginThrottle {
  /** Seconds until another attempt is allowed for this address or username; 0 when allowed now. */
  retryAfter(ip: string, username: string): Promise<number>;
  /** Counts a failed attempt against both the address and the username. */
  recordFailure(ip: string, username: string): Promise<void>;
  /** Clears the username's failures after a successful login. */
  recordSuccess(ip: string, username: string): Promise<void>;
}

export interface MemoryLoginThrottleOptions {
  windowMs?: number;
  maxPerUsername?: number;
  maxPerIp?: number;
  /** Bound on tracked addresses and usernames; the least recently failed are forgotten first. */
  maxTracked?: number;
}

/** Failures allowed per window: 10 per username, 50 per address, in 15 minutes. */
export const LOGIN_THROTTLE = { windowMs: 15 * 60_000, maxPerUsername: 10, maxPerIp: 50 } as const;

/** The per-process throttle: exact sliding windows, bounded memory. */
export class MemoryLoginThrottle implements LoginThrottle {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #maxPerUsername: number;
  readonly #maxPerIp: number;
  readonly #maxTracked: number;
  readonly #failures = new Map<string, number[]>();

  constructor(clock: Clock, options: MemoryLoginThrottleOptions = {}) {
    this.#clock = clock;
    this.#windowMs = options.windowMs ?? LOGIN_THROTTLE.windowMs;
    this.#maxPerUsername = options.maxPerUsername ?? LOGIN_THROTTLE.maxPerUsername;
    this.#maxPerIp = options.maxPerIp ?? LOGIN_THROTTLE.maxPerIp;
    this.#maxTracked = options.maxTracked ?? 100_000;
  }

  async retryAfter(ip: string, username: string): Promise<number> {
    const now = this.#clock.now();
    const waitMs = Math.max(
      this.#wait(`ip:${ip}`, this.#maxPerIp, now),
      this.#wait(`user:${username}`, this.#maxPerUsername, now),
    );
    return Math.ceil(waitMs / 1000);
  }

  async recordFailure(ip: string, username: string): Promise<void> {
    const now = this.#clock.now();
    this.#add(`ip:${ip}`, this.#maxPerIp, now);
    this.#add(`user:${username}`, this.#maxPerUsername, now);
  }

  async recordSuccess(_ip: string, username: string): Promise<void> {
    this.#failures.delete(`user:${username}`);
  }

  #recent(key: string, now: number): number[] {
    const times = this.#failures.get(key);
    if (!times) return [];
    const cutoff = now - this.#windowMs;
    while (times.length > 0 && (times[0] as number) <= cutoff) times.shift();
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }

  #wait(key: string, max: number, now: number): number {
    const times = this.#recent(key, now);
    if (times.length < max) return 0;
    // Allowed again when enough failures have aged out to drop below the limit.
    return (times[times.length - max] as number) + this.#windowMs - now;
  }

  #add(key: string, max: number, now: number): void {
    const times = this.#recent(key, now);
    this.#failures.delete(key);
    if (this.#failures.size >= this.#maxTracked) {
      const oldest = this.#failures.keys().next();
      if (!oldest.done) this.#failures.delete(oldest.value);
    }
    times.push(now);
    // Only the last `max` failures matter for the decision.
    if (times.length > max) times.splice(0, times.length - max);
    this.#failures.set(key, times);
  }
}
