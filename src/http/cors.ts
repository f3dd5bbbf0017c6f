/**
 * CORS for routes, services and login: exact-origin allow-lists (a route's own list, else the
 * global one), preflights answered here and never forwarded, `Vary: Origin` always, no
 * `Access-Control-Allow-Origin` for an origin that is not listed, never `*`, and preflights
 * allow the configured request headers or a safe default set, never an echo. The pipeline
 * (pipeline.ts) adds the headers stage and answers the preflights of every mount that has CORS.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CorsConfig } from '../config/schema.js';
import { durationMs } from '../config/units.js';
import { KeywardError } from '../errors.js';
import type { Stage } from '../stages.js';

export interface CorsPolicy {
  origins: ReadonlySet<string>;
  credentials: boolean;
  maxAgeSeconds: number;
  /** `Access-Control-Allow-Headers` for preflights: `cors.headers`, else the safe default set. */
  allowHeaders: string;
  exposeHeaders: string;
}

const DEFAULT_EXPOSE = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'x-cache'];

/**
 * Request headers a browser may send when `cors.headers` is not configured: what a client needs
 * to send JSON with a credential and a trace, and nothing it merely asked for (echoing the
 * requested names would let a page send any header, an injected one included).
 */
const DEFAULT_ALLOW = [
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'authorization',
  'x-request-id',
  'traceparent',
  'tracestate',
];

/**
 * Compiles the effective policy for a mount: its own `cors` if set, else the global one.
 * `keyHeader` (the API key header) joins the default allowed headers.
 */
export function compileCorsPolicy(global: CorsConfig, own?: CorsConfig, keyHeader = 'x-api-key'): CorsPolicy {
  const c = own ?? global;
  return {
    origins: new Set(c.origins),
    credentials: c.credentials,
    maxAgeSeconds: Math.floor(durationMs(c.maxAge) / 1000),
    allowHeaders: (c.headers ?? [...new Set([...DEFAULT_ALLOW, keyHeader.toLowerCase()])]).join(', '),
    exposeHeaders: [
      ...new Set([...DEFAULT_EXPOSE, ...(c.exposeHeaders ?? []).map((h) => h.toLowerCase())]),
    ].join(', '),
  };
}

function applyAllowHeaders(policy: CorsPolicy, origin: string, reply: FastifyReply): void {
  reply.header('access-control-allow-origin', origin);
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true');
}

/** Stage for actual (non-preflight) requests: adds the CORS response headers. */
export function corsHeaders(policy: CorsPolicy): Stage {
  return function cors(request: FastifyRequest, reply: FastifyReply) {
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin !== undefined && policy.origins.has(origin)) {
      applyAllowHeaders(policy, origin, reply);
      reply.header('access-control-expose-headers', policy.exposeHeaders);
    }
    return undefined;
  };
}

/**
 * Handler for OPTIONS on a path whose routes answer `methods`: a preflight from an allowed origin
 * gets 204, any other 403; a plain OPTIONS gets 204 with `Allow`.
 */
export function preflightHandler(policy: CorsPolicy, methods: ReadonlySet<string>) {
  return async function preflight(request: FastifyRequest, reply: FastifyReply) {
    // Read per preflight: mounts sharing a path add their methods after this was built.
    const allowed = [...methods, 'OPTIONS'];
    const allow = allowed.join(', ');
    reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    const origin = request.headers.origin;
    const method = request.headers['access-control-request-method'];
    if (origin === undefined || method === undefined) {
      reply.header('allow', allow);
      return reply.code(204).send();
    }
    if (!policy.origins.has(origin)) {
      throw new KeywardError('KW_ERR_CORS_ORIGIN_DENIED', {
        detail: 'This origin may not call this API from a browser.',
      });
    }
    if (!allowed.includes(String(method).toUpperCase())) {
      throw new KeywardError('KW_ERR_CORS_ORIGIN_DENIED', {
        detail: `Method ${String(method).slice(0, 20)} is not allowed here.`,
      });
    }
    applyAllowHeaders(policy, origin, reply);
    reply.header('access-control-allow-methods', allow);
    reply.header('access-control-allow-headers', policy.allowHeaders);
    reply.header('access-control-max-age', String(policy.maxAgeSeconds));
    return reply.code(204).send();
  };
}
