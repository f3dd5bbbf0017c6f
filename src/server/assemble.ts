/**
 * Opens everything one gateway needs — store, key verifier and lifecycle, JWT runtime, secret
 * vault, users and login throttle, usage recorder, metrics, rate limiter — and builds the app
 * on them. `keyward start` and the tests both use this, so what is tested is what runs.
 * Closing flushes batched writes before the store closes.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { compileCredentialTransports } from '../auth/credentials.js';
import { openJwtRuntime } from '../auth/jwt/runtime.js';
import { KeyLifecycle } from '../auth/keys/lifecycle.js';
import { DEFAULT_CACHE_TTL_MS, KeyVerifier, type KeyVerifierOptions } from '../auth/keys/verify.js';
import { RefreshTokenService } from '../auth/login/refresh-tokens.js';
import { MemoryLoginThrottle } from '../auth/login/throttle.js';
import { UserService } from '../auth/login/users.js';
import { prepareDummyHash } from '../auth/passwords.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { RateLimiter } from '../limits/limiter.js';
import type { QuotaPersistence } from '../limits/local.js';
import { SqlQuotaPersistence } from '../limits/persistence.js';
import { openStore, type Store } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { openTracing } from '../telemetry/tracing.js';
import { UsageRecorder } from '../telemetry/usage.js';
import { buildApp } from './app.js';
import type { GatewayParts } from './parts.js';
import { openVault } from './vault.js';
import { openProxyRuntime } from './websockets.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface AssembleOptions {
  clock: Clock;
  logger: Logger;
  keyOptions?: Omit<KeyVerifierOptions, 'prefix' | 'clock'>;
  /** Where calendar quotas are kept (default: the store itself). */
  quotaPersistence?: (store: Store) => QuotaPersistence;
}

export interface AssembledGateway {
  app: FastifyInstance;
  parts: GatewayParts;
  /** Flushes batched writes and closes the store; call after the app has stopped serving. */
  closeResources(): Promise<void>;
}

/** Opens the store and every part on it, and builds the app. */
export async function assembleGateway(
  config: CompiledConfig,
  options: AssembleOptions,
): Promise<AssembledGateway> {
  const { clock, logger } = options;
  const store = await openStore(config.storageUrl, { clock });
  const keyVerifier = new KeyVerifier(store.apiKeys, {
    ...options.keyOptions,
    prefix: config.apiKeys.prefix,
    clock,
  });
  const usage = new UsageRecorder(store.usage, clock);
  const metrics = new GatewayMetrics();
  const persistence = options.quotaPersistence?.(store) ?? new SqlQuotaPersistence(store.db);
  const limiter = new RateLimiter(persistence, metrics, clock);
  const tracing = openTracing(config.tracing, version);
  const proxy = openProxyRuntime(config, {
    clock,
    logger,
    apiKeys: store.apiKeys,
    usage,
    metrics,
    keyCacheTtlMs: options.keyOptions?.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
  });
  const closeResources = async () => {
    await tracing?.shutdown().catch(() => {});
    await proxy.close().catch(() => {});
    await usage.close().catch(() => {});
    await limiter.close().catch(() => {});
    await keyVerifier.close().catch(() => {});
    await store.close();
  };
  try {
    const vault = await openVault(store, config, clock);
    const jwt = await openJwtRuntime(store, config.jwt, config.masterKey, clock);
    let refreshTokens: RefreshTokenService | null = null;
    if (jwt) {
      // So even the first failed login for an unknown user costs no more than later ones.
      await prepareDummyHash();
      refreshTokens = new RefreshTokenService(store, config.jwt.local.refreshTtlMs, clock);
      await refreshTokens.pruneExpired();
    }
    const parts: GatewayParts = {
      config,
      logger,
      clock,
      store,
      transports: compileCredentialTransports(config.apiKeys),
      keyVerifier,
      keys: new KeyLifecycle(store, { prefix: config.apiKeys.prefix, clock, caches: keyVerifier }),
      jwt,
      users: new UserService(store, clock),
      refreshTokens,
      loginThrottle: new MemoryLoginThrottle(clock),
      vault,
      usage,
      metrics,
      limiter,
      tracing,
      proxy,
    };
    const app = await buildApp(parts);
    return { app, parts, closeResources };
  } catch (error) {
    await closeResources().catch(() => {});
    throw error;
  }
}
