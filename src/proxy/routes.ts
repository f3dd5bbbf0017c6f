/**
 * Mounts the configured routes: for each, an OPTIONS preflight answered by Keyward (no
 * credentials needed, never forwarded), and the proxied methods behind CORS → authenticate →
 * authorize → forward. Request bodies are not parsed here: they stream to the upstream.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { corsHeaders, preflightHandler } from '../http/cors.js';
import { guardStages } from '../http/guard.js';
import { stageHook } from '../http/stages.js';
import type { AppDependencies } from '../server/app.js';
import { trustedPeerMatcher } from '../server/trust.js';
import { ResponseCache } from './cache.js';
import { type CompiledRoute, compileRoutes } from './compile.js';
import { forward } from './forward.js';
import type { SecretLookup } from './inject.js';

const CACHE_BYTES = 64 * 1024 * 1024;

function mountPaths(route: CompiledRoute): string[] {
  if (!route.wildcard) return [route.prefix || '/'];
  return route.prefix === '' ? ['/*'] : [route.prefix, `${route.prefix}/*`];
}

/** Registers every configured route; returns the compiled routes so the caller can close their pools. */
export async function registerProxyRoutes(
  app: FastifyInstance,
  deps: AppDependencies,
  secrets: SecretLookup,
): Promise<CompiledRoute[]> {
  const routes = compileRoutes(deps.config);
  const cache = routes.some((r) => r.cacheTtlMs !== null) ? new ResponseCache(CACHE_BYTES, deps.clock) : null;
  const trustsPeer = trustedPeerMatcher(deps.config.server.trustProxy);
  await app.register(async (scope) => {
    // Bodies stream straight to the upstream: no parser may consume them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const route of routes) {
      const ctx = {
        route,
        apiKeyHeader: deps.config.apiKeys.header,
        apiKeyQueryParam: deps.config.apiKeys.queryParam,
        secrets,
        cache,
        trustsPeer,
      };
      const onRequest = stageHook(
        corsHeaders(route.cors),
        ...guardStages(
          {
            scope: route.name,
            schemes: route.config.auth,
            roles: route.config.roles,
            rateLimit: route.config.rateLimit,
            budget: route.config.upstream.budget,
            onLimiterFailure: route.config.onLimiterFailure,
          },
          deps,
        ),
      );
      for (const url of mountPaths(route)) {
        const common: Pick<RouteOptions, 'url' | 'config'> = { url, config: { routeName: route.name } };
        scope.route({ ...common, method: 'OPTIONS', handler: preflightHandler(route.cors) });
        scope.route({
          ...common,
          method: route.methods,
          exposeHeadRoute: false,
          onRequest,
          handler: (request, reply) => forward(ctx, request, reply),
        });
      }
    }
  });
  app.addHook('onClose', async () => {
    await Promise.all(routes.map((r) => r.upstream.close()));
  });
  return routes;
}
