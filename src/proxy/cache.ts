/**
 * Response cache for proxied GETs: bounded by total bytes (least recently used goes first),
 * entries expire after the route's ttl, and responses the upstream marks `no-store` or
 * `private` (or that set cookies) are never kept. In memory for now; a Redis store can take
 * the same interface for shared caching.
 */
import type { Clock } from '../clock.js';

export interface CachedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

interface Entry extends CachedResponse {
  expires: number;
  size: number;
}

const ENTRY_OVERHEAD = 512;

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  readonly #clock: Clock;
  #bytes = 0;

  constructor(maxBytes: number, clock: Clock) {
    this.#maxBytes = maxBytes;
    this.#clock = clock;
  }

  /** The live entry for `key`, refreshed as most recently used. */
  get(key: string): CachedResponse | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= this.#clock.now()) {
      this.#bytes -= entry.size;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry;
  }

  /** Stores a response for `ttlMs`, evicting least recently used entries to fit. */
  set(key: string, response: CachedResponse, ttlMs: number): void {
    const size = response.body.length + ENTRY_OVERHEAD + key.length;
    if (size > this.#maxBytes / 4) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.size;
    }
    while (this.#bytes + size > this.#maxBytes) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, Entry];
      this.#entries.delete(oldestKey);
      this.#bytes -= oldest.size;
    }
    this.#entries.set(key, { ...response, expires: this.#clock.now() + ttlMs, size });
    this.#bytes += size;
  }

  /** Largest body worth buffering for this cache. */
  get maxEntryBytes(): number {
    return Math.floor(this.#maxBytes / 4) - ENTRY_OVERHEAD;
  }

  get bytes(): number {
    return this.#bytes;
  }
}

/** Whether an upstream response may be stored in a shared cache. */
export function isCacheable(status: number, headers: Record<string, string | string[] | undefined>): boolean {
  if (status !== 200) return false;
  if (headers['set-cookie'] !== undefined) return false;
  const control = String(headers['cache-control'] ?? '').toLowerCase();
  return !/(^|[\s,])(no-store|private|no-cache)([\s,=]|$)/.test(control);
}
