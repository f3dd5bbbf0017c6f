/**
 * Refresh tokens: 256 random bits, stored only as SHA-256 digests, rotated on every use. All
 * tokens descending from one login form a family; presenting a token that was already
 * exchanged means it was copied, so the whole family is revoked and the thief and the victim
 * both have to log in again (OAuth 2.0 Security BCP, refresh token rotation).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { newId, randomBase62 } from '../../ids.js';
import type { Store } from '../../store/db.js';
import type { UserRecord } from '../../store/repositories/users.js';

const PREFIX = 'kwr_';
const SHAPE = /^kwr_[0-9A-Za-z]{43}$/;

export type RefreshFailure = 'unknown' | 'expired' | 'revoked' | 'reused' | 'user_gone';

export type RefreshOutcome =
  | { ok: true; refreshToken: string; user: UserRecord }
  | { ok: false; reason: RefreshFailure };

function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class RefreshTokenService {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(store: Store, ttlMs: number, clock: Clock) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  /** Issues a token for a user: a new family at login, or the next one in `familyId` on refresh. */
  async issue(userId: string, familyId?: string): Promise<string> {
    const now = this.#clock.now();
    const token = `${PREFIX}${randomBase62(43)}`;
    const id = newId('rft', now);
    await this.#store.refreshTokens.insert({
      id,
      familyId: familyId ?? id,
      userId,
      digest: digestOf(token),
      createdAt: now,
      expiresAt: now + this.#ttlMs,
      usedAt: null,
      revokedAt: null,
    });
    return token;
  }

  /** Exchanges a token for its successor; a replayed token revokes its whole family. */
  async rotate(token: string): Promise<RefreshOutcome> {
    if (!SHAPE.test(token)) return { ok: false, reason: 'unknown' };
    const record = await this.#store.refreshTokens.findByDigest(digestOf(token));
    if (!record) return { ok: false, reason: 'unknown' };
    const now = this.#clock.now();
    if (record.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (record.usedAt !== null) {
      await this.#store.refreshTokens.revokeFamily(record.familyId, now);
      return { ok: false, reason: 'reused' };
    }
    if (now >= record.expiresAt) return { ok: false, reason: 'expired' };
    const user = await this.#store.users.findById(record.userId);
    if (!user) {
      await this.#store.refreshTokens.revokeFamily(record.familyId, now);
      return { ok: false, reason: 'user_gone' };
    }
    // Two concurrent refreshes with one token: exactly one wins; the other is a replay.
    if (!(await this.#store.refreshTokens.markUsed(record.id, now))) {
      await this.#store.refreshTokens.revokeFamily(record.familyId, now);
      return { ok: false, reason: 'reused' };
    }
    const refreshToken = await this.issue(user.id, record.familyId);
    // A concurrent replay may have revoked the family just before the successor was inserted.
    if (await this.#store.refreshTokens.familyRevoked(record.familyId)) {
      await this.#store.refreshTokens.revokeFamily(record.familyId, now);
      return { ok: false, reason: 'reused' };
    }
    return { ok: true, refreshToken, user };
  }

  /** Revokes the family a token belongs to (logout); false when the token is unknown. */
  async revokeFamilyOf(token: string): Promise<boolean> {
    if (!SHAPE.test(token)) return false;
    const record = await this.#store.refreshTokens.findByDigest(digestOf(token));
    if (!record) return false;
    await this.#store.refreshTokens.revokeFamily(record.familyId, this.#clock.now());
    return true;
  }

  /** Deletes tokens that expired over a day ago; called at start so the table does not grow forever. */
  pruneExpired(): Promise<number> {
    return this.#store.refreshTokens.deleteExpired(this.#clock.now() - 86_400_000);
  }
}
