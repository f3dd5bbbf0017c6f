/**
 * Compiles each configured route once, at start, into what the hot path needs: its mount
 * paths, upstream pool, base path, injection templates, CORS policy, cache settings and the
 * values to mask in responses. Nothing here runs per request.
 */
import type { CompiledConfig } from '../config/compile.js';
import type { RouteConfig } from '../config/schema.js';
import { durationMs, sizeBytes } from '../config/units.js';
import { type CorsPolicy, compileCorsPolicy } from '../http/cors.js';
import { type CompiledTemplate, compileTemplate } from './inject.js';
import { Upstream } from './upstream.js';

export interface CompiledRoute {
  name: string;
  /** Public prefix without the `*` tail or trailing slash, e.g. `/weather`. */
  prefix: string;
  wildcard: boolean;
  methods: string[];
  config: RouteConfig;
  upstream: Upstream;
  /** The upstream URL's path without a trailing slash, e.g. `/v2`. */
  basePath: string;
  /** The upstream URL's own query string, kept in front of the caller's. */
  baseQuery: string;
  headerTemplates: CompiledTemplate[];
  queryTemplates: CompiledTemplate[];
  /** Whether the route injects anything (else the per-request rendering is skipped). */
  injects: boolean;
  /** Values from `${ENV}` inside this route's inject templates, masked like secrets. */
  staticSecretValues: string[];
  cors: CorsPolicy;
  cacheTtlMs: number | null;
  /** `upstream.maxResponseSize` in bytes, or null for no limit. */
  maxResponseBytes: number | null;
}

/** Compiles every route in the config. */
export function compileRoutes(
  config: Pick<CompiledConfig, 'routes' | 'cors' | 'envValues'>,
): CompiledRoute[] {
  return config.routes.map((route, index) => compileRoute(route, index, config));
}

function compileRoute(
  route: RouteConfig,
  index: number,
  config: Pick<CompiledConfig, 'cors' | 'envValues'>,
): CompiledRoute {
  const url = new URL(route.upstream.url);
  const wildcard = route.path.endsWith('*');
  const prefix = route.path.replace(/\*$/, '').replace(/\/+$/, '');
  const methods = [...new Set(route.methods.includes('GET') ? [...route.methods, 'HEAD'] : route.methods)];
  const injectPath = `routes[${index}].upstream.inject`;
  const headerTemplates = Object.entries(route.upstream.inject?.header ?? {}).map(([n, t]) =>
    compileTemplate(n.toLowerCase(), t),
  );
  const queryTemplates = Object.entries(route.upstream.inject?.query ?? {}).map(([n, t]) =>
    compileTemplate(n, t),
  );
  const staticSecretValues = config.envValues
    .filter((e) => e.path.startsWith(injectPath))
    .map((e) => e.value);
  return {
    name: route.name,
    prefix,
    wildcard,
    methods,
    config: route,
    upstream: new Upstream({
      origin: url.origin,
      timeoutMs: durationMs(route.upstream.timeout),
      connectTimeoutMs: durationMs(route.upstream.connectTimeout),
      retries: route.upstream.retries,
    }),
    basePath: url.pathname.replace(/\/+$/, ''),
    // Normalized as the per-request merge would, so a request without a query can use it as is.
    baseQuery: new URLSearchParams(url.search).toString(),
    headerTemplates,
    queryTemplates,
    injects: headerTemplates.length + queryTemplates.length > 0,
    staticSecretValues,
    cors: compileCorsPolicy(config.cors, route.cors),
    cacheTtlMs: route.upstream.cache ? durationMs(route.upstream.cache.ttl) : null,
    maxResponseBytes: route.upstream.maxResponseSize ? sizeBytes(route.upstream.maxResponseSize) : null,
  };
}
