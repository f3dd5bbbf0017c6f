/**
 * Mounts the configured routes: each is one mount (CORS → authenticate → authorize → limits,
 * with its preflights answered by Keyward) whose handler forwards to the upstream. Request
 * bodies are not parsed here: they stream to the upstream.
 */
import type { FastifyInstance } from 'fastify';
import type { CredentialTransports } from '../auth/credentials.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { Mount, MountSpec } from '../http/pipeline.js';
import { trustedPeerMatcher } from '../http/trust.js';
import type { Tracing } from '../telemetry/tracing.js';
import { ResponseCache } from './cache.js';
import { type CompiledRoute, compileRoutes } from './compile.js';
import { type ForwardContext, forward } from './forward.js';
import { notForwarded } from './headers.js';
import type { SecretLookup } from './inject.js';

const CACHE_BYTES = 64 * 1024 * 1024;

export interface ProxyOptions {
  config: Pick<CompiledConfig, 'routes' | 'cors' | 'envValues' | 'server'>;
  transports: CredentialTransports;
  secrets: SecretLookup;
  clock: Clock;
  tracing: Tracing | null;
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

/** Mounts every configured route; their upstream pools close with the app. */
export async function registerProxyRoutes(
  app: FastifyInstance,
  mount: Mount,
  options: ProxyOptions,
): Promise<CompiledRoute[]> {
  const routes = compileRoutes(options.config);
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
  };
  for (const route of routes) {
    const ctx: ForwardContext = { ...shared, route };
    await mount(app, routeMount(route), (scope) => {
      // Bodies stream straight to the upstream: no parser may consume them.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      for (const url of mountPaths(route)) {
        scope.route({
          url,
          method: route.methods,
          exposeHeadRoute: false,
          handler: (request, reply) => forward(ctx, request, reply),
        });
      }
    });
  }
  app.addHook('onClose', async () => {
    await Promise.all(routes.map((r) => r.upstream.close()));
  });
  return routes;
}
