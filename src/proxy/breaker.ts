/**
 * A circuit breaker for one upstream target. Closed, it lets every call through and counts
 * failures in a row; after `failures` of them it opens and refuses calls (the proxy answers
 * 503 without calling). After `openForMs` it half-opens: exactly one call goes through as a
 * probe; its success closes the breaker, its failure opens it again for another `openForMs`.
 */
import type { Clock } from '../clock.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Failures in a row that open the breaker. */
  failures: number;
  /** How long it stays open before letting a probe through. */
  openForMs: number;
}

export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #clock: Clock;
  #state: BreakerState = 'closed';
  #failuresInARow = 0;
  #openedAt = 0;
  #probing = false;
  /** How many times it has opened, for the admin view and metrics. */
  opened = 0;

  constructor(settings: BreakerSettings, clock: Clock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** The state now (an open breaker whose time is up reads as half-open). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#clock.now() - this.#openedAt >= this.#settings.openForMs)
      return 'half-open';
    return this.#state;
  }

  /** Whether a call may go through now, without taking the half-open probe slot. */
  admits(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && !this.#probing);
  }

  /** Takes the call slot `admits()` promised; true when it is the half-open probe. */
  acquire(): boolean {
    if (this.state !== 'half-open') return false;
    this.#state = 'half-open';
    this.#probing = true;
    return true;
  }

  /** A call went through and the target answered properly. */
  success(): void {
    this.#failuresInARow = 0;
    this.#probing = false;
    this.#state = 'closed';
  }

  /** A call failed (connection refused or reset, timeout, or a gateway error status). */
  failure(): void {
    // A call that started before the breaker opened adds nothing (nor a longer open time).
    if (this.#state === 'open') return;
    this.#failuresInARow++;
    if (this.#state === 'half-open' || this.#failuresInARow >= this.#settings.failures) this.#open();
  }

  /** The probe ended without telling anything about the target (the caller hung up). */
  release(): void {
    this.#probing = false;
  }

  #open(): void {
    if (this.#state !== 'open') this.opened++;
    this.#state = 'open';
    this.#probing = false;
    this.#openedAt = this.#clock.now();
  }
}
