/** Identifier generation: random, URL-safe, and sortable by creation time where it helps paging. */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` base62 characters of uniform randomness (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A time-ordered id like `key_0mfz3k2a1B7xQp9LmN2c`: 9 chars of base36 ms time, then 12 random. */
export function newId(kind: string, now: number = Date.now()): string {
  return `${kind}_${now.toString(36).padStart(9, '0')}${randomBase62(12)}`;
}
