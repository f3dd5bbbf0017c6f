/**
 * Opens what one gateway process shares with the others serving the same store — rate limits,
 * login throttles and the change bus — for the way it runs:
 *
 * - `redis.url` set: everything in Redis (instances and workers alike), limits leased from one
 *   atomic script, calendar counts also added to SQL, changes over pub/sub;
 * - a `--workers` process without Redis: everything held by the primary, over IPC;
 * - a single process: in memory, calendar counts in SQL.
 */
import { type LoginThrottle, MemoryLoginThrottle } from '../auth/login/throttle.js';
import {
  FallbackLoginThrottle,
  PrimaryLoginThrottle,
  RedisLoginThrottle,
} from '../auth/login/throttle-shared.js';
import { type ChangeBus, LocalBus } from '../bus/bus.js';
import { PrimaryBus } from '../bus/primary-bus.js';
import { RedisBus } from '../bus/redis-bus.js';
import type { Clock } from '../clock.js';
import { type IpcPort, RpcClient } from '../ipc/rpc.js';
import type { LimitBackend } from '../limits/backends/backend.js';
import { LeasingBackend } from '../limits/backends/leasing.js';
import { LocalLimiter, type QuotaPersistence } from '../limits/backends/local.js';
import { PrimaryAuthority } from '../limits/backends/primary.js';
import { RedisAuthority } from '../limits/backends/redis.js';
import { RateLimiter } from '../limits/limiter.js';
import { SqlQuotaPersistence } from '../limits/persistence.js';
import type { RedisConnection } from '../redis/connection.js';
import type { Store } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { isClusterWorker } from './cluster.js';

export interface SharedState {
  limiter: RateLimiter;
  loginThrottle: LoginThrottle;
  bus: ChangeBus;
  /** The Redis connection when `redis.url` is set (readiness reports it). */
  redis: RedisConnection | null;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  redisUrl: string | null;
  store: Store;
  metrics: GatewayMetrics;
  clock: Clock;
  logger: Logger;
  /** Where calendar quotas are kept (default: the store itself). */
  quotaPersistence?: QuotaPersistence;
  /** How long start waits for Redis before serving anyway (503 on /readyz until it connects). */
  redisWaitMs?: number;
  /** Quota counters the in-process limiter keeps in memory (default: the limiter's own). */
  quotaCountersHeld?: number;
}

/** Opens the shared state for this process's mode. */
export async function openSharedState(options: SharedStateOptions): Promise<SharedState> {
  const durable = options.quotaPersistence ?? new SqlQuotaPersistence(options.store.db);
  if (options.redisUrl) return openRedisState(options.redisUrl, durable, options);
  if (isClusterWorker()) return openWorkerState(durable, options);
  return openLocalState(durable, options);
}

function limiter(
  options: SharedStateOptions,
  backend: LimitBackend,
  backendName: string,
  fallbacks: () => LimitBackend[],
): RateLimiter {
  return new RateLimiter({
    backend,
    backendName,
    fallbacks,
    metrics: options.metrics,
    clock: options.clock,
    log: options.logger,
  });
}

function openLocalState(durable: QuotaPersistence, options: SharedStateOptions): SharedState {
  const rateLimiter = limiter(options, new LocalLimiter(durable, options.quotaCountersHeld), 'local', () => [
    new LocalLimiter(null),
  ]);
  return {
    limiter: rateLimiter,
    loginThrottle: new MemoryLoginThrottle(options.clock),
    bus: new LocalBus(),
    redis: null,
    close: () => rateLimiter.close(),
  };
}

function openWorkerState(durable: QuotaPersistence, options: SharedStateOptions): SharedState {
  const rpc = new RpcClient(process as unknown as IpcPort);
  const backend = new LeasingBackend({ authority: new PrimaryAuthority(rpc) });
  // Should the primary stop answering, each worker limits on its own, from the durable counts.
  const rateLimiter = limiter(options, backend, 'primary', () => [
    new LocalLimiter(durable),
    new LocalLimiter(null),
  ]);
  const bus = new PrimaryBus(rpc);
  return {
    limiter: rateLimiter,
    loginThrottle: new FallbackLoginThrottle(new PrimaryLoginThrottle(rpc), options.clock),
    bus,
    redis: null,
    async close() {
      await rateLimiter.close();
      await bus.close();
    },
  };
}

async function openRedisState(
  url: string,
  durable: QuotaPersistence,
  options: SharedStateOptions,
): Promise<SharedState> {
  // Loaded only when Redis is configured: ioredis takes 50-150 ms to import, which every CLI
  // command and every start without Redis would otherwise pay.
  const [{ Redis }, { clientOptions, RedisConnection }] = await Promise.all([
    import('ioredis'),
    import('../redis/connection.js'),
  ]);
  const redis = new RedisConnection(url, { log: options.logger, name: 'keyward' });
  await redis.waitUntilUp(options.redisWaitMs ?? 2000).catch(() => {
    // Served anyway: /readyz says 503 and limits fall back until Redis answers.
  });
  const authority = new RedisAuthority({ client: redis.client, isUp: () => redis.up, durable });
  const backend = new LeasingBackend({ authority, durable });
  const rateLimiter = limiter(options, backend, 'redis', () => [
    new LocalLimiter(durable),
    new LocalLimiter(null),
  ]);
  const subscriber = new Redis(url, {
    ...clientOptions({ name: 'keyward-bus' }),
    // SUBSCRIBE waits for the server instead of failing, and is repeated after each reconnect.
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableAutoPipelining: false,
  });
  subscriber.on('error', () => {
    // Reported once by the command connection; this one just keeps reconnecting.
  });
  const bus = new RedisBus({ client: redis.client, subscriber });
  bus.start();
  return {
    limiter: rateLimiter,
    loginThrottle: new FallbackLoginThrottle(new RedisLoginThrottle(redis.client), options.clock),
    bus,
    redis,
    async close() {
      await rateLimiter.close();
      await bus.close();
      await redis.close();
    },
  };
}
