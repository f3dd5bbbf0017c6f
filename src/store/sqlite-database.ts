/**
 * Adapts Node's built-in `node:sqlite` to the database interface Kysely's SqliteDialect expects
 * (the better-sqlite3 shape). Why not better-sqlite3 itself: it is a native addon, and npm on
 * these machines compiles addons against the system Node's headers, so it breaks under the
 * Node 24 the project pins; `node:sqlite` is the same SQLite engine with nothing to compile.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { type Checkpointer, startCheckpointer } from './checkpointer.js';

const STATEMENT_CACHE_SIZE = 256;

function bindable(params: readonly unknown[]): SQLInputValue[] {
  return params.map((p) => {
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p === undefined) return null;
    if (p instanceof Date) return p.getTime();
    return p as SQLInputValue;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return this.#statement.all(...bindable(parameters));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...bindable(parameters));
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    yield* this.#statement.iterate(...bindable(parameters));
  }
}

export interface SqliteOptions {
  busyTimeoutMs?: number;
  /** Checkpoint the WAL on a worker thread instead of inside commits (serving processes). */
  checkpointInBackground?: boolean;
  /** Starts the checkpoint worker (tests give one that fails, to see the fallback). */
  startCheckpointer?: typeof startCheckpointer;
}

/** A SQLite database for Kysely, and the way to stop its checkpoint thread before closing it. */
export interface OpenedSqlite extends SqliteDatabase {
  /** Stops the checkpoint thread (if any) and waits until it has closed its connection. */
  stopCheckpoints(): Promise<void>;
}

/** SQLite's own threshold for automatic checkpoints, in WAL pages, restored if the worker dies. */
const AUTO_CHECKPOINT_PAGES = 1000;

/**
 * Opens a SQLite file (or `:memory:`) with WAL, foreign keys and a busy timeout.
 * `synchronous = NORMAL` under WAL: a commit is written to the log (in the OS's cache) before it
 * returns, so it survives the process being killed; only a power cut can lose the last commits,
 * the price of not waiting for an fsync on every commit.
 */
export function openSqliteDatabase(path: string, options: SqliteOptions = {}): OpenedSqlite {
  const db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 5000 });
  if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA synchronous = NORMAL');
  let checkpointer: Checkpointer | null = null;
  if (options.checkpointInBackground && path !== ':memory:') {
    db.exec('PRAGMA wal_autocheckpoint = 0');
    checkpointer = (options.startCheckpointer ?? startCheckpointer)(path, () => {
      if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    });
  }
  // Prepared statements are reused: Kysely prepares per query, and SQL text repeats on hot paths.
  const cache = new Map<string, NodeSqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (!statement) {
        statement = new NodeSqliteStatement(db.prepare(sql));
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
    async stopCheckpoints(): Promise<void> {
      await checkpointer?.stop();
    },
    close(): void {
      // Normally stopped already (Store.close); a last checkpoint then runs as this one closes.
      void checkpointer?.stop();
      cache.clear();
      if (db.isOpen) db.close();
    },
  };
}
