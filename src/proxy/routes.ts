/**
 * Mounts the configured routes: each is one mount (CORS → authenticate → authorize → limits,
 * with its preflights answered by Keyward) whose handler forwards to the upstream — or, for a
 * WebSocket upgrade on a route that allows it, bridges the WebSocket after the same stages.
 * Request bodies are not parsed here: they stream to the upstream.
 */
import type { FastifyInstance } from 'fastify';
import type { CredentialTransports } from '../auth/credentials.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { Mount, MountSpec } from '../http/pipeline.js';
import { trustedPeerMatcher } from '../http/trust.js';
import type { Tracing } from '../telemetry/tracing.js';
import { ResponseCache } from './cache.js';
import type { CompiledRoute } from './compile.js';
import { type ForwardContext, forward } from './forward.js';
import { notForwarded } from './headers.js';
import type { SecretLookup } from './inject.js';
import type { WebSocketHub } from './websocket/hub.js';
import { createWebSocketProxy, type WebSocketProxyOptions } from './websocket/proxy.js';
import { pendingUpgrade, routeUpgrades } from './websocket/upgrade.js';

const CACHE_BYTES = 64 * 1024 * 1024;

export interface ProxyOptions {
  config: Pick<CompiledConfig, 'server'>;
  /** The compiled routes (assembly opened their upstreams and closes them). */
  routes: readonly CompiledRoute[];
  transports: CredentialTransports;
  secrets: SecretLookup;
  clock: Clock;
  tracing: Tracing | null;
  /** Open WebSockets and how upgrades are counted. */
  websockets: { hub: WebSocketHub } & Pick<WebSocketProxyOptions, 'recordUpgrade'>;
}

function mountPaths(route: CompiledRoute): string[] {
  if (!route.wildcard) return [route.prefix || '/'];
  return route.prefix === '' ? ['/*'] : [route.prefix, `${route.prefix}/*`];
}

function routeMount(route: CompiledRoute): MountSpec {
  const { config } = route;
  return {
    name: route.name,
    prefix: '',
    cors: route.cors,
    authenticate: config.auth,
    authorize: config.roles ?? [],
    limits: {
      rateLimit: config.rateLimit ?? [],
      budget: config.upstream.budget,
      onFailure: config.onLimiterFailure,
      plan: true,
    },
  };
}

/** Mounts every configured route; open WebSockets are closed (1001) with the app. */
export async function registerProxyRoutes(
  app: FastifyInstance,
  mount: Mount,
  options: ProxyOptions,
): Promise<void> {
  const { routes, websockets } = options;
  const cache = routes.some((r) => r.cacheTtlMs !== null)
    ? new ResponseCache(CACHE_BYTES, options.clock)
    : null;
  const shared = {
    droppedHeaders: notForwarded(options.transports.strippedHeaders),
    droppedQueryParams: options.transports.strippedQueryParams,
    secrets: options.secrets,
    cache,
    trustsPeer: trustedPeerMatcher(options.config.server.trustProxy),
    tracing: options.tracing,
    bodyLimit: options.config.server.bodyLimit,
  };
  for (const route of routes) {
    const ctx: ForwardContext = { ...shared, route };
    const proxyWebSocket = route.websocket ? createWebSocketProxy(ctx, websockets) : null;
    await mount(app, routeMount(route), (scope) => {
      // Bodies stream straight to the upstream: no parser may consume them.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      for (const url of mountPaths(route)) {
        scope.route({
          url,
          method: route.methods,
          exposeHeadRoute: false,
          handler: proxyWebSocket
            ? (request, reply) => {
                const upgrade = pendingUpgrade(request.raw);
                return upgrade ? proxyWebSocket(request, reply, upgrade) : forward(ctx, request, reply);
              }
            : (request, reply) => forward(ctx, request, reply),
        });
      }
    });
  }
  const websocketRoutes = routes.filter((r) => r.websocket !== null);
  // Open sockets belong to the process, not to this app: a reload keeps them (see server/websockets.ts).
  if (websocketRoutes.length > 0) routeUpgrades(app, websocketRoutes);
}
