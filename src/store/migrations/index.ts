/**
 * Versioned migrations, applied in name order by Kysely's Migrator (`keyward migrate` and at
 * start). Written with Kysely's schema builder and portable column types so the same list runs
 * on SQLite and Postgres. Never edit a shipped migration; add a new one.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types
type AnyDb = Kysely<any>;

const migrations: Record<string, Migration> = {
  '0001_settings_and_audit': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'varchar(200)', (c) => c.notNull())
        .addColumn('action', 'varchar(100)', (c) => c.notNull())
        .addColumn('target_type', 'varchar(50)', (c) => c.notNull())
        .addColumn('target_id', 'varchar(200)')
        .addColumn('ip', 'varchar(64)')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
    },
  },
  '0002_api_keys': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('prefix', 'varchar(20)', (c) => c.notNull())
        .addColumn('digest', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('last4', 'varchar(4)', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('plan', 'varchar(64)')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('remaining_uses', 'bigint')
        .addColumn('allowed_origins', 'text')
        .addColumn('allowed_ips', 'text')
        .addColumn('rotated_to', 'varchar(40)')
        .addColumn('grace_until', 'bigint')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.createIndex('api_keys_created').on('api_keys').columns(['created_at', 'id']).execute();
    },
  },
  '0003_users_and_tokens': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('username', 'varchar(100)', (c) => c.notNull().unique())
        .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('family_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('digest', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
      await db.schema.createIndex('refresh_tokens_user').on('refresh_tokens').column('user_id').execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('algorithm', 'varchar(16)', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_sealed', 'text', (c) => c.notNull())
        .addColumn('master_key_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();
    },
  },
  '0004_secrets': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('secrets')
        .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('key_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0005_places': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('places')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(800)', (c) => c.notNull())
        .addColumn('latitude', 'double precision', (c) => c.notNull())
        .addColumn('longitude', 'double precision', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('places_created').on('places').columns(['created_at', 'id']).execute();
    },
  },
  '0006_usage': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('usage_minutes')
        .addColumn('bucket', 'bigint', (c) => c.notNull())
        .addColumn('principal', 'varchar(200)', (c) => c.notNull())
        .addColumn('route', 'varchar(100)', (c) => c.notNull())
        .addColumn('status_class', 'varchar(3)', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_minutes_pk', ['bucket', 'principal', 'route', 'status_class'])
        .execute();
      await db.schema
        .createIndex('usage_minutes_principal')
        .on('usage_minutes')
        .columns(['principal', 'bucket'])
        .execute();
    },
  },
  '0007_quota_counters': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('quota_counters')
        .addColumn('id', 'varchar(400)', (c) => c.notNull())
        .addColumn('period_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('quota_counters_pk', ['id', 'period_start'])
        .execute();
    },
  },
  '0008_api_keys_prefix_index': {
    async up(db: AnyDb) {
      // Start-up asks whether any key was imported in a foreign format (prefix ''): an index
      // answers that without scanning every key.
      await db.schema.createIndex('api_keys_prefix').on('api_keys').column('prefix').execute();
    },
  },
  '0017_portal': {
    async up(db: AnyDb) {
      // The developer who made a key in the portal; null for keys an operator made.
      await db.schema.alterTable('api_keys').addColumn('owner_id', 'varchar(40)').execute();
      await db.schema.createIndex('api_keys_owner').on('api_keys').columns(['owner_id', 'id']).execute();
      await db.schema
        .createTable('invitations')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('digest', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('note', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('used_by', 'varchar(100)')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
};

/** Supplies the in-code migration list to Kysely's Migrator. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
