/** Identifier generation: random, URL-safe, and ordered by creation so ids double as paging cursors. */
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

let lastTime = 0;
let sequence = 0;

/**
 * A time-ordered id like `key_0mfz3k2a1003B7xQp9LmN`: 9 base36 chars of ms time, a 3-char
 * sequence so ids made in the same millisecond (or under a frozen test clock) still sort in
 * creation order within this process, then 9 random chars.
 */
export function newId(kind: string, now: number = Date.now()): string {
  if (now <= lastTime) {
    sequence = (sequence + 1) % 46_656;
    now = lastTime;
  } else {
    lastTime = now;
    sequence = 0;
  }
  return `${kind}_${now.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(3, '0')}${randomBase62(9)}`;
}
