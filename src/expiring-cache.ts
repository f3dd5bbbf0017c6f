/**
 * The one in-memory cache Keyward uses for verified keys, key misses, verified tokens and
 * secret values: bounded in entries, each entry valid until its own expiry (a fixed TTL by
 * default, or a time the caller gives, such as a token's `exp`). When full, the entry stored
 * longest ago goes first; a hit does not reorder anything, so reads on the hot path never write.
 */
import type { Clock } from './clock.js';

export interface ExpiringCacheOptions {
  maxEntries: number;
  /** Lifetime of an entry stored without an explicit expiry. */
  ttlMs: number;
  clock: Clock;
}

export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(options: ExpiringCacheOptions) {
    this.#maxEntries = options.maxEntries;
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock;
  }

  /** The live value, or undefined when absent or expired (an expired entry is dropped). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores a value until `expiresAt` (default: now + the TTL), evicting the oldest entry when full. */
  set(key: string, value: V, expiresAt = this.#clock.now() + this.#ttlMs): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  /** Forgets one entry. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets everything (after a change that may affect any entry). */
  clear(): void {
    this.#entries.clear();
  }

  /** Number of entries held, expired ones included until they are read or evicted. */
  get size(): number {
    return this.#entries.size;
  }
}
