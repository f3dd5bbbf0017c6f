/** A small bounded map whose entries expire after a fixed time; oldest entries go first when full. */
import type { Clock } from '../clock.js';

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #maxSize: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(maxSize: number, ttlMs: number, clock: Clock) {
    this.#maxSize = maxSize;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  /** The live value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores a value for the configured time, evicting the oldest entry when full. */
  set(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxSize)
      this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { value, expires: this.#clock.now() + this.#ttlMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
