import { describe, expect, test } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { ExpiringCache } from '../src/expiring-cache.js';

describe('ExpiringCache', () => {
  test('an entry lives for the TTL by default, or until the expiry it was given', () => {
    const clock = new ManualClock(0);
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 100, clock });
    cache.set('ttl', 'A');
    cache.set('own', 'B', 1000);
    clock.set(99);
    expect(cache.get('ttl')).toBe('A');
    clock.set(100);
    expect(cache.get('ttl')).toBeUndefined();
    expect(cache.get('own')).toBe('B');
    clock.set(1000);
    expect(cache.get('own')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('when full, the entry stored longest ago goes first; reading does not reorder', () => {
    const clock = new ManualClock(0);
    const cache = new ExpiringCache<string>({ maxEntries: 2, ttlMs: 100, clock });
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A');
    cache.set('c', 'C');
    expect(cache.get('a')).toBeUndefined();
    expect([cache.get('b'), cache.get('c')]).toEqual(['B', 'C']);
    cache.set('b', 'B2'); // storing again makes it the newest
    cache.set('d', 'D');
    expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual(['B2', undefined, 'D']);
  });

  test('under a stream of distinct keys it holds the live entries, not maxEntries dead ones', () => {
    const clock = new ManualClock(0);
    const cache = new ExpiringCache<number>({ maxEntries: 10_000, ttlMs: 100, clock });
    // 50 keys every 10 ms, each used once: about 500 are alive at any time
    for (let tick = 0; tick < 100; tick++) {
      clock.set(tick * 10);
      for (let i = 0; i < 50; i++) cache.set(`k${tick}-${i}`, i);
    }
    expect(cache.size).toBeLessThanOrEqual(550);
    expect(cache.get('k99-49')).toBe(49);
    expect(cache.get('k90-0')).toBe(0);
  });

  test('an entry with a later expiry of its own survives the expired ones dropped before it', () => {
    const clock = new ManualClock(0);
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 100, clock });
    cache.set('short', 'S');
    cache.set('long', 'L', 10_000);
    clock.set(500);
    cache.set('new', 'N');
    expect([cache.get('short'), cache.get('long'), cache.get('new')]).toEqual([undefined, 'L', 'N']);
  });

  test('entries stored again, deleted or read after expiry keep the eviction order exact', () => {
    const clock = new ManualClock(0);
    const cache = new ExpiringCache<number>({ maxEntries: 3, ttlMs: 100, clock });
    cache.set('long', 0, 1_000_000);
    // Thousands of stores of one key behind a long-lived front, then a delete and an expiry.
    for (let i = 0; i < 5000; i++) cache.set('hot', i);
    cache.set('gone', 1);
    cache.delete('gone');
    cache.set('brief', 2, 50);
    clock.set(60);
    expect(cache.get('brief')).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.set('x', 3);
    cache.set('y', 4); // full: the oldest entry still held goes, which is `long`
    expect([cache.get('long'), cache.get('hot'), cache.get('x'), cache.get('y')]).toEqual([
      undefined,
      4999,
      3,
      4,
    ]);
    cache.set('z', 5); // then `hot`, stored before x and y
    expect([cache.get('hot'), cache.get('x'), cache.get('y'), cache.get('z')]).toEqual([undefined, 3, 4, 5]);
    cache.clear();
    cache.set('after', 6);
    expect(cache.get('after')).toBe(6);
    expect(cache.size).toBe(1);
  });

  test('delete and clear forget entries', () => {
    const cache = new ExpiringCache<number>({ maxEntries: 5, ttlMs: 100, clock: new ManualClock(0) });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });
});
