/**
 * The proxy's Prometheus series, read from the live objects at scrape time (nothing is counted
 * twice on the hot path): each target's availability, breaker state and calls in flight, and
 * each WebSocket route's open connections and messages relayed.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CompiledRoute } from './compile.js';
import type { WebSocketHub } from './websocket/hub.js';

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

/** Registers the proxy's series on `registry`. */
export function registerProxyMetrics(
  registry: Registry,
  currentRoutes: () => readonly CompiledRoute[],
  hub: WebSocketHub,
): void {
  new Gauge({
    name: 'keyward_upstream_target_up',
    help: 'Whether a route target is in rotation (healthy and its circuit breaker not open)',
    labelNames: ['route', 'target'],
    registers: [registry],
    collect() {
      this.reset();
      for (const route of currentRoutes())
        for (const t of route.upstream.status())
          this.set({ route: route.name, target: t.origin }, t.available ? 1 : 0);
    },
  });
  new Gauge({
    name: 'keyward_upstream_circuit_state',
    help: 'Circuit breaker state of a route target (1 for the current state)',
    labelNames: ['route', 'target', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const route of currentRoutes()) {
        for (const t of route.upstream.status()) {
          if (t.breaker === 'none') continue;
          for (const state of BREAKER_STATES)
            this.set({ route: route.name, target: t.origin, state }, t.breaker === state ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: 'keyward_upstream_target_pending',
    help: 'Calls and WebSockets in flight to a route target',
    labelNames: ['route', 'target'],
    registers: [registry],
    collect() {
      this.reset();
      for (const route of currentRoutes())
        for (const t of route.upstream.status()) this.set({ route: route.name, target: t.origin }, t.pending);
    },
  });
  const websocketRoutes = () =>
    currentRoutes()
      .filter((r) => r.websocket !== null)
      .map((r) => r.name);
  new Gauge({
    name: 'keyward_websocket_connections',
    help: 'Open proxied WebSocket connections',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      for (const route of websocketRoutes()) this.set({ route }, hub.stats(route).open);
    },
  });
  const relayed = new Map<string, { in: number; out: number }>();
  new Counter({
    name: 'keyward_websocket_messages_total',
    help: 'WebSocket messages relayed; direction "in" is from callers, "out" to them',
    labelNames: ['route', 'direction'],
    registers: [registry],
    collect() {
      for (const route of websocketRoutes()) {
        const stats = hub.stats(route);
        const seen = relayed.get(route) ?? { in: 0, out: 0 };
        this.inc({ route, direction: 'in' }, stats.messagesIn - seen.in);
        this.inc({ route, direction: 'out' }, stats.messagesOut - seen.out);
        relayed.set(route, { in: stats.messagesIn, out: stats.messagesOut });
      }
    },
  });
}
