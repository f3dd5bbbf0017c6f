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
