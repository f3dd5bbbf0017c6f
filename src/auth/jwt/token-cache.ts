/**
 * A bounded LRU of verified tokens, each kept until the token's own expiry. Keys are SHA-256
 * digests of the tokens, so the cache never holds a usable credential.
 */
import { createHash } from 'node:crypto';

/** The cache key for a token. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class TokenCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxSize: number;

  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /** The cached value while `now` is before its expiry; a hit becomes the most recently used. */
  get(digest: string, now: number): V | undefined {
    const entry = this.#entries.get(digest);
    if (!entry) return undefined;
    this.#entries.delete(digest);
    if (now >= entry.expiresAt) return undefined;
    this.#entries.set(digest, entry);
    return entry.value;
  }

  /** Caches a value until `expiresAt`, evicting the least recently used entry when full. */
  set(digest: string, value: V, expiresAt: number): void {
    this.#entries.delete(digest);
    if (this.#entries.size >= this.#maxSize) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(digest, { value, expiresAt });
  }

  get size(): number {
    return this.#entries.size;
  }
}
