/**
 * Calendar quota counters kept in the store, so day and month quotas survive restarts (and a
 * lost Redis). Every write adds to the stored count (`count = count + n`) in one statement, so
 * processes and instances writing the same counter never overwrite each other's totals.
 */
import type { CompiledQuery, Kysely, Selectable } from 'kysely';
import { writeInChunks } from '../store/chunks.js';
import { withParameters } from '../store/compiled.js';
import type { Database, QuotaCountersTable } from '../store/tables.js';
import { type QuotaKey, type QuotaPersistence, quotaKey } from './backends/local.js';

/** QuotaPersistence on the `quota_counters` table (SQLite or Postgres). */
export class SqlQuotaPersistence implements QuotaPersistence {
  readonly #db: Kysely<Database>;
  /** One counter's row: what a request with a key new to this process asks (compiled once). */
  readonly #one: CompiledQuery<Selectable<QuotaCountersTable>>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#one = db
      .selectFrom('quota_counters')
      .selectAll()
      .where('id', '=', '')
      .where('period_start', '=', 0)
      .compile();
  }

  async load(keys: readonly QuotaKey[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (keys.length === 0) return counts;
    if (keys.length === 1) {
      const [key] = keys as [QuotaKey];
      const { rows } = await this.#db.executeQuery(withParameters(this.#one, [key.id, key.periodStart]));
      for (const row of rows) counts.set(quotaKey(row.id, Number(row.period_start)), Number(row.count));
      return counts;
    }
    const rows = await this.#db
      .selectFrom('quota_counters')
      .selectAll()
      .where((eb) =>
        eb.or(keys.map((k) => eb.and([eb('id', '=', k.id), eb('period_start', '=', k.periodStart)]))),
      )
      .execute();
    for (const row of rows) counts.set(quotaKey(row.id, Number(row.period_start)), Number(row.count));
    return counts;
  }

  async add(entries: readonly (QuotaKey & { delta: number })[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    await writeInChunks(
      entries.filter((e) => e.delta !== 0),
      async (chunk) => {
        const rows = await this.#db
          .insertInto('quota_counters')
          .values(chunk.map((e) => ({ id: e.id, period_start: e.periodStart, count: e.delta })))
          .onConflict((oc) =>
            oc.columns(['id', 'period_start']).doUpdateSet((eb) => ({
              count: eb(eb.ref('quota_counters.count'), '+', eb.ref('excluded.count')),
            })),
          )
          .returning(['id', 'period_start', 'count'])
          .execute();
        for (const row of rows) totals.set(quotaKey(row.id, Number(row.period_start)), Number(row.count));
      },
    );
    return totals;
  }
}
