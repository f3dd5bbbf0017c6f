/** The service helpers start real servers that real clients can use, and leave nothing listening. */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { findChromium, freePort, startPostgres, startRedis } from './services.js';

// Started at collection time so describe.skipIf can see a null (binary not installed).
const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);

// Safety net if an assertion fails before a test's own stop(); stop() is idempotent.
afterAll(async () => {
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!redis)('startRedis', () => {
  test('serves SET/GET, then stop() closes the port', async () => {
    const service = redis!;
    expect(service.url).toBe(`redis://127.0.0.1:${service.port}`);
    const client = new Redis(service.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.set('keyward:test', 'value');
      expect(await client.get('keyward:test')).toBe('value');
    } finally {
      client.disconnect();
    }
    await service.stop();
    await service.stop();
    expect(await listening(service.port)).toBe(false);
  });
});

describe.skipIf(!redis)('halt and resume', () => {
  test('a halted Redis refuses connections; resumed, it answers on the same port, empty', async () => {
    const service = await startRedis();
    if (!service) return;
    const client = new Redis(service.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.set('keyward:test', 'value');
      await service.halt({ hard: true });
      expect(await listening(service.port)).toBe(false);
      await service.resume();
      expect(await listening(service.port)).toBe(true);
      const again = new Redis(service.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await again.connect();
      expect(await again.get('keyward:test')).toBeNull();
      again.disconnect();
    } finally {
      client.disconnect();
      await service.stop();
    }
  });
});

describe.skipIf(!postgres)('startPostgres', () => {
  test('answers select 1 as user keyward, then stop() closes the port', async () => {
    const service = postgres!;
    expect(service.url).toBe(`postgres://keyward@127.0.0.1:${service.port}/postgres`);
    const client = new pg.Client({ connectionString: service.url });
    await client.connect();
    try {
      const result = await client.query('select 1 as one, current_user as who');
      expect(result.rows).toEqual([{ one: 1, who: 'keyward' }]);
    } finally {
      await client.end();
    }
    await service.stop();
    await service.stop();
    expect(await listening(service.port)).toBe(false);
  });
});

describe('findChromium and freePort', () => {
  test('findChromium points at an existing file when it finds one', () => {
    const chromium = findChromium();
    if (chromium !== null) expect(existsSync(chromium)).toBe(true);
  });

  test('freePort returns a loopback port nobody is listening on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await listening(port)).toBe(false);
  });
});
