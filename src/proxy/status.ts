/**
 * What the admin API shows of a configured route: its public side (path, methods, auth,
 * roles, WebSocket) and its upstream's targets with their health and breaker state. Only
 * scheme, host and port of each target: never a path, query, injected value or secret.
 */
import type { CompiledRoute } from './compile.js';
import type { TargetStatus } from './target.js';
import type { RouteSocketStats } from './websocket/hub.js';

export interface RouteView {
  name: string;
  path: string;
  methods: string[];
  auth: string[];
  roles: string[];
  websocket: { enabled: boolean; open: number };
  /** The route's own limits (plans apply on top). */
  rateLimit: { requests: number; per: string; by?: string }[];
  upstream: {
    timeout: string;
    budget: { requests: number; per: string } | null;
    cacheTtl: string | null;
    /** Names of the headers and query parameters the gateway adds; never their values. */
    injects: string[];
    balancing: string;
    retries: number;
    circuitBreaker: boolean;
    healthCheck: { passive: boolean; active: boolean };
    targets: TargetStatus[];
  };
}

/** The admin view of one route; `sockets` gives its open WebSocket count. */
export function routeView(route: CompiledRoute, sockets: (route: string) => RouteSocketStats): RouteView {
  const { config } = route;
  const upstream = config.upstream;
  return {
    name: route.name,
    path: config.path,
    methods: [...config.methods],
    auth: [...config.auth],
    roles: [...(config.roles ?? [])],
    websocket: { enabled: route.websocket !== null, open: route.websocket ? sockets(route.name).open : 0 },
    rateLimit: (config.rateLimit ?? []).map((l) => ({
      requests: l.requests,
      per: l.per,
      ...(l.by ? { by: l.by } : {}),
    })),
    upstream: {
      timeout: upstream.timeout,
      budget: upstream.budget ? { requests: upstream.budget.requests, per: upstream.budget.per } : null,
      cacheTtl: upstream.cache?.ttl ?? null,
      injects: [
        ...Object.keys(upstream.inject?.header ?? {}).map((h) => `header ${h}`),
        ...Object.keys(upstream.inject?.query ?? {}).map((q) => `query ${q}`),
      ],
      balancing: upstream.balancing,
      retries: upstream.retries,
      circuitBreaker: upstream.circuitBreaker !== undefined,
      healthCheck: {
        passive: upstream.healthCheck?.passive !== undefined,
        active: upstream.healthCheck?.active !== undefined,
      },
      targets: route.upstream.status(),
    },
  };
}
