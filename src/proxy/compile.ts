/**
 * Compiles each configured route once, at start, into what the hot path needs: its mount
 * paths, upstream targets (pools, breakers, health), base path, injection templates, CORS
 * policy, cache and WebSocket settings and the values to mask in responses. Nothing here runs
 * per request.
 */
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { RouteConfig, UpstreamConfig } from '../config/schema.js';
import { durationMs, sizeBytes } from '../config/units.js';
import { type CorsPolicy, compileCorsPolicy } from '../http/cors.js';
import { type CompiledTemplate, compileTemplate } from './inject.js';
import { Upstream, type UpstreamSettings } from './upstream.js';

/** A WebSocket route's limits, in numbers. */
export interface WebSocketSettings {
  maxConnections: number;
  maxConnectionsPerKey: number | null;
  idleTimeoutMs: number;
  maxMessageBytes: number;
}

const WEBSOCKET_DEFAULTS = { maxConnections: 10_000, idleTimeout: '10m', maxMessageSize: '1mb' };

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
  /** WebSocket limits when the route proxies WebSockets, else null. */
  websocket: WebSocketSettings | null;
}

/** Compiles every route in the config. */
export function compileRoutes(
  config: Pick<CompiledConfig, 'routes' | 'cors' | 'envValues' | 'apiKeys'>,
  clock: Clock,
): CompiledRoute[] {
  return config.routes.map((route, index) => compileRoute(route, index, config, clock));
}

/** The upstream's settings: `url` is one target of weight 1; durations in milliseconds. */
function upstreamSettings(upstream: UpstreamConfig): UpstreamSettings {
  const targets = upstream.targets ?? [{ url: upstream.url as string, weight: 1 }];
  const timeoutMs = durationMs(upstream.timeout);
  const { passive, active } = upstream.healthCheck ?? {};
  return {
    targets: targets.map((t) => ({ origin: new URL(t.url).origin, weight: t.weight })),
    balancing: upstream.balancing,
    timeoutMs,
    bodyIdleMs: upstream.streamIdleTimeout ? durationMs(upstream.streamIdleTimeout) : timeoutMs,
    connectTimeoutMs: durationMs(upstream.connectTimeout),
    retries: upstream.retries,
    breaker: upstream.circuitBreaker
      ? { failures: upstream.circuitBreaker.failures, openForMs: durationMs(upstream.circuitBreaker.openFor) }
      : null,
    passive: passive
      ? {
          failures: passive.failures,
          windowMs: durationMs(passive.window),
          cooldownMs: durationMs(passive.cooldown),
        }
      : null,
    active: active
      ? {
          path: active.path,
          intervalMs: durationMs(active.interval),
          timeoutMs: durationMs(active.timeout),
          healthyAfter: active.healthyAfter,
          unhealthyAfter: active.unhealthyAfter,
        }
      : null,
  };
}

function websocketSettings(upstream: UpstreamConfig): WebSocketSettings | null {
  if (upstream.websocket === false) return null;
  const ws = upstream.websocket === true ? WEBSOCKET_DEFAULTS : upstream.websocket;
  return {
    maxConnections: ws.maxConnections,
    maxConnectionsPerKey:
      upstream.websocket === true ? null : (upstream.websocket.maxConnectionsPerKey ?? null),
    idleTimeoutMs: durationMs(ws.idleTimeout),
    maxMessageBytes: sizeBytes(ws.maxMessageSize),
  };
}

function compileRoute(
  route: RouteConfig,
  index: number,
  config: Pick<CompiledConfig, 'cors' | 'envValues' | 'apiKeys'>,
  clock: Clock,
): CompiledRoute {
  // Every target has the same path and query (checked with the config).
  const url = new URL(route.upstream.url ?? (route.upstream.targets?.[0]?.url as string));
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
    upstream: new Upstream(upstreamSettings(route.upstream), clock),
    basePath: url.pathname.replace(/\/+$/, ''),
    // Normalized as the per-request merge would, so a request without a query can use it as is.
    baseQuery: new URLSearchParams(url.search).toString(),
    headerTemplates,
    queryTemplates,
    injects: headerTemplates.length + queryTemplates.length > 0,
    staticSecretValues,
    cors: compileCorsPolicy(config.cors, route.cors, config.apiKeys.header),
    cacheTtlMs: route.upstream.cache ? durationMs(route.upstream.cache.ttl) : null,
    maxResponseBytes: route.upstream.maxResponseSize ? sizeBytes(route.upstream.maxResponseSize) : null,
    websocket: websocketSettings(route.upstream),
  };
}
