/** The append-only audit log: who did what to which key, user or secret, when, from where. */
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { Database } from '../tables.js';

/** Who performed an action: a principal id (or `cli`, `system`) and the address it came from. */
export interface Actor {
  id: string;
  ip?: string | null;
}

export interface AuditEntryInput {
  /** Principal id that acted (`cli` for the command line, `system` for the gateway itself). */
  actor: string;
  action: string;
  targetType: 'key' | 'user' | 'secret' | 'system' | 'invitation';
  targetId?: string | null;
  ip?: string | null;
  /** Non-secret context; never a plaintext credential. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

export class AuditRepository {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Appends one entry; there is deliberately no update or delete. */
  async append(entry: AuditEntryInput): Promise<void> {
    const at = this.#clock.now();
    await this.#db
      .insertInto('audit_log')
      .values({
        id: newId('aud', at),
        at,
        actor: entry.actor,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId ?? null,
        ip: entry.ip ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })
      .execute();
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async list(options: { limit: number; cursor?: string; targetId?: string }): Promise<AuditPage> {
    let query = this.#db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit + 1);
    if (options.cursor) query = query.where('id', '<', options.cursor);
    if (options.targetId) query = query.where('target_id', '=', options.targetId);
    const rows = await query.execute();
    const page = rows.slice(0, options.limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        at: new Date(Number(r.at)).toISOString(),
        actor: r.actor,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        ip: r.ip,
        details: JSON.parse(r.details) as Record<string, unknown>,
      })),
      nextCursor: rows.length > options.limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  }
}
