/**
 * `GET /readyz`: ready when the store answers and, with `redis.url` set, Redis answers too.
 * Every check is reported by name (`checks.store`, `checks.redis`) both when ready (200) and
 * when not (503 problem+json with the same `checks` member), so a load balancer and an
 * operator see which dependency is missing.
 */
import type { FastifyInstance } from 'fastify';
import { KeywardError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors.js';
import type { RedisConnection } from '../redis/connection.js';
import type { Store } from '../store/db.js';

type CheckState = 'ok' | 'down';

/** Runs each check with a short deadline; a hung dependency counts as down. */
async function check(probe: () => Promise<void>, timeoutMs = 1000): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckState>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Registers `/readyz` for the store and (when configured) Redis. */
export function registerReadiness(app: FastifyInstance, store: Store, redis: RedisConnection | null): void {
  app.get('/readyz', { config: { routeName: 'readyz' } }, async (request, reply) => {
    const checks: Record<string, CheckState> = { store: await check(() => store.ping()) };
    if (redis) checks.redis = await check(() => redis.ping());
    const down = Object.keys(checks).filter((name) => checks[name] === 'down');
    if (down.length === 0) return { status: 'ready', checks };
    const error = new KeywardError('KW_ERR_NOT_READY', {
      detail: `Not reachable: ${down.map((name) => (name === 'store' ? 'the store' : 'Redis')).join(' and ')}.`,
    });
    return reply
      .code(503)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...toProblem(error, request.id), checks });
  });
}
