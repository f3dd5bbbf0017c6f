/**
 * Usage as chart series: request counts per time bucket and status class over a recent window
 * (the last hour, day, week or month), zero-filled so every bucket has a point. The dashboard's
 * overview, per-key and per-route charts and the portal's usage chart all read this shape.
 */

import { Type } from '@sinclair/typebox';
import type { SeriesQuery, UsageRepository } from '../store/repositories/usage.js';

/** The windows a chart can show, each with the bucket size that gives it 30-100 points. */
export const WINDOWS = {
  '1h': { spanMs: 3_600_000, bucketMs: 60_000 },
  '24h': { spanMs: 86_400_000, bucketMs: 900_000 },
  '7d': { spanMs: 7 * 86_400_000, bucketMs: 7_200_000 },
  '30d': { spanMs: 30 * 86_400_000, bucketMs: 86_400_000 },
} as const;

export type UsageWindow = keyof typeof WINDOWS;

/** The classes a series counts (1xx counts only towards the total). */
export const SERIES_CLASSES = ['2xx', '3xx', '4xx', '5xx', '429'] as const;

const REQUEST_CLASSES = new Set<string>(['1xx', ...SERIES_CLASSES]);

type Columns = Record<'total' | (typeof SERIES_CLASSES)[number], number[]>;

/** Counts over a window: `times[i]` (unix seconds, bucket start) has `counts.<class>[i]` requests. */
export interface UsageSeries {
  window: UsageWindow;
  bucketSeconds: number;
  from: string;
  to: string;
  times: number[];
  counts: Columns;
  totals: Record<keyof Columns, number>;
}

export interface SeriesOptions {
  window: UsageWindow;
  now: number;
  principals?: readonly string[];
  route?: string;
  excludeRoutes?: readonly string[];
}

/** Reads the window's counts and lays them out as zero-filled columns. */
export async function usageSeries(
  repository: Pick<UsageRepository, 'series'>,
  options: SeriesOptions,
): Promise<UsageSeries> {
  const { spanMs, bucketMs } = WINDOWS[options.window];
  // The current, partly filled bucket is the last point.
  const to = Math.floor(options.now / bucketMs) * bucketMs + bucketMs;
  const from = to - spanMs;
  const query: SeriesQuery = { from, to, bucketMs };
  if (options.principals) query.principals = options.principals;
  if (options.route) query.route = options.route;
  if (options.excludeRoutes) query.excludeRoutes = options.excludeRoutes;
  const rows = await repository.series(query);
  const points = spanMs / bucketMs;
  const column = () => new Array<number>(points).fill(0);
  const counts: Columns = {
    total: column(),
    '2xx': column(),
    '3xx': column(),
    '4xx': column(),
    '5xx': column(),
    '429': column(),
  };
  for (const row of rows) {
    const i = Math.floor((row.bucket - from) / bucketMs);
    // Requests only: WebSocket message counts (class `msg`) are not requests.
    if (i < 0 || i >= points || !REQUEST_CLASSES.has(row.statusClass)) continue;
    counts.total[i]! += row.count;
    const cls = counts[row.statusClass as keyof Columns];
    if (cls && row.statusClass !== 'total') cls[i]! += row.count;
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    window: options.window,
    bucketSeconds: bucketMs / 1000,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    times: Array.from({ length: points }, (_, i) => (from + i * bucketMs) / 1000),
    counts,
    totals: {
      total: sum(counts.total),
      '2xx': sum(counts['2xx']),
      '3xx': sum(counts['3xx']),
      '4xx': sum(counts['4xx']),
      '5xx': sum(counts['5xx']),
      '429': sum(counts['429']),
    },
  };
}

/**
 * Route names of Keyward's own pages and APIs. A traffic overview leaves them out, so the
 * dashboard watching itself does not show up as gateway traffic.
 */
export const OWN_ROUTES = ['admin', 'auth', 'jwks', 'docs', 'ui', 'portal', 'landing', 'map'] as const;

/** The `window` query parameter of usage charts, as a schema. */
export const WindowSchema = Type.Union(
  Object.keys(WINDOWS).map((w) => Type.Literal(w)),
  { default: '1h', description: 'how far back: 1h (minute points), 24h (15 min), 7d (2 h), 30d (days)' },
);
