/**
 * Builds the Fastify app from the assembled parts: the request id and the log line around every
 * request, then each mount through the pipeline (http/pipeline.ts) — health, login, /metrics,
 * admin, the built-in services, the configured routes, the docs. Building is separate from
 * listening so tests can use `inject()`.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
  LogController,
} from 'fastify';
import { registerAdminApi } from '../admin/index.js';
import { registerAuthEndpoints } from '../auth/login/routes.js';
import { planViews, serviceViews } from '../config/views.js';
import { installBodyParsers } from '../http/body-parsers.js';
import { compileCorsPolicy } from '../http/cors.js';
import { registerOpenApiDocs, registerOpenApiGenerator } from '../http/openapi.js';
import { serviceAccess } from '../http/openapi-groups.js';
import { createMount, type Mount, publicMount } from '../http/pipeline.js';
import { InvitationService } from '../portal/invitations.js';
import { registerProxyRoutes } from '../proxy/routes.js';
import { routeView } from '../proxy/status.js';
import { registerServices } from '../services/index.js';
import { createAccessLog } from '../telemetry/access-log.js';
import { lazyChildLogger } from '../telemetry/request-logger.js';
import { endSpan, type Tracing } from '../telemetry/tracing.js';
import { registerFront } from './front.js';
import { registerMetricsEndpoint } from './metrics-endpoint.js';
import type { GatewayParts } from './parts.js';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  installProblemHandlers,
  noteAnsweredBeforeBody,
} from './problems.js';
import { registerReadiness } from './readiness.js';
import { requestIdFor } from './request-id.js';
import '../auth/principal.js';

/** Routes that are not counted in usage and metrics: probes and scrapes. */
const UNCOUNTED = new Set(['healthz', 'readyz', 'metrics']);

/** The request id on every response, and one log line, a metric and a usage count per request. */
function installRequestHooks(app: FastifyInstance, parts: GatewayParts): void {
  const { transports, metrics, usage } = parts;
  const access = createAccessLog(parts.logger);
  // Callback-style hooks on every request: no promise per hook.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    noteAnsweredBeforeBody(request.raw);
    const route = request.routeOptions.config?.routeName ?? null;
    const principal = request.principal?.id ?? null;
    if (parts.logger.isLevelEnabled('info')) {
      access({
        reqId: request.id,
        method: request.method,
        url: transports.redactUrl(request.url),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        route,
        principal,
        ip: request.ip,
      });
    }
    if (route === null || !UNCOUNTED.has(route)) {
      metrics.observe(route ?? '-', request.method, reply.statusCode, reply.elapsedTime / 1000);
      usage.record(principal, route ?? '-', reply.statusCode);
    }
    done();
  });
}

/**
 * With tracing on: a server span per request, continuing the caller's `traceparent`, named and
 * ended with the route and status when the response is done.
 */
function installTracingHooks(app: FastifyInstance, tracing: Tracing): void {
  app.addHook('onRequest', (request, _reply, done) => {
    request.span = tracing.startRequest(request.method, request.headers);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = request.span;
    if (span) {
      const route = request.routeOptions.config?.routeName ?? '-';
      span.updateName(`${request.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': reply.statusCode });
      endSpan(span, reply.statusCode >= 500 ? { code: String(reply.statusCode) } : undefined);
    }
    done();
  });
}

/** `/healthz` (alive) and `/readyz` (the store, and Redis when configured, answer). */
async function registerHealth(app: FastifyInstance, mount: Mount, parts: GatewayParts): Promise<void> {
  await mount(app, publicMount('health'), (scope) => {
    scope.get('/healthz', { config: { routeName: 'healthz' } }, async () => ({ status: 'ok' }));
    registerReadiness(scope, parts.store, parts.redis);
  });
}

/**
 * Creates the app; `inject` on the result, or `listen`, or serve it from a host (host.ts) that
 * built it with its `serverFactory`.
 */
export async function buildApp(
  parts: GatewayParts,
  serverFactory?: FastifyServerFactory,
): Promise<FastifyInstance> {
  const { config, logger, clock } = parts;
  const app = Fastify({
    ...(serverFactory ? { serverFactory } : {}),
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request is written by our onResponse hook, with route and principal.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: requestIdFor,
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.server.bodyLimit,
    requestTimeout: config.server.requestTimeoutMs,
    // Node cuts a client still sending its headers at headersTimeout (set here, since Fastify sets
    // requestTimeout only after the server exists) and looks for such clients this often
    // (default 30 s), so a trickle is cut near requestTimeout, not up to 30 s later.
    http: {
      headersTimeout: config.server.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.server.requestTimeoutMs),
    },
    trustProxy: config.server.trustProxy === false ? false : config.server.trustProxy,
    return503OnClosing: true,
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    // Strict at the boundary: unknown fields are errors, not silently dropped.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
  });
  app.decorateRequest('principal', null);
  installRequestHooks(app, parts);
  if (parts.tracing) installTracingHooks(app, parts.tracing);
  installProblemHandlers(app);
  installBodyParsers(app);
  // Before any route: the OpenAPI generator collects routes as they are added.
  await registerOpenApiGenerator(app, {
    apiKeyHeader: config.apiKeys.header,
    proxyRoutes: config.routes,
    services: serviceAccess(config.services),
  });

  const mount = createMount({
    authentication: {
      keys: parts.keyVerifier,
      jwt: parts.jwt?.verifier ?? null,
      transports: parts.transports,
    },
    limiter: parts.limiter,
    plans: config.plans,
    tracing: parts.tracing,
  });
  const cors = compileCorsPolicy(config.cors, undefined, config.apiKeys.header);
  await registerHealth(app, mount, parts);
  const { jwt, refreshTokens } = parts;
  if (jwt && refreshTokens) {
    // Public (login failures have their own throttle), under the global CORS policy so a browser
    // app on an allowed origin can sign in.
    await mount(app, { ...publicMount('auth'), cors }, (scope) =>
      registerAuthEndpoints(scope, {
        jwt,
        users: parts.users,
        refreshTokens,
        throttle: parts.loginThrottle,
        keys: parts.keyVerifier,
      }),
    );
  }
  await registerMetricsEndpoint(app, mount, { registry: parts.metrics.registry, roles: config.admin.roles });
  await registerAdminApi(app, mount, {
    path: config.admin.path,
    roles: config.admin.roles,
    keys: parts.keys,
    users: parts.users,
    vault: parts.vault,
    audit: parts.store.audit,
    usage: { recorder: parts.usage, rows: parts.store.usage },
    routes: {
      views: () => parts.routes.routes.map((r) => routeView(r, (name) => parts.websockets.stats(name))),
    },
    signingKeys: parts.jwt?.ring ?? null,
    reload: parts.reloadConfig,
    views: { services: serviceViews(config.services), plans: planViews(config.plans) },
    invitations: new InvitationService(parts.store.invitations, parts.store.audit, clock),
    clock,
  });
  await registerFront(app, mount, parts);
  await registerServices(app, config.services, { mount, cors, clock, places: parts.store.places });
  await registerProxyRoutes(app, mount, {
    config,
    routes: parts.routes.routes,
    transports: parts.transports,
    secrets: (name) => parts.vault.lookup(name),
    clock,
    tracing: parts.tracing,
    websockets: {
      hub: parts.websockets,
      recordUpgrade: (principal, route, seconds) => {
        parts.metrics.observe(route, 'GET', 101, seconds);
        parts.usage.record(principal, route, 101);
      },
    },
  });
  await registerOpenApiDocs(app, mount);
  return app;
}
