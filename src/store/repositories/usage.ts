/** Request counts per minute, principal, route and status class; written in batches. */
import { type Kysely, sql } from 'kysely';
import { writeInChunks } from '../chunks.js';
import type { Database } from '../tables.js';

export interface UsageCount {
  bucket: number;
  principal: string;
  route: string;
  statusClass: string;
  count: number;
}

export interface UsageQuery {
  from: number;
  to: number;
  bucketMs: number;
  principal?: string;
  route?: string;
}

export interface SeriesQuery {
  from: number;
  to: number;
  bucketMs: number;
  /** Only these principals (an empty list matches nothing). */
  principals?: readonly string[];
  route?: string;
  /** Leave out these routes (Keyward's own pages and APIs in a traffic overview). */
  excludeRoutes?: readonly string[];
}

/** Counts of one bucket and status class, summed over principals and routes. */
export interface SeriesCount {
  bucket: number;
  statusClass: string;
  count: number;
}

export class UsageRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Adds a batch of counts (multi-row statements, counts summed into existing rows). */
  async add(counts: readonly UsageCount[]): Promise<void> {
    await writeInChunks(counts, (chunk) =>
      this.#db
        .insertInto('usage_minutes')
        .values(
          chunk.map((c) => ({
            bucket: c.bucket,
            principal: c.principal,
            route: c.route,
            status_class: c.statusClass,
            count: c.count,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['bucket', 'principal', 'route', 'status_class'])
            .doUpdateSet((eb) => ({ count: eb('usage_minutes.count', '+', eb.ref('excluded.count')) })),
        )
        .execute(),
    );
  }

  /** Counts grouped into buckets of `bucketMs` (a minute, hour or day) within [from, to). */
  async query(q: UsageQuery): Promise<UsageCount[]> {
    // A literal, not a parameter: SQLite binds JS numbers as REAL, which would make this float division.
    const size = sql.lit(Math.trunc(q.bucketMs));
    const bucket = sql<number>`(bucket / ${size}) * ${size}`;
    let query = this.#db
      .selectFrom('usage_minutes')
      .select([bucket.as('b'), 'principal', 'route', 'status_class', sql<number>`sum(count)`.as('total')])
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to)
      .groupBy([bucket, 'principal', 'route', 'status_class'])
      .orderBy('b')
      .orderBy('principal')
      .orderBy('route')
      .orderBy('status_class')
      .limit(10_000);
    if (q.principal) query = query.where('principal', '=', q.principal);
    if (q.route) query = query.where('route', '=', q.route);
    const rows = await query.execute();
    return rows.map((r) => ({
      bucket: Number(r.b),
      principal: r.principal,
      route: r.route,
      statusClass: r.status_class,
      count: Number(r.total),
    }));
  }

  /** Counts per bucket and status class within [from, to), for charts. */
  async series(q: SeriesQuery): Promise<SeriesCount[]> {
    if (q.principals?.length === 0) return [];
    const size = sql.lit(Math.trunc(q.bucketMs));
    const bucket = sql<number>`(bucket / ${size}) * ${size}`;
    let query = this.#db
      .selectFrom('usage_minutes')
      .select([bucket.as('b'), 'status_class', sql<number>`sum(count)`.as('total')])
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to)
      .groupBy([bucket, 'status_class'])
      .orderBy('b');
    if (q.principals) query = query.where('principal', 'in', [...q.principals]);
    if (q.route) query = query.where('route', '=', q.route);
    if (q.excludeRoutes?.length) query = query.where('route', 'not in', [...q.excludeRoutes]);
    const rows = await query.execute();
    return rows.map((r) => ({ bucket: Number(r.b), statusClass: r.status_class, count: Number(r.total) }));
  }
}
