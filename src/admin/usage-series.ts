/**
 * `GET /usage/series?window=1h|24h|7d|30d&key=&route=`: request counts per time bucket and
 * status class (2xx, 3xx, 4xx, 5xx and 429 apart), zero-filled, for the dashboard's charts.
 * Without `key` or `route` it is the gateway's traffic: Keyward's own pages and APIs are left out.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { UsageRepository } from '../store/repositories/usage.js';
import { OWN_ROUTES, type UsageWindow, usageSeries, WindowSchema } from '../telemetry/usage-series.js';

export interface UsageSeriesRouteOptions {
  usage: Pick<UsageRepository, 'series'>;
  /** Writes counts still held in memory, so a chart includes the last few seconds. */
  flush: () => Promise<void>;
  clock: Clock;
}

const SeriesQuery = Type.Object(
  {
    window: WindowSchema,
    key: Type.Optional(Type.String({ pattern: '^key_[0-9A-Za-z]{1,40}$' })),
    route: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  },
  { additionalProperties: false },
);

const Column = Type.Array(Type.Integer());
const Classes = { total: Column, '2xx': Column, '3xx': Column, '4xx': Column, '5xx': Column, '429': Column };
/** The response shape, shared with the portal's own usage endpoint. */
export const SeriesResponse = Type.Object({
  window: Type.String(),
  bucketSeconds: Type.Integer(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  times: Type.Array(Type.Integer(), { description: 'bucket starts, unix seconds' }),
  counts: Type.Object(Classes),
  totals: Type.Object(
    Object.fromEntries(Object.keys(Classes).map((k) => [k, Type.Integer()])) as Record<
      keyof typeof Classes,
      ReturnType<typeof Type.Integer>
    >,
  ),
});

/** Registers the series route. */
export function registerUsageSeriesRoute(app: FastifyInstance, options: UsageSeriesRouteOptions): void {
  app.get<{ Querystring: Static<typeof SeriesQuery> }>(
    '/usage/series',
    { schema: { tags: ['admin'], querystring: SeriesQuery, response: { 200: SeriesResponse } } },
    async (request) => {
      const { window, key, route } = request.query;
      await options.flush();
      return usageSeries(options.usage, {
        window: window as UsageWindow,
        now: options.clock.now(),
        ...(key ? { principals: [key] } : {}),
        ...(route ? { route } : {}),
        ...(key || route ? {} : { excludeRoutes: OWN_ROUTES }),
      });
    },
  );
}
