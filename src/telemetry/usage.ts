/**
 * Usage figures: each response adds one to a counter keyed by minute, principal, route and
 * status class, held in memory and flushed to the store in one batch every few seconds (and
 * at shutdown) — never a write per request.
 */
import type { Clock } from '../clock.js';
import type { UsageCount, UsageRepository } from '../store/repositories/usage.js';

const MINUTE = 60_000;

export class UsageRecorder {
  readonly #repository: UsageRepository;
  readonly #clock: Clock;
  readonly #timer: NodeJS.Timeout;
  #pending = new Map<string, UsageCount>();

  constructor(repository: UsageRepository, clock: Clock, flushMs = 5000) {
    this.#repository = repository;
    this.#clock = clock;
    this.#timer = setInterval(() => void this.flush().catch(() => {}), flushMs);
    this.#timer.unref();
  }

  /** Counts one response. */
  record(principal: string | null, route: string, status: number): void {
    const bucket = Math.floor(this.#clock.now() / MINUTE) * MINUTE;
    const statusClass = `${Math.floor(status / 100)}xx`;
    const who = principal ?? '-';
    const key = `${bucket}\u0000${who}\u0000${route}\u0000${statusClass}`;
    const entry = this.#pending.get(key);
    if (entry) entry.count++;
    else this.#pending.set(key, { bucket, principal: who, route, statusClass, count: 1 });
  }

  /** Writes everything counted so far in one batch. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      await this.#repository.add(batch);
    } catch (error) {
      // Keep the counts for the next attempt rather than losing them.
      for (const c of batch)
        this.record(c.principal === '-' ? null : c.principal, c.route, Number(c.statusClass[0]) * 100);
      throw error;
    }
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
