/**
 * Builds the Fastify app from compiled config and open stores. Stages are small hooks and
 * plugins, wired in request order (DESIGN.md): request id → route → authenticate → authorize
 * → handler → log line. Building is separate from listening so tests can use `inject()`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerAdminApi } from '../admin/index.js';
import type { ApiKeyService } from '../auth/api-keys.js';
import { registerAuthEndpoints } from '../auth/login/routes.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { KeywardError } from '../errors.js';
import { registerOpenApi } from '../http/openapi.js';
import type { RateLimiter } from '../limits/limiter.js';
import { registerProxyRoutes } from '../proxy/routes.js';
import type { SecretVault } from '../secrets/vault.js';
import { registerServices } from '../services/index.js';
import type { Store } from '../store/db.js';
import { type Logger, redactUrl } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { lazyChildLogger } from '../telemetry/request-logger.js';
import type { UsageRecorder } from '../telemetry/usage.js';
import { registerMetricsEndpoint } from './metrics-endpoint.js';
import { clientErrorHandler, installProblemHandlers, sendProblem } from './problems.js';
import { requestIdFor } from './request-id.js';
import '../auth/principal.js';

export interface AppDependencies {
  config: CompiledConfig;
  store: Store;
  logger: Logger;
  clock: Clock;
  apiKeys: ApiKeyService;
  secrets: SecretVault;
  usage: UsageRecorder;
  metrics: GatewayMetrics;
  limiter: RateLimiter;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Name logged with each request: the route or service that answered. */
    routeName?: string;
  }
}

/** Creates the app; call `listen` (lifecycle.ts) or `inject` on the result. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, store, logger } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request is written by our onResponse hook, with route and principal.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: requestIdFor,
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.server.bodyLimit,
    requestTimeout: config.server.requestTimeoutMs,
    trustProxy: config.server.trustProxy === false ? false : config.server.trustProxy,
    return503OnClosing: true,
    clientErrorHandler,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    // Strict at the boundary: unknown fields are errors, not silently dropped.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
  });

  app.decorateRequest('principal', null);
  // Callback-style hooks on every request: no promise per hook.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const UNCOUNTED = new Set(['healthz', 'readyz', 'metrics']);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.config?.routeName ?? null;
    const principal = request.principal?.id ?? null;
    if (logger.isLevelEnabled('info')) {
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url, config.apiKeys.queryParam),
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          route,
          principal,
          ip: request.ip,
        },
        'request',
      );
    }
    if (route === null || !UNCOUNTED.has(route)) {
      deps.metrics.observe(route ?? '-', request.method, reply.statusCode, reply.elapsedTime / 1000);
      deps.usage.record(principal, route ?? '-', reply.statusCode);
    }
    done();
  });
  installProblemHandlers(app);
  // Before any route: the OpenAPI generator collects routes as they are added.
  await registerOpenApi(app, config);

  app.get('/healthz', { config: { routeName: 'healthz' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { routeName: 'readyz' } }, async (_request, reply) => {
    try {
      await store.ping();
    } catch {
      return sendProblem(
        reply,
        new KeywardError('KW_ERR_NOT_READY', { detail: 'The store is not reachable.' }),
      );
    }
    return { status: 'ready', checks: { store: 'ok' } };
  });

  // Before the protected routes: it provides the JWT verifier their authenticators use.
  await registerAuthEndpoints(app, deps);
  registerMetricsEndpoint(app, deps);
  await app.register(registerAdminApi, { prefix: config.admin.path, deps });
  await registerServices(app, deps);
  await registerProxyRoutes(app, deps, (name) => deps.secrets.lookup(name));
  return app;
}
