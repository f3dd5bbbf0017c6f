/**
 * Queries compiled once and run with new parameters: for the hot path, where building and
 * compiling a Kysely query each time cost about as much as SQLite answering it (~25 µs each).
 */
import type { CompiledQuery } from 'kysely';

/**
 * `query` with `parameters` in place of the ones it was compiled with (same count and order).
 * Only for queries whose SQL does not depend on the values (no lists, no conditional clauses).
 */
export function withParameters<R>(query: CompiledQuery<R>, parameters: readonly unknown[]): CompiledQuery<R> {
  if (parameters.length !== query.parameters.length)
    throw new Error(`expected ${query.parameters.length} parameters, got ${parameters.length}`);
  return { ...query, parameters };
}
