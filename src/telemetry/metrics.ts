/**
 * Prometheus metrics on a registry of Keyward's own (not prom-client's global one, so several
 * apps in one process — tests, workers — never collide): request counts and latency per route,
 * plus process metrics.
 *
 * Requests are tallied in plain per-route numbers and handed to prom-client when /metrics is
 * scraped: prom-client's `inc`/`observe` build and hash a label string on every call, which
 * profiled at ~2 % of the gateway's CPU on the proxy path.
 */
import { Counter, collectDefaultMetrics, type Metric, Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One route's tallies: request counts by method and status since the last scrape, and latency. */
class RouteTally {
  readonly byMethod = new Map<string, Map<number, number>>();
  /** Observations per bucket (the last slot is +Inf), cumulative over the process lifetime. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly limiterFallbacks: Counter<'route'>;
  readonly #routes = new Map<string, RouteTally>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
    const routes = this.#routes;
    new Counter({
      name: 'keyward_requests_total',
      help: 'Requests answered, by route, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
      collect() {
        for (const [route, tally] of routes) {
          for (const [method, byStatus] of tally.byMethod) {
            for (const [status, n] of byStatus) {
              if (n === 0) continue;
              this.inc({ route, method, status: String(status) }, n);
              byStatus.set(status, 0);
            }
          }
        }
      },
    });
    this.registry.registerMetric(durationHistogram(routes) as unknown as Metric);
    this.limiterFallbacks = new Counter({
      name: 'keyward_limiter_fallback_total',
      help: 'Requests limited by the local fallback because the shared counter store failed',
      labelNames: ['route'],
      registers: [this.registry],
    });
  }

  /** Records one answered request. */
  observe(route: string, method: string, status: number, seconds: number): void {
    let tally = this.#routes.get(route);
    if (tally === undefined) {
      tally = new RouteTally();
      this.#routes.set(route, tally);
    }
    let byStatus = tally.byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      tally.byMethod.set(method, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) bucket++;
    tally.buckets[bucket] = (tally.buckets[bucket] as number) + 1;
    tally.sum += seconds;
    tally.count++;
  }
}

/**
 * `keyward_request_duration_seconds` as prom-client's registry expects a histogram to present
 * itself (the shape of `Histogram#get()`): cumulative `_bucket` series per route, then +Inf,
 * `_sum` and `_count`.
 */
function durationHistogram(routes: ReadonlyMap<string, RouteTally>) {
  const name = 'keyward_request_duration_seconds';
  return {
    name,
    help: 'Time from request to response, by route',
    type: 'histogram',
    aggregator: 'sum',
    reset: () => {
      for (const tally of routes.values()) {
        tally.buckets.fill(0);
        tally.sum = 0;
        tally.count = 0;
      }
    },
    get: async () => {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const [route, tally] of routes) {
        let cumulative = 0;
        DURATION_BUCKETS.forEach((le, i) => {
          cumulative += tally.buckets[i] as number;
          values.push({ labels: { le, route }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { le: '+Inf', route }, value: tally.count, metricName: `${name}_bucket` });
        values.push({ labels: { route }, value: tally.sum, metricName: `${name}_sum` });
        values.push({ labels: { route }, value: tally.count, metricName: `${name}_count` });
      }
      return {
        name,
        help: 'Time from request to response, by route',
        type: 'histogram',
        values,
        aggregator: 'sum',
      };
    },
  };
}
