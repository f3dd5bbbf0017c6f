/** `GET /usage?key=&route=&from=&to=&bucket=minute|hour|day`: request counts by bucket, principal, route and status class. */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { KeywardError } from '../errors.js';
import type { UsageRepository } from '../store/repositories/usage.js';
import type { UsageRecorder } from '../telemetry/usage.js';

const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

const UsageQuery = Type.Object(
  {
    key: Type.Optional(Type.String({ maxLength: 200 })),
    route: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    bucket: Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
      default: 'hour',
    }),
  },
  { additionalProperties: false },
);

export interface UsageRouteOptions {
  /** Pending counts, flushed before a query so it sees the last minute too. */
  recorder: Pick<UsageRecorder, 'flush'>;
  rows: Pick<UsageRepository, 'query'>;
  clock: Clock;
}

/** Registers the usage route. */
export async function registerUsageRoutes(app: FastifyInstance, options: UsageRouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof UsageQuery> }>(
    '/usage',
    { schema: { querystring: UsageQuery } },
    async (request) => {
      const q = request.query;
      const to = q.to ? Date.parse(q.to) : options.clock.now() + 60_000;
      const from = q.from ? Date.parse(q.from) : to - 86_400_000 - 60_000;
      if (from >= to)
        throw new KeywardError('KW_ERR_VALIDATION', {
          detail: 'from must be before to.',
          errors: [{ path: 'query.from', message: 'must be before to' }],
        });
      await options.recorder.flush();
      const rows = await options.rows.query({
        from,
        to,
        bucketMs: BUCKETS[q.bucket],
        ...(q.key ? { principal: q.key } : {}),
        ...(q.route ? { route: q.route } : {}),
      });
      return {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        bucket: q.bucket,
        items: rows.map((r) => ({
          bucket: new Date(r.bucket).toISOString(),
          key: r.principal,
          route: r.route,
          status: r.statusClass,
          count: r.count,
        })),
      };
    },
  );
}
