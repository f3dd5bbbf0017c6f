/**
 * Prometheus metrics on a registry of Keyward's own (not prom-client's global one, so several
 * apps in one process — tests, workers — never collide): request counts and latency per route,
 * plus process metrics.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly limiterFallbacks: Counter<'route'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
    this.requests = new Counter({
      name: 'keyward_requests_total',
      help: 'Requests answered, by route, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'keyward_request_duration_seconds',
      help: 'Time from request to response, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.limiterFallbacks = new Counter({
      name: 'keyward_limiter_fallback_total',
      help: 'Requests limited by the local fallback because the shared counter store failed',
      labelNames: ['route'],
      registers: [this.registry],
    });
  }

  /** Records one answered request. */
  observe(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.duration.observe({ route }, seconds);
  }
}
