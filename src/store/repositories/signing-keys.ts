/** Storage of the gateway's JWT signing keys: public JWKs in clear, private keys only sealed. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from '../tables.js';

export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  /** JSON text of the public JWK. */
  publicJwk: string;
  /** Master-key envelope of the PKCS#8 private key. */
  privateSealed: string;
  masterKeyId: string;
  createdAt: number;
  retiredAt: number | null;
}

function fromRow(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    publicJwk: row.public_jwk,
    privateSealed: row.private_sealed,
    masterKeyId: row.master_key_id,
    createdAt: Number(row.created_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  };
}

export class SigningKeyRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every key, oldest first. */
  async all(): Promise<SigningKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('kid')
      .execute();
    return rows.map(fromRow);
  }

  /** Adds a key and retires every other current key in one transaction (first start and rotation). */
  async insertAndRetireOthers(key: SigningKeyRecord, now: number): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
      await tx
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          algorithm: key.algorithm,
          public_jwk: key.publicJwk,
          private_sealed: key.privateSealed,
          master_key_id: key.masterKeyId,
          created_at: key.createdAt,
          retired_at: key.retiredAt,
        })
        .execute();
    });
  }

  /** Replaces the sealed private keys (master key rotation). */
  async reseal(
    updates: readonly { kid: string; privateSealed: string; masterKeyId: string }[],
  ): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      for (const u of updates) {
        await tx
          .updateTable('signing_keys')
          .set({ private_sealed: u.privateSealed, master_key_id: u.masterKeyId })
          .where('kid', '=', u.kid)
          .execute();
      }
    });
  }
}
