/**
 * The proxy's runtime: the compiled routes with their upstream targets (pools, breakers,
 * health checks) — made from the config, so a reload compiles them anew and the old ones close
 * once their app is retired — and the hub of open WebSockets with the /metrics series, which
 * live as long as the process, so sockets opened before a reload stay open. Open sockets' keys
 * are re-checked every half key-cache TTL, so a revoked key's sockets close within the delay a
 * revoked key's requests already have.
 */
import { keyState } from '../auth/keys/status.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { type CompiledRoute, compileRoutes } from '../proxy/compile.js';
import { registerProxyMetrics } from '../proxy/metrics.js';
import { CLOSE, WebSocketHub } from '../proxy/websocket/hub.js';
import type { ApiKeyRepository } from '../store/repositories/api-keys.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { UsageRecorder } from '../telemetry/usage.js';

/** One config's routes and the process's WebSockets. */
export interface ProxyRuntime {
  routes: readonly CompiledRoute[];
  websockets: WebSocketHub;
}

export interface ProxyRoutes {
  routes: readonly CompiledRoute[];
  /** Stops health checks and closes upstream pools (after the app using them stopped); once. */
  close(): Promise<void>;
}

export interface WebSocketsOptions {
  clock: Clock;
  logger: Logger;
  apiKeys: Pick<ApiKeyRepository, 'findByIds'>;
  usage: Pick<UsageRecorder, 'recordMessages'>;
  metrics: Pick<GatewayMetrics, 'registry'>;
  /** The key cache TTL: how long a revoked key may still be accepted. */
  keyCacheTtlMs: number;
  /** The routes serving now (a reload replaces them), for the /metrics series. */
  routes: () => readonly CompiledRoute[];
}

/** The hub of open WebSockets, and the proxy's /metrics series; opened once per process. */
export function openWebSockets(options: WebSocketsOptions): { hub: WebSocketHub; closeAll(): void } {
  const { clock } = options;
  const hub = new WebSocketHub({
    clock,
    checkIntervalMs: Math.max(50, Math.floor(options.keyCacheTtlMs / 2)),
    keyStates: async (ids) => {
      const now = clock.now();
      const records = await options.apiKeys.findByIds(ids);
      return new Map(records.map((r) => [r.id, keyState(r, now)]));
    },
    recordMessages: (principal, route, count) => options.usage.recordMessages(principal, route, count),
    onError: (error) => options.logger.warn({ err: error }, 'websocket key check failed'),
  });
  registerProxyMetrics(options.metrics.registry, options.routes, hub);
  return { hub, closeAll: () => hub.closeAll(CLOSE.goingAway, 'server shutting down') };
}

/** Compiles the config's routes and opens their upstreams. */
export function openProxyRoutes(
  config: Pick<CompiledConfig, 'routes' | 'cors' | 'envValues' | 'apiKeys'>,
  clock: Clock,
): ProxyRoutes {
  const routes = compileRoutes(config, clock);
  let closing: Promise<void> | undefined;
  return {
    routes,
    close: () => {
      closing ??= Promise.all(routes.map((r) => r.upstream.close())).then(() => undefined);
      return closing;
    },
  };
}
