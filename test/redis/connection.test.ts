import { describe, expect, test } from 'vitest';
import { describeRedisUrl, RedisConnection } from '../../src/redis/connection.js';

describe('describeRedisUrl', () => {
  test.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:s3cret@redis.internal:6380/2', 'redis://:***@redis.internal:6380/2'],
    ['rediss://app:s3cret@redis.internal:6380', 'rediss://app:***@redis.internal:6380'],
    ['redis://app@redis.internal', 'redis://app@redis.internal'],
    ['not a url', 'redis://(invalid url)'],
  ])('%s is logged as %s, never with its password', (url, shown) => {
    expect(describeRedisUrl(url)).toBe(shown);
    expect(describeRedisUrl(url)).not.toContain('s3cret');
  });
});

describe('RedisConnection', () => {
  test('a server that is not there: not up, commands fail at once, waitUntilUp gives up; the log says so once', async () => {
    const lines: string[] = [];
    const log = {
      info: (_: object, m: string) => lines.push(m),
      warn: (_: object, m: string) => lines.push(m),
    };
    const connection = new RedisConnection('redis://:hunter2@127.0.0.1:1', { log });
    try {
      await expect(connection.waitUntilUp(300)).rejects.toThrow('did not answer within 300 ms');
      expect(connection.up).toBe(false);
      const started = performance.now();
      await expect(connection.ping()).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 400));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^redis: cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(.*\); retrying every second/,
      );
      expect(lines.join('')).not.toContain('hunter2');
    } finally {
      await connection.close();
    }
  });
});
