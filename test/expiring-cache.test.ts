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
