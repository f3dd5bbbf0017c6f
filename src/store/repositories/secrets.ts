/** Storage of sealed secret values. Only envelopes are stored; plaintext never reaches this layer. */
import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface SealedSecret {
  name: string;
  sealed: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

export class SecretRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts or replaces a sealed value. */
  async put(name: string, sealed: string, keyId: string, now: number): Promise<void> {
    await this.#db
      .insertInto('secrets')
      .values({ name, sealed, key_id: keyId, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ sealed, key_id: keyId, updated_at: now }))
      .execute();
  }

  /** One sealed secret, if present. */
  async get(name: string): Promise<SealedSecret | undefined> {
    const row = await this.#db.selectFrom('secrets').selectAll().where('name', '=', name).executeTakeFirst();
    return (
      row && {
        name: row.name,
        sealed: row.sealed,
        keyId: row.key_id,
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      }
    );
  }

  /** All secrets, by name (sealed values included for re-encryption; never print them). */
  async all(): Promise<SealedSecret[]> {
    const rows = await this.#db.selectFrom('secrets').selectAll().orderBy('name').execute();
    return rows.map((row) => ({
      name: row.name,
      sealed: row.sealed,
      keyId: row.key_id,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  /** Deletes a secret; false when it did not exist. */
  async remove(name: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('secrets').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Replaces every envelope at once (master key rotation). */
  async replaceAll(
    rows: readonly { name: string; sealed: string; keyId: string }[],
    now: number,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      for (const row of rows) {
        await trx
          .updateTable('secrets')
          .set({ sealed: row.sealed, key_id: row.keyId, updated_at: now })
          .where('name', '=', row.name)
          .execute();
      }
    });
  }
}
