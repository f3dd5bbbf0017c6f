/**
 * Opens the store named by `storage.url` and runs migrations. Everything else reaches the
 * database through the repositories hung on the returned `Store`.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { migrationProvider } from './migrations/index.js';
import { ApiKeyRepository } from './repositories/api-keys.js';
import { AuditRepository } from './repositories/audit.js';
import { InvitationRepository } from './repositories/invitations.js';
import { PlaceRepository } from './repositories/places.js';
import { RefreshTokenRepository } from './repositories/refresh-tokens.js';
import { SecretRepository } from './repositories/secrets.js';
import { SettingsRepository } from './repositories/settings.js';
import { SigningKeyRepository } from './repositories/signing-keys.js';
import { UsageRepository } from './repositories/usage.js';
import { UserRepository } from './repositories/users.js';
import { openSqliteDatabase } from './sqlite-database.js';
import type { Database } from './tables.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  readonly settings: SettingsRepository;
  readonly audit: AuditRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly secrets: SecretRepository;
  readonly usage: UsageRepository;
  readonly places: PlaceRepository;
  readonly users: UserRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly invitations: InvitationRepository;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  clock?: Clock;
  /** Apply pending migrations before returning (start does; tools may not). */
  migrate?: boolean;
  /** SQLite: checkpoint the WAL on a worker thread, off the event loop (serving processes). */
  checkpointInBackground?: boolean;
}

/** Thrown for a storage URL this build cannot open; the message is safe to print. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** Opens `sqlite:PATH` (data directory created if missing) or `postgres://…`, then migrates. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const sqlite =
    dialect === 'sqlite'
      ? openSqlite(url.slice('sqlite:'.length), options.checkpointInBackground === true)
      : null;
  const db = sqlite?.db ?? openPostgres(url);
  const clock = options.clock ?? systemClock;
  const store: Store = {
    db,
    dialect,
    settings: new SettingsRepository(db),
    audit: new AuditRepository(db, clock),
    apiKeys: new ApiKeyRepository(db),
    secrets: new SecretRepository(db),
    usage: new UsageRepository(db),
    places: new PlaceRepository(db, clock),
    users: new UserRepository(db),
    refreshTokens: new RefreshTokenRepository(db),
    signingKeys: new SigningKeyRepository(db),
    invitations: new InvitationRepository(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      // The checkpoint thread first, so this connection is the last one and cleans up the log.
      await sqlite?.stopCheckpoints();
      await db.destroy();
    },
  };
  if (options.migrate !== false) {
    try {
      await migrateStore(store);
    } catch (error) {
      await db.destroy().catch(() => {});
      throw error;
    }
  }
  return store;
}

function openSqlite(
  path: string,
  checkpointInBackground: boolean,
): { db: Kysely<Database>; stopCheckpoints(): Promise<void> } {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    } catch (error) {
      throw new StoreOpenError(`cannot create the data directory for ${path}: ${(error as Error).message}`);
    }
  }
  try {
    const database = openSqliteDatabase(path, { checkpointInBackground });
    return {
      db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }),
      stopCheckpoints: () => database.stopCheckpoints(),
    };
  } catch (error) {
    throw new StoreOpenError(`cannot open ${path}: ${(error as Error).message}${directoryProblem(path)}`);
  }
}

/** Why SQLite may not write beside `path` (read-only file system, no permission), or ''. */
function directoryProblem(path: string): string {
  if (path === ':memory:') return '';
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
    return '';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return ' (its directory is on a read-only file system)';
    if (code === 'EACCES' || code === 'EPERM') return ' (no permission to write in its directory)';
    return '';
  }
}

// Times and counters are bigint columns; they are far below 2^53, so read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Applies every pending migration; returns the names applied. */
export async function migrateStore(store: Pick<Store, 'db'>): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider,
    migrationTableName: 'kw_migrations',
    migrationLockTableName: 'kw_migrations_lock',
    // Migration names leave gaps for features landing in parallel (0003, 0005...): a store that
    // already ran a later one must still get an earlier one added afterwards.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // Never echo a connection string: it may carry a password.
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /postgres(ql)?:\/\/\S*/g,
      'postgres://…',
    );
    throw new StoreOpenError(
      failed ? `migration ${failed} failed: ${message}` : `cannot use the database: ${message}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
