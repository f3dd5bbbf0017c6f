/**
 * Wires one gateway's parts together — store, key service, secret vault, usage recorder,
 * metrics, rate limiter — and builds the app on them. `keyward start` and the tests both use
 * this, so what is tested is what runs. Closing flushes batched writes before the store closes.
 */
import type { FastifyInstance } from 'fastify';
import { ApiKeyService, type ApiKeyServiceOptions } from '../auth/api-keys.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { RateLimiter } from '../limits/limiter.js';
import type { QuotaPersistence } from '../limits/local.js';
import { SqlQuotaPersistence } from '../limits/persistence.js';
import { openStore, type Store } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { UsageRecorder } from '../telemetry/usage.js';
import { type AppDependencies, buildApp } from './app.js';
import { openVault } from './vault.js';

export interface AssembleOptions {
  clock: Clock;
  logger: Logger;
  keyOptions?: ApiKeyServiceOptions;
  /** Where calendar quotas are kept (default: the store itself). */
  quotaPersistence?: (store: Store) => QuotaPersistence;
}

export interface AssembledGateway {
  app: FastifyInstance;
  deps: AppDependencies;
  /** Flushes batched writes and closes the store; call after the app has stopped serving. */
  closeResources(): Promise<void>;
}

/** Opens the store and builds the app with every service it needs. */
export async function assembleGateway(
  config: CompiledConfig,
  options: AssembleOptions,
): Promise<AssembledGateway> {
  const { clock, logger } = options;
  const store = await openStore(config.storageUrl, { clock });
  const apiKeys = new ApiKeyService(store, config.apiKeys, clock, options.keyOptions);
  const usage = new UsageRecorder(store.usage, clock);
  const metrics = new GatewayMetrics();
  const persistence = options.quotaPersistence?.(store) ?? new SqlQuotaPersistence(store.db);
  const limiter = new RateLimiter(persistence, metrics, clock);
  const closeResources = async () => {
    await usage.close().catch(() => {});
    await limiter.close().catch(() => {});
    await apiKeys.close().catch(() => {});
    await store.close();
  };
  try {
    const secrets = await openVault(store, config, clock);
    const deps: AppDependencies = { config, store, logger, clock, apiKeys, secrets, usage, metrics, limiter };
    const app = await buildApp(deps);
    return { app, deps, closeResources };
  } catch (error) {
    await closeResources().catch(() => {});
    throw error;
  }
}
