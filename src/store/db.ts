/**
 * Opens the store named by `storage.url` and runs migrations. Everything else reaches the
 * database through the repositories hung on the returned `Store`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { migrationProvider } from './migrations/index.js';
import { ApiKeyRepository } from './repositories/api-keys.js';
import { AuditRepository } from './repositories/audit.js';
import { SecretRepository } from './repositories/secrets.js';
import { SettingsRepository } from './repositories/settings.js';
import { UsageRepository } from './repositories/usage.js';
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
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  clock?: Clock;
  /** Apply pending migrations before returning (start does; tools may not). */
  migrate?: boolean;
}

/** Thrown for a storage URL this build cannot open; the message is safe to print. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** Opens `sqlite:PATH` (data directory created if missing). */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (!url.startsWith('sqlite:')) {
    throw new StoreOpenError('only sqlite: storage is supported in this build');
  }
  const path = url.slice('sqlite:'.length);
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    } catch (error) {
      throw new StoreOpenError(`cannot create the data directory for ${path}: ${(error as Error).message}`);
    }
  }
  let database: ReturnType<typeof openSqliteDatabase>;
  try {
    database = openSqliteDatabase(path);
  } catch (error) {
    throw new StoreOpenError(`cannot open ${path}: ${(error as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const clock = options.clock ?? systemClock;
  const store: Store = {
    db,
    dialect: 'sqlite',
    settings: new SettingsRepository(db),
    audit: new AuditRepository(db, clock),
    apiKeys: new ApiKeyRepository(db),
    secrets: new SecretRepository(db),
    usage: new UsageRepository(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
  if (options.migrate !== false) await migrateStore(store);
  return store;
}

/** Applies every pending migration; returns the names applied. */
export async function migrateStore(store: Pick<Store, 'db'>): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider,
    migrationTableName: 'kw_migrations',
    migrationLockTableName: 'kw_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreOpenError(`migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
