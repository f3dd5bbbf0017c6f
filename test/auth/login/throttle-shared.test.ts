/** The login throttle shared in Redis behaves like the in-memory one, and falls back to it. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LoginThrottle, MemoryLoginThrottle } from '../../../src/auth/login/throttle.js';
import { FallbackLoginThrottle, RedisLoginThrottle } from '../../../src/auth/login/throttle-shared.js';
import { systemClock } from '../../../src/clock.js';
import { RedisConnection } from '../../../src/redis/connection.js';
import { startRedis } from '../../helpers/services.js';

const redis = await startRedis();
let connection: RedisConnection;
beforeAll(async () => {
  if (!redis) return;
  connection = new RedisConnection(redis.url, { commandTimeoutMs: 10_000 });
  await connection.waitUntilUp(5000);
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

let namespace = 0;
const implementations: [string, () => LoginThrottle][] = [
  ['in memory', () => new MemoryLoginThrottle(systemClock)],
  ['in Redis', () => new RedisLoginThrottle(connection.client, `throttle${++namespace}:`)],
];

describe.skipIf(!redis)('login throttles', () => {
  test.each(implementations)(
    '%s: 10 failures for one username block it for 15 minutes',
    async (_name, make) => {
      const throttle = make();
      for (let i = 0; i < 10; i++) {
        expect(await throttle.retryAfter(`10.0.0.${i}`, 'alice')).toBe(0);
        await throttle.recordFailure(`10.0.0.${i}`, 'alice');
      }
      const wait = await throttle.retryAfter('10.0.1.1', 'alice');
      expect(wait).toBeGreaterThanOrEqual(899);
      expect(wait).toBeLessThanOrEqual(900);
      expect(await throttle.retryAfter('10.0.1.1', 'bob')).toBe(0);
    },
  );

  test.each(implementations)(
    '%s: 50 failures from one address block it for every username',
    async (_name, make) => {
      const throttle = make();
      for (let i = 0; i < 50; i++) await throttle.recordFailure('192.0.2.7', `user${i}`);
      expect(await throttle.retryAfter('192.0.2.7', 'someone-else')).toBeGreaterThanOrEqual(899);
      expect(await throttle.retryAfter('192.0.2.8', 'someone-else')).toBe(0);
    },
  );

  test.each(implementations)('%s: a success clears the username, not the address', async (_name, make) => {
    const throttle = make();
    for (let i = 0; i < 9; i++) await throttle.recordFailure('198.51.100.1', 'carol');
    await throttle.recordSuccess('198.51.100.1', 'carol');
    await throttle.recordFailure('198.51.100.1', 'carol');
    expect(await throttle.retryAfter('198.51.100.2', 'carol')).toBe(0);
  });

  test('Redis keeps no more than it needs: every throttle key expires with the window', async () => {
    const throttle = new RedisLoginThrottle(connection.client, 'throttle-ttl:');
    for (let i = 0; i < 30; i++) await throttle.recordFailure('203.0.113.9', 'dave');
    const keys = await connection.client.keys('throttle-ttl:*');
    expect(keys.sort()).toEqual(['throttle-ttl:login:ip:203.0.113.9', 'throttle-ttl:login:user:dave']);
    for (const key of keys) {
      const ttl = await connection.client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    }
    // Only the last 10 failures per username matter, so only they are kept.
    expect(await connection.client.zcard('throttle-ttl:login:user:dave')).toBe(10);
  });

  test('with Redis away, the fallback keeps throttling in the process', async () => {
    const away = new RedisConnection('redis://127.0.0.1:1', { commandTimeoutMs: 200 });
    try {
      const throttle = new FallbackLoginThrottle(new RedisLoginThrottle(away.client), systemClock);
      for (let i = 0; i < 10; i++) await throttle.recordFailure('10.1.0.1', 'erin');
      expect(await throttle.retryAfter('10.1.0.2', 'erin')).toBeGreaterThanOrEqual(899);
    } finally {
      await away.close();
    }
  });
});
