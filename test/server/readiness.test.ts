/** /readyz with Redis configured: down at start is 503 with checks.redis, and it recovers without a restart. */
import { afterAll, describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/cli.js';
import { createTestGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/services.js';

const redis = await startRedis();
afterAll(() => redis?.stop());

describe.skipIf(!redis)('/readyz with Redis', () => {
  test('Redis down at start: the gateway starts, /readyz is 503 naming redis, a clear log line; up later: 200', async () => {
    await redis?.halt({ hard: true });
    const gw = await createTestGateway({ yaml: `redis: { url: "${redis?.url}" }\n` });
    try {
      const down = await gw.app.inject({ url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.headers['content-type']).toContain('application/problem+json');
      expect(down.json()).toMatchObject({
        code: 'KW_ERR_NOT_READY',
        detail: 'Not reachable: Redis.',
        checks: { store: 'ok', redis: 'down' },
      });
      const logged = gw.logs.map((l) => JSON.parse(l).msg as string);
      expect(logged).toContain(
        `redis: cannot connect to ${redis?.url} (connect ECONNREFUSED 127.0.0.1:${redis?.port}); retrying every second — /readyz answers 503 until it connects`,
      );

      await redis?.resume();
      await waitFor(() => gw.logs.some((l) => l.includes('redis: connected')), 5000, 'the connection');
      const up = await gw.app.inject({ url: '/readyz' });
      expect(up.statusCode).toBe(200);
      expect(up.json()).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'ok' } });
    } finally {
      await gw.close();
    }
  });
});
