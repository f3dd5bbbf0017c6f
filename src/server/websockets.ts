/**
 * Opens the proxy's shared runtime: the compiled routes with their upstream targets (pools,
 * breakers, health checks), the hub of open WebSockets, and their /metrics series. Open
 * sockets' keys are re-checked every half key-cache TTL, so a revoked key's sockets close
 * within the delay a revoked key's requests already have.
 */
import { keyState } from '../auth/keys/status.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { type CompiledRoute, compileRoutes } from '../proxy/compile.js';
import { registerProxyMetrics } from '../proxy/metrics.js';
import { WebSocketHub } from '../proxy/websocket/hub.js';
import type { ApiKeyRepository } from '../store/repositories/api-keys.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { UsageRecorder } from '../telemetry/usage.js';

export interface ProxyRuntime {
  routes: readonly CompiledRoute[];
  websockets: WebSocketHub;
  /** Stops health checks and closes upstream pools (after the app stopped serving). */
  close(): Promise<void>;
}

export interface ProxyRuntimeOptions {
  clock: Clock;
  logger: Logger;
  apiKeys: Pick<ApiKeyRepository, 'findByIds'>;
  usage: Pick<UsageRecorder, 'recordMessages'>;
  metrics: Pick<GatewayMetrics, 'registry'>;
  /** The key cache TTL: how long a revoked key may still be accepted. */
  keyCacheTtlMs: number;
}

/** Compiles the routes and opens what they share. */
export function openProxyRuntime(
  config: Pick<CompiledConfig, 'routes' | 'cors' | 'envValues'>,
  options: ProxyRuntimeOptions,
): ProxyRuntime {
  const { clock } = options;
  const routes = compileRoutes(config, clock);
  const websockets = new WebSocketHub({
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
  registerProxyMetrics(options.metrics.registry, routes, websockets);
  return {
    routes,
    websockets,
    close: async () => {
      await Promise.all(routes.map((r) => r.upstream.close()));
    },
  };
}
