/** Storage of refresh tokens as SHA-256 digests, grouped in families for rotation and reuse detection. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable } from '../tables.js';

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  digest: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function fromRow(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    userId: row.user_id,
    digest: row.digest,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: num(row.used_at),
    revokedAt: num(row.revoked_at),
  };
}

export class RefreshTokenRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Stores a new token's digest. */
  async insert(token: RefreshTokenRecord): Promise<void> {
    await this.#db
      .insertInto('refresh_tokens')
      .values({
        id: token.id,
        family_id: token.familyId,
        user_id: token.userId,
        digest: token.digest,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        used_at: token.usedAt,
        revoked_at: token.revokedAt,
      })
      .execute();
  }

  /** The token with this digest, if any. */
  async findByDigest(digest: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.#db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /**
   * Marks a token used, only if it is still unused and unrevoked. A conditional update, so two
   * concurrent refreshes with the same token cannot both win: the loser is treated as a replay.
   */
  async markUsed(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every live token of a family; returns how many were revoked. */
  async revokeFamily(familyId: string, now: number): Promise<number> {
    const result = await this.#db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Whether any token of the family has been revoked (a replay was detected). */
  async familyRevoked(familyId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Revokes every live token of a user (password change, removal). */
  async revokeUser(userId: string, now: number): Promise<number> {
    const result = await this.#db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes tokens that expired before `before`; they can no longer be used or replayed. */
  async deleteExpired(before: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('refresh_tokens')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
