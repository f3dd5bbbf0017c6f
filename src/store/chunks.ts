/** Batched writes in bounded statements, yielding to the event loop between them. */
import { setImmediate as nextTurn } from 'node:timers/promises';

const CHUNK_ROWS = 200;

/**
 * Runs `write` over `rows` in chunks. SQLite work is synchronous, so one huge statement (or a
 * row-by-row loop) would stall every in-flight request for the whole flush; chunks with a turn
 * of the event loop between them keep request latency flat.
 */
export async function writeInChunks<T>(
  rows: readonly T[],
  write: (chunk: T[]) => Promise<unknown>,
  chunkRows = CHUNK_ROWS,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunkRows) {
    if (i > 0) await nextTurn();
    await write(rows.slice(i, i + chunkRows));
  }
}
