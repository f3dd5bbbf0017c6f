/**
 * API key management: create, import, list, update, revoke and rotate, each audited. The
 * plaintext of a new key exists only in the result of `create`/`rotate`; the store sees its
 * SHA-256 digest. Every change tells the verification caches (through `KeyCacheControl`) so it
 * applies at once in this process; other processes see it within their cache TTL, or sooner
 * when a change bus passes it on.
 */
import type { Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { Store } from '../../store/db.js';
import type { ApiKeyChanges, ApiKeyListFilter, ApiKeyRecord } from '../../store/repositories/api-keys.js';
import type { Actor } from '../../store/repositories/audit.js';
import { checkKeyFormat, digestApiKey, generateApiKey } from './format.js';
import { keyState } from './status.js';

export interface NewKeyInput {
  name: string;
  roles?: string[];
  plan?: string | null;
  metadata?: Record<string, string>;
  expiresAt?: number | null;
  remainingUses?: number | null;
  allowedOrigins?: string[] | null;
  allowedIps?: string[] | null;
  /** The portal developer making the key for themselves. */
  ownerId?: string | null;
}

export interface ImportedKeyInput extends NewKeyInput {
  /** Either the plaintext key or its SHA-256 hex digest. */
  key?: string;
  sha256?: string;
}

/** What a key change must invalidate: the verifier's caches (and, through a bus, other processes'). */
export interface KeyCacheControl {
  /** One key changed (revoked, rotated, updated). */
  forgetKey(digest: string): void;
  /** Keys were added: earlier misses may now be hits. */
  forgetMisses(): void;
}

/** For processes that verify no keys themselves (the CLI, the cluster primary's preparation). */
export const NO_KEY_CACHES: KeyCacheControl = { forgetKey() {}, forgetMisses() {} };

/** Thrown when an operation does not apply to a key in its current state. */
export class KeyStateError extends Error {
  override name = 'KeyStateError';
}

export interface KeyLifecycleOptions {
  /** The prefix of new keys (`kw`). */
  prefix: string;
  clock: Clock;
  caches: KeyCacheControl;
}

export class KeyLifecycle {
  readonly #store: Pick<Store, 'apiKeys' | 'audit'>;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #caches: KeyCacheControl;

  constructor(store: Pick<Store, 'apiKeys' | 'audit'>, options: KeyLifecycleOptions) {
    this.#store = store;
    this.#prefix = options.prefix;
    this.#clock = options.clock;
    this.#caches = options.caches;
  }

  /** Creates a key; the plaintext is in the result and nowhere else, ever. */
  async create(input: NewKeyInput, actor: Actor): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = generateApiKey(this.#prefix);
    const record = this.#newRecord(input, digestApiKey(key), this.#prefix, key.slice(-4));
    await this.#store.apiKeys.insert(record);
    await this.#audit(actor, 'key.create', record.id, {
      name: record.name,
      roles: record.roles,
      plan: record.plan,
    });
    this.#caches.forgetMisses();
    return { record, key };
  }

  /**
   * Imports keys from another system by plaintext or SHA-256 digest, so callers keep their keys.
   * All inputs are checked against the store before any is written; a key already present
   * rejects the whole batch (KeyStateError naming its position).
   */
  async importMany(inputs: readonly ImportedKeyInput[], actor: Actor): Promise<ApiKeyRecord[]> {
    const prepared = inputs.map((input) => {
      if (input.key !== undefined) {
        const native = checkKeyFormat(input.key, this.#prefix) === null;
        return {
          input,
          digest: digestApiKey(input.key),
          prefix: native ? this.#prefix : '',
          last4: input.key.slice(-4),
        };
      }
      if (input.sha256 !== undefined && /^[0-9a-f]{64}$/i.test(input.sha256)) {
        // Without the plaintext we cannot know the format, so treat it as foreign.
        return { input, digest: input.sha256.toLowerCase(), prefix: '', last4: '····' };
      }
      throw new TypeError('each key needs "key" or a 64-hex-digit "sha256"');
    });
    for (const [index, p] of prepared.entries()) {
      if (await this.#store.apiKeys.findByDigest(p.digest))
        throw new KeyStateError(`key #${index + 1} already exists in the store`);
    }
    const records: ApiKeyRecord[] = [];
    for (const p of prepared) {
      const record = this.#newRecord(p.input, p.digest, p.prefix, p.last4);
      await this.#store.apiKeys.insert(record);
      await this.#audit(actor, 'key.import', record.id, {
        name: record.name,
        by: p.input.key !== undefined ? 'key' : 'sha256',
      });
      records.push(record);
    }
    this.#caches.forgetMisses();
    return records;
  }

  /** Lists keys (never with digests in any output format). */
  list(filter: Omit<ApiKeyListFilter, 'now'>) {
    return this.#store.apiKeys.list({ ...filter, now: this.#clock.now() });
  }

  /** One key by id. */
  get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#store.apiKeys.findById(id);
  }

  /** Updates name, roles, plan, metadata or expiry. */
  async update(id: string, changes: ApiKeyChanges, actor: Actor): Promise<ApiKeyRecord | undefined> {
    const record = await this.#store.apiKeys.update(id, changes, this.#clock.now());
    if (record) {
      this.#caches.forgetKey(record.digest);
      await this.#audit(actor, 'key.update', id, { fields: Object.keys(changes) });
    }
    return record;
  }

  /** Revokes a key; it stops working in this process at once. Undefined when unknown. */
  async revoke(id: string, actor: Actor): Promise<ApiKeyRecord | undefined> {
    const existing = await this.#store.apiKeys.findById(id);
    if (!existing) return undefined;
    if (await this.#store.apiKeys.revoke(id, this.#clock.now())) {
      await this.#audit(actor, 'key.revoke', id, { name: existing.name });
    }
    this.#caches.forgetKey(existing.digest);
    return this.#store.apiKeys.findById(id);
  }

  /** Revokes every active key a portal developer made; returns how many. */
  async revokeOwnedBy(ownerId: string, actor: Actor): Promise<number> {
    let revoked = 0;
    let cursor: string | null = null;
    do {
      const page = await this.#store.apiKeys.list({
        owner: ownerId,
        status: 'active',
        limit: 100,
        now: this.#clock.now(),
        ...(cursor === null ? {} : { cursor }),
      });
      for (const key of page.items) {
        await this.revoke(key.id, actor);
        revoked++;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return revoked;
  }

  /** Issues a replacement with the same settings; the old key works until the grace ends. */
  async rotate(
    id: string,
    graceMs: number,
    actor: Actor,
  ): Promise<{ record: ApiKeyRecord; key: string; previous: ApiKeyRecord } | undefined> {
    const old = await this.#store.apiKeys.findById(id);
    if (!old) return undefined;
    const state = keyState(old, this.#clock.now());
    if (state !== 'active') throw new KeyStateError(`key ${id} is ${state} and cannot be rotated`);
    const { record, key } = await this.create(
      {
        name: old.name,
        roles: old.roles,
        plan: old.plan,
        metadata: old.metadata,
        expiresAt: old.expiresAt,
        remainingUses: old.remainingUses,
        allowedOrigins: old.allowedOrigins,
        allowedIps: old.allowedIps,
        ownerId: old.ownerId,
      },
      actor,
    );
    const now = this.#clock.now();
    await this.#store.apiKeys.markRotated(id, record.id, now + graceMs, now);
    this.#caches.forgetKey(old.digest);
    await this.#audit(actor, 'key.rotate', id, { replacement: record.id, graceMs });
    const previous = (await this.#store.apiKeys.findById(id)) as ApiKeyRecord;
    return { record, key, previous };
  }

  #newRecord(input: NewKeyInput, digest: string, prefix: string, last4: string): ApiKeyRecord {
    const now = this.#clock.now();
    return {
      id: newId('key', now),
      name: input.name,
      prefix,
      digest,
      last4,
      roles: input.roles ?? [],
      plan: input.plan ?? null,
      metadata: input.metadata ?? {},
      createdAt: now,
      updatedAt: now,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
      remainingUses: input.remainingUses ?? null,
      allowedOrigins: input.allowedOrigins?.length ? input.allowedOrigins : null,
      allowedIps: input.allowedIps?.length ? input.allowedIps : null,
      rotatedTo: null,
      graceUntil: null,
      ownerId: input.ownerId ?? null,
    };
  }

  #audit(actor: Actor, action: string, keyId: string, details: Record<string, unknown>): Promise<void> {
    return this.#store.audit.append({
      actor: actor.id,
      action,
      targetType: 'key',
      targetId: keyId,
      ip: actor.ip ?? null,
      details,
    });
  }
}
