/**
 * Health of one upstream target. Passive: a target that fails `failures` times within
 * `window` is taken out of rotation for `cooldown`, then put back. Active: `path` is polled
 * every `interval`; `unhealthyAfter` failed polls in a row take the target out, `healthyAfter`
 * good ones (2xx or 3xx within `timeout`) put it back. A target is in rotation when both agree.
 */
import type { Clock } from '../clock.js';

export interface PassiveHealthSettings {
  failures: number;
  windowMs: number;
  cooldownMs: number;
}

/** Failures seen on live traffic, in a sliding window. */
export class PassiveHealth {
  readonly #settings: PassiveHealthSettings;
  readonly #clock: Clock;
  /** Times of the recent failures, oldest first (at most `failures` kept). */
  #failures: number[] = [];
  #outUntil = 0;

  constructor(settings: PassiveHealthSettings, clock: Clock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Whether the target is in rotation now. */
  get healthy(): boolean {
    return this.#clock.now() >= this.#outUntil;
  }

  /** Counts a failure; the `failures`-th within the window takes the target out. */
  failure(): void {
    const now = this.#clock.now();
    if (now < this.#outUntil) return;
    const { failures, windowMs, cooldownMs } = this.#settings;
    this.#failures.push(now);
    while (this.#failures.length > 0 && (this.#failures[0] as number) <= now - windowMs)
      this.#failures.shift();
    if (this.#failures.length >= failures) {
      this.#outUntil = now + cooldownMs;
      this.#failures = [];
    }
  }
}

export interface ActiveHealthSettings {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyAfter: number;
  unhealthyAfter: number;
}

/** One poll of the target: resolves true when it answered 2xx/3xx in time. */
export type HealthProbe = (path: string, timeoutMs: number) => Promise<boolean>;

/** Polls a target's health path on a timer (unref'd: it never keeps the process alive). */
export class ActiveHealth {
  readonly #settings: ActiveHealthSettings;
  readonly #probe: HealthProbe;
  #healthy = true;
  #inARow = 0;
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  constructor(settings: ActiveHealthSettings, probe: HealthProbe) {
    this.#settings = settings;
    this.#probe = probe;
  }

  /** Whether the last polls leave the target in rotation. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Starts polling (the first poll right away). */
  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => void this.poll(), this.#settings.intervalMs);
    this.#timer.unref();
    void this.poll();
  }

  /** Stops polling. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One poll; a poll still running when the next is due is not doubled. */
  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    let ok: boolean;
    try {
      ok = await this.#probe(this.#settings.path, this.#settings.timeoutMs);
    } catch {
      ok = false;
    } finally {
      this.#polling = false;
    }
    this.record(ok);
  }

  /** Counts one poll's result. */
  record(ok: boolean): void {
    if (ok === this.#healthy) {
      this.#inARow = 0;
      return;
    }
    this.#inARow++;
    const needed = this.#healthy ? this.#settings.unhealthyAfter : this.#settings.healthyAfter;
    if (this.#inARow >= needed) {
      this.#healthy = ok;
      this.#inARow = 0;
    }
  }
}
