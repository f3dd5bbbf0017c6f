/** Calendar quota counters kept in the store, so day and month quotas survive restarts. */
import type { Kysely } from 'kysely';
import { writeInChunks } from '../store/chunks.js';
import type { Database } from '../store/tables.js';
import { type QuotaKey, type QuotaPersistence, quotaKey } from './local.js';

/** QuotaPersistence on the `quota_counters` table (SQLite or Postgres). */
export class SqlQuotaPersistence implements QuotaPersistence {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async load(keys: readonly QuotaKey[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (keys.length === 0) return counts;
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

  async save(entries: readonly (QuotaKey & { count: number })[]): Promise<void> {
    await writeInChunks(entries, (chunk) =>
      this.#db
        .insertInto('quota_counters')
        .values(chunk.map((e) => ({ id: e.id, period_start: e.periodStart, count: e.count })))
        .onConflict((oc) =>
          oc.columns(['id', 'period_start']).doUpdateSet((eb) => ({ count: eb.ref('excluded.count') })),
        )
        .execute(),
    );
  }
}
