/**
 * Invitations to the developer portal (`portal.registration: invite`): an operator makes one
 * and hands its code to a developer, who registers with it once. Only the code's SHA-256 is
 * stored; the code is shown once, at creation.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { newId, randomBase62 } from '../ids.js';
import type { Actor, AuditRepository } from '../store/repositories/audit.js';
import type { InvitationRecord, InvitationRepository } from '../store/repositories/invitations.js';

const CODE_PREFIX = 'kwinv_';
/** `kwinv_` and 32 base62 characters (190 bits). */
export const INVITATION_CODE_PATTERN = '^kwinv_[0-9A-Za-z]{32}$';
const CODE = new RegExp(INVITATION_CODE_PATTERN);

/** An invitation as operators see it: never the code. */
export interface InvitationView {
  id: string;
  note: string;
  status: 'open' | 'used' | 'revoked' | 'expired';
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedBy: string | null;
}

const digestOf = (code: string) => createHash('sha256').update(code).digest('hex');
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The view of an invitation at `now`. */
export function toInvitationView(record: InvitationRecord, now: number): InvitationView {
  const status =
    record.usedAt !== null
      ? 'used'
      : record.revokedAt !== null
        ? 'revoked'
        : now >= record.expiresAt
          ? 'expired'
          : 'open';
  return {
    id: record.id,
    note: record.note,
    status,
    createdBy: record.createdBy,
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    usedAt: iso(record.usedAt),
    usedBy: record.usedBy,
  };
}

export class InvitationService {
  readonly #invitations: InvitationRepository;
  readonly #audit: AuditRepository;
  readonly #clock: Clock;

  constructor(invitations: InvitationRepository, audit: AuditRepository, clock: Clock) {
    this.#invitations = invitations;
    this.#audit = audit;
    this.#clock = clock;
  }

  /** Makes an invitation valid for `ttlMs`; the code is in the result and nowhere else. */
  async create(
    note: string,
    ttlMs: number,
    actor: Actor,
  ): Promise<{ record: InvitationRecord; code: string }> {
    const now = this.#clock.now();
    const code = `${CODE_PREFIX}${randomBase62(32)}`;
    const record: InvitationRecord = {
      id: newId('inv', now),
      digest: digestOf(code),
      note,
      createdBy: actor.id,
      createdAt: now,
      expiresAt: now + ttlMs,
      usedAt: null,
      usedBy: null,
      revokedAt: null,
    };
    await this.#invitations.insert(record);
    await this.#log(actor, 'invitation.create', record.id, { note, expiresAt: iso(record.expiresAt) });
    return { record, code };
  }

  /** The newest invitations. */
  list(limit = 200): Promise<InvitationRecord[]> {
    return this.#invitations.list(limit);
  }

  /** Revokes an open invitation; false when there is none with this id to revoke. */
  async revoke(id: string, actor: Actor): Promise<boolean> {
    if (!(await this.#invitations.revoke(id, this.#clock.now()))) return false;
    await this.#log(actor, 'invitation.revoke', id, {});
    return true;
  }

  /**
   * Takes the invitation a code names for a registration, atomically; null when the code is
   * unknown, used, revoked or expired (one answer for all, so codes cannot be probed).
   */
  async take(code: string, userId: string): Promise<InvitationRecord | null> {
    if (!CODE.test(code)) return null;
    const record = await this.#invitations.findByDigest(digestOf(code));
    if (!record) return null;
    return (await this.#invitations.take(record.id, userId, this.#clock.now())) ? record : null;
  }

  /** Gives an invitation back after the registration it was taken for failed. */
  release(record: InvitationRecord): Promise<void> {
    return this.#invitations.release(record.id);
  }

  #log(actor: Actor, action: string, id: string, details: Record<string, unknown>): Promise<void> {
    return this.#audit.append({
      actor: actor.id,
      action,
      targetType: 'invitation',
      targetId: id,
      ip: actor.ip ?? null,
      details,
    });
  }
}
