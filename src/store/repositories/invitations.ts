/** Storage of portal invitations. Only digests of the codes are stored; a code is shown once, at creation. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, InvitationsTable } from '../tables.js';

export interface InvitationRecord {
  id: string;
  digest: string;
  note: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: string | null;
  revokedAt: number | null;
}

function fromRow(row: Selectable<InvitationsTable>): InvitationRecord {
  return {
    id: row.id,
    digest: row.digest,
    note: row.note,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
    usedBy: row.used_by,
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export class InvitationRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Stores a new invitation. */
  async insert(record: InvitationRecord): Promise<void> {
    await this.#db
      .insertInto('invitations')
      .values({
        id: record.id,
        digest: record.digest,
        note: record.note,
        created_by: record.createdBy,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        used_at: record.usedAt,
        used_by: record.usedBy,
        revoked_at: record.revokedAt,
      })
      .execute();
  }

  /** Newest first, at most `limit`. */
  async list(limit: number): Promise<InvitationRecord[]> {
    const rows = await this.#db
      .selectFrom('invitations')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /** The invitation with this code digest, if any. */
  async findByDigest(digest: string): Promise<InvitationRecord | undefined> {
    const row = await this.#db
      .selectFrom('invitations')
      .selectAll()
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /**
   * Takes an unused, unrevoked, unexpired invitation for `userId` in one statement, so two
   * registrations racing with one code cannot both win. False when it could not be taken.
   */
  async take(id: string, userId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('invitations')
      .set({ used_at: now, used_by: userId })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives an invitation back (the registration it was taken for failed). */
  async release(id: string): Promise<void> {
    await this.#db
      .updateTable('invitations')
      .set({ used_at: null, used_by: null })
      .where('id', '=', id)
      .execute();
  }

  /** Revokes an unused invitation; false when it is unknown, used or already revoked. */
  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('invitations')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
