/**
 * Opens everything one gateway needs — store, key verifier and lifecycle, JWT runtime, secret
 * vault, users and login throttle, usage recorder, metrics, rate limiter — and builds the app
 * on them. `keyward start` and the tests both use this, so what is tested is what runs.
 * Closing flushes batched writes before the store closes.
 */
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import { compileCredentialTransports } from '../auth/credentials.js';
import { openJwtRuntime } from '../auth/jwt/runtime.js';
import { KeyLifecycle } from '../auth/keys/lifecycle.js';
import { DEFAULT_CACHE_TTL_MS, KeyVerifier, type KeyVerifierOptions } from '../auth/keys/verify.js';
import { RefreshTokenService } from '../auth/login/refresh-tokens.js';
import { UserService } from '../auth/login/users.js';
import { prepareDummyHash } from '../auth/passwords.js';
import type { ChangeBus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { QuotaPersistence } from '../limits/backends/local.js';
import { KEYWARD_VERSION as version } from '../package-info.js';
import { openStore, type Store } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { openTracing } from '../telemetry/tracing.js';
import { UsageRecorder } from '../telemetry/usage.js';
import { buildApp } from './app.js';
import { announceKeyChanges, announcers, applyConfigPartChanges, applyKeyChanges } from './change-wiring.js';
import { heldQuotaCounters } from './memory-budget.js';
import type { GatewayParts } from './parts.js';
import { openSharedState } from './shared-state.js';
import { openVault } from './vault.js';
import { openProxyRoutes, openWebSockets } from './websockets.js';

export interface AssembleOptions {
  clock: Clock;
  logger: Logger;
  keyOptions?: Omit<KeyVerifierOptions, 'prefix' | 'clock'>;
  /** Where calendar quotas are kept (default: the store itself). */
  quotaPersistence?: (store: Store) => QuotaPersistence;
  /** Build the app on a server the caller provides (the host that keeps the socket across reloads). */
  serverFactory?: FastifyServerFactory;
}

/** The parts made from the config's own sections alone: opened again, whole, on every reload. */
type ConfigParts = Pick<GatewayParts, 'config' | 'transports' | 'vault' | 'jwt' | 'refreshTokens' | 'routes'>;

/** Opens the config-dependent parts on an open store (throws on a missing or wrong master key). */
async function openConfigParts(
  config: CompiledConfig,
  store: Store,
  clock: Clock,
  bus: ChangeBus,
): Promise<ConfigParts> {
  const routes = openProxyRoutes(config, clock);
  try {
    return await openSecuredParts(config, store, clock, routes, bus);
  } catch (error) {
    await routes.close();
    throw error;
  }
}

async function openSecuredParts(
  config: CompiledConfig,
  store: Store,
  clock: Clock,
  routes: GatewayParts['routes'],
  bus: ChangeBus,
): Promise<ConfigParts> {
  // Changes made here are announced to every process on the store (see change-wiring.ts).
  const announce = announcers(bus);
  const vault = await openVault(store, config, clock, announce.secretChanged);
  const jwt = await openJwtRuntime(store, config.jwt, config.masterKey, clock, {
    ring: { onChange: announce.signingKeyChanged },
  });
  let refreshTokens: RefreshTokenService | null = null;
  if (jwt) {
    // So even the first failed login for an unknown user costs no more than later ones.
    await prepareDummyHash();
    refreshTokens = new RefreshTokenService(store, config.jwt.local.refreshTtlMs, clock);
    await refreshTokens.pruneExpired();
  }
  return {
    config,
    transports: compileCredentialTransports(config.apiKeys),
    vault,
    jwt,
    refreshTokens,
    routes,
  };
}

/**
 * A new app for a changed config on the same open store, limiter, caches and counters (a
 * reload). `dispose` closes what the new app has that the previous one did not share: call it
 * only once the app is retired.
 */
export async function rebuildGateway(
  config: CompiledConfig,
  previous: GatewayParts,
  serverFactory: FastifyServerFactory,
): Promise<{ app: FastifyInstance; parts: GatewayParts; dispose(): Promise<void> }> {
  const sameTracing = JSON.stringify(config.tracing) === JSON.stringify(previous.config.tracing);
  const tracing = sameTracing ? previous.tracing : openTracing(config.tracing, version);
  const configParts = await openConfigParts(config, previous.store, previous.clock, previous.bus);
  const stopListening = applyConfigPartChanges(previous.bus, configParts);
  const parts: GatewayParts = { ...previous, ...configParts, tracing };
  const app = await buildApp(parts, serverFactory);
  return {
    app,
    parts,
    async dispose() {
      stopListening();
      await app.close();
      await parts.routes.close();
      if (!sameTracing) await tracing?.shutdown().catch(() => {});
    },
  };
}

export interface AssembledGateway {
  app: FastifyInstance;
  parts: GatewayParts;
  /** Closes the process's open WebSockets (first, on shutdown: they keep the server busy). */
  closeConnections(): void;
  /**
   * Closes the routes' upstreams, flushes batched writes and closes the store; call after the
   * app serving now has been closed.
   */
  closeResources(): Promise<void>;
}

/** Opens the store and every part on it, and builds the app. */
export async function assembleGateway(
  config: CompiledConfig,
  options: AssembleOptions,
): Promise<AssembledGateway> {
  const { clock, logger } = options;
  const store = await openStore(config.storageUrl, { clock, checkpointInBackground: true });
  const keyVerifier = new KeyVerifier(store.apiKeys, {
    ...options.keyOptions,
    prefix: config.apiKeys.prefix,
    clock,
  });
  const usage = new UsageRecorder(store.usage, clock);
  const metrics = new GatewayMetrics();
  const shared = await openSharedState({
    redisUrl: config.redisUrl === '' ? null : config.redisUrl,
    store,
    metrics,
    clock,
    logger,
    quotaCountersHeld: heldQuotaCounters(config.server.memoryBytes),
    ...(options.quotaPersistence ? { quotaPersistence: options.quotaPersistence(store) } : {}),
  });
  const tracing = openTracing(config.tracing, version);
  // Read by the /metrics series: the routes of the app serving now.
  let current: GatewayParts | null = null;
  const websockets = openWebSockets({
    clock,
    logger,
    apiKeys: store.apiKeys,
    usage,
    metrics,
    keyCacheTtlMs: options.keyOptions?.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
    routes: () => current?.routes.routes ?? [],
  });
  const closeResources = async () => {
    await tracing?.shutdown().catch(() => {});
    await current?.routes.close().catch(() => {});
    await usage.close().catch(() => {});
    await shared.close().catch(() => {});
    await keyVerifier.close().catch(() => {});
    await store.close();
  };
  try {
    const configParts = await openConfigParts(config, store, clock, shared.bus);
    applyConfigPartChanges(shared.bus, configParts);
    applyKeyChanges(shared.bus, keyVerifier);
    // Key and user changes are announced to every process on the store (this one included).
    const keys = new KeyLifecycle(store, {
      prefix: config.apiKeys.prefix,
      clock,
      caches: announceKeyChanges(shared.bus),
    });
    const parts: GatewayParts = {
      ...configParts,
      logger,
      clock,
      store,
      keyVerifier,
      keys,
      users: new UserService(store, clock, { changed: announcers(shared.bus).userChanged, ownedKeys: keys }),
      loginThrottle: shared.loginThrottle,
      usage,
      metrics,
      limiter: shared.limiter,
      bus: shared.bus,
      redis: shared.redis,
      tracing,
      reloadConfig: { run: null },
      websockets: websockets.hub,
      serving: (parts) => {
        current = parts;
      },
    };
    parts.serving(parts);
    const app = await buildApp(parts, options.serverFactory);
    return { app, parts, closeConnections: websockets.closeAll, closeResources };
  } catch (error) {
    await closeResources().catch(() => {});
    throw error;
  }
}
