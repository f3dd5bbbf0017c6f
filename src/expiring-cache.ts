/**
 * The one in-memory cache Keyward uses for verified keys, key misses, verified tokens and
 * secret values: bounded in entries, each entry valid until its own expiry (a fixed TTL by
 * default, or a time the caller gives, such as a token's `exp`). When full, the entry stored
 * longest ago goes first; a hit does not reorder anything, so reads on the hot path never write.
 * Each store also drops up to two expired entries from the front, so under a stream of distinct
 * keys (1,000,000 keys, a different one per request) the cache holds the entries still alive, not
 * `maxEntries` mostly dead ones: with a 500 ms TTL at 2,000 req/s, ~1,000 instead of 10,000.
 */
import type { Clock } from './clock.js';

export interface ExpiringCacheOptions {
  maxEntries: number;
  /** Lifetime of an entry stored without an explicit expiry. */
  ttlMs: number;
  clock: Clock;
}

interface Entry<V> {
  key: string;
  value: V;
  expiresAt: number;
}

export class ExpiringCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /**
   * The entries in the order they were stored, oldest at `#head`: the oldest is found here, not
   * by iterating the Map, whose front after many deletions is a run of holes V8 steps over one
   * by one (that made a store cost ~5 µs under a stream of distinct keys). An entry deleted or
   * stored again stays in the queue until it reaches the front, where it is skipped.
   */
  #order: Entry<V>[] = [];
  #head = 0;
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
  set(key: string, value: V, expiresAt?: number): void {
    const now = this.#clock.now();
    this.#dropExpiredFront(now);
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#oldest();
      if (oldest !== undefined) {
        this.#entries.delete(oldest.key);
        this.#head++;
      }
    }
    const entry = { key, value, expiresAt: expiresAt ?? now + this.#ttlMs };
    this.#entries.set(key, entry);
    this.#order.push(entry);
    this.#compact();
  }

  /**
   * Two per store: more than one, so the dead front shrinks while keys keep arriving; few, so a
   * store costs the same whatever the cache holds. Entries stored with the default TTL expire in
   * the order they were stored, so the front is where the dead ones are.
   */
  #dropExpiredFront(now: number): void {
    for (let i = 0; i < 2; i++) {
      const first = this.#oldest();
      if (first === undefined || first.expiresAt > now) return;
      this.#entries.delete(first.key);
      this.#head++;
    }
  }

  /** The oldest entry still held (at `#head` once this returns), skipping ones deleted or replaced. */
  #oldest(): Entry<V> | undefined {
    const order = this.#order;
    while (this.#head < order.length) {
      const entry = order[this.#head] as Entry<V>;
      if (this.#entries.get(entry.key) === entry) return entry;
      this.#head++;
    }
    return undefined;
  }

  /**
   * Drops the queue's consumed front once it is half of it; rebuilds the queue from the Map when
   * skipped entries (keys stored again and again behind a long-lived front) make it twice as long
   * as the cache can hold.
   */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    } else if (this.#order.length - this.#head > 2 * this.#maxEntries + 1024) {
      // The Map keeps store order: a key stored again was deleted and re-inserted.
      this.#order = [...this.#entries.values()];
      this.#head = 0;
    }
  }

  /** Forgets one entry. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets everything (after a change that may affect any entry). */
  clear(): void {
    this.#entries.clear();
    this.#order = [];
    this.#head = 0;
  }

  /** Number of entries held, expired ones included until they are read or evicted. */
  get size(): number {
    return this.#entries.size;
  }
}
