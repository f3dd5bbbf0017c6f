/**
 * API key lifecycle and verification (unkey-style: verification returns a result with a reason,
 * the HTTP stage maps reasons to errors). Hot path: checksum before any lookup, a short-lived
 * cache of verified digests and of misses (so floods of bad keys never reach the store), and
 * last-used times written in batches.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ApiKeySettings } from '../config/compile.js';
import { newId } from '../ids.js';
import type { Store } from '../store/db.js';
import type { ApiKeyChanges, ApiKeyListFilter, ApiKeyRecord } from '../store/repositories/api-keys.js';
import {
  checkKeyFormat,
  digestApiKey,
  generateApiKey,
  hasKeyShape,
  hasValidChecksum,
} from './api-key-format.js';
import { type CallerBinding, checkBindings } from './key-bindings.js';
import type { Principal } from './principal.js';
import { TtlCache } from './ttl-cache.js';

export type KeyFailure =
  | 'malformed'
  | 'checksum'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'rotated'
  | 'exhausted'
  | 'origin'
  | 'ip';

export type KeyVerification =
  | { ok: true; principal: Principal; record: ApiKeyRecord }
  | { ok: false; reason: KeyFailure; keyId?: string };

export interface NewKeyInput {
  name: string;
  roles?: string[];
  plan?: string | null;
  metadata?: Record<string, string>;
  expiresAt?: number | null;
  remainingUses?: number | null;
  allowedOrigins?: string[] | null;
  allowedIps?: string[] | null;
}

export interface ImportedKeyInput extends NewKeyInput {
  /** Either the plaintext key or its SHA-256 hex digest. */
  key?: string;
  sha256?: string;
}

/** Who performed an action, for the audit log. */
export interface Actor {
  id: string;
  ip?: string | null;
}

export interface ApiKeyServiceOptions {
  /** How long a verified or missing digest is trusted without asking the store. */
  cacheTtlMs?: number;
  cacheSize?: number;
  lastUsedFlushMs?: number;
}

const DEFAULT_CACHE_TTL_MS = 500;

/** A found key with its successful verification, made once per cache fill (not per request). */
interface CachedKey {
  record: ApiKeyRecord;
  verified: KeyVerification & { ok: true };
}

function cachedKey(record: ApiKeyRecord): CachedKey {
  const principal: Principal = {
    kind: 'apiKey',
    id: record.id,
    keyId: record.id,
    roles: record.roles,
    plan: record.plan,
  };
  return { record, verified: { ok: true, principal, record } };
}

export class ApiKeyService {
  readonly #store: Store;
  readonly #settings: ApiKeySettings;
  readonly #clock: Clock;
  readonly #hits: TtlCache<CachedKey>;
  readonly #misses: TtlCache<true>;
  readonly #lastUsed = new Map<string, number>();
  readonly #flushTimer: NodeJS.Timeout;
  #foreignKeys: boolean | undefined;

  constructor(store: Store, settings: ApiKeySettings, clock: Clock, options: ApiKeyServiceOptions = {}) {
    this.#store = store;
    this.#settings = settings;
    this.#clock = clock;
    const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#hits = new TtlCache(options.cacheSize ?? 10_000, ttl, clock);
    this.#misses = new TtlCache(options.cacheSize ?? 10_000, ttl, clock);
    this.#flushTimer = setInterval(
      () => void this.flushLastUsed().catch(() => {}),
      options.lastUsedFlushMs ?? 5000,
    );
    this.#flushTimer.unref();
  }

  /**
   * Verifies a presented key against the store and the caller's origin and address. A key in
   * the verified cache is decided synchronously (no promise on the hot path); a promise is
   * returned only when the store must be asked.
   */
  verify(key: string, caller: CallerBinding): KeyVerification | Promise<KeyVerification> {
    if (!hasKeyShape(key, this.#settings.prefix)) return this.#verifyForeign(key, caller);
    const digest = digestApiKey(key);
    // A cached record was found by this digest after this key passed the checksum, so a hit
    // needs neither the checksum again nor a second comparison.
    const cached = this.#hits.get(digest);
    if (cached) return this.#admit(cached, digest, caller);
    if (!hasValidChecksum(key)) return { ok: false, reason: 'checksum' };
    return this.#lookup(digest, caller);
  }

  /** A key not in Keyward's format is looked up only if such keys were imported. */
  async #verifyForeign(key: string, caller: CallerBinding): Promise<KeyVerification> {
    if (!(await this.#acceptsForeignKeys())) return { ok: false, reason: 'malformed' };
    const digest = digestApiKey(key);
    const cached = this.#hits.get(digest);
    if (cached) return this.#admit(cached, digest, caller);
    return this.#lookup(digest, caller);
  }

  #lookup(digest: string, caller: CallerBinding): KeyVerification | Promise<KeyVerification> {
    if (this.#misses.get(digest)) return { ok: false, reason: 'unknown' };
    return this.#store.apiKeys.findByDigest(digest).then((record) => {
      if (!record || !timingSafeEqual(Buffer.from(record.digest, 'hex'), Buffer.from(digest, 'hex'))) {
        this.#misses.set(digest, true);
        return { ok: false, reason: 'unknown' };
      }
      const known = cachedKey(record);
      this.#hits.set(digest, known);
      return this.#admit(known, digest, caller);
    });
  }

  /** Lifecycle, bindings and remaining uses of a found key. */
  #admit(
    known: CachedKey,
    digest: string,
    caller: CallerBinding,
  ): KeyVerification | Promise<KeyVerification> {
    const { record } = known;
    const now = this.#clock.now();
    const state = keyState(record, now);
    if (state !== 'active') return { ok: false, reason: state, keyId: record.id };
    const binding = checkBindings(record, caller);
    if (binding !== null) return { ok: false, reason: binding, keyId: record.id };
    if (record.remainingUses !== null) {
      return this.#store.apiKeys.consumeUse(record.id).then((used) => {
        if (used) return this.#accepted(known, now);
        this.#hits.delete(digest);
        return { ok: false, reason: 'exhausted', keyId: record.id };
      });
    }
    return this.#accepted(known, now);
  }

  #accepted(known: CachedKey, now: number): KeyVerification {
    this.#lastUsed.set(known.record.id, now);
    return known.verified;
  }

  /** Creates a key; the plaintext is in the result and nowhere else, ever. */
  async create(input: NewKeyInput, actor: Actor): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = generateApiKey(this.#settings.prefix);
    const record = this.#newRecord(input, digestApiKey(key), this.#settings.prefix, key.slice(-4));
    await this.#store.apiKeys.insert(record);
    await this.#audit(actor, 'key.create', record.id, {
      name: record.name,
      roles: record.roles,
      plan: record.plan,
    });
    this.#misses.clear();
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
        const native = checkKeyFormat(input.key, this.#settings.prefix) === null;
        return {
          input,
          digest: digestApiKey(input.key),
          prefix: native ? this.#settings.prefix : '',
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
    this.#foreignKeys = undefined;
    this.#misses.clear();
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
      this.#hits.delete(record.digest);
      await this.#audit(actor, 'key.update', id, { fields: Object.keys(changes) });
    }
    return record;
  }

  /** Revokes a key; it stops working on this instance at once. Undefined when unknown. */
  async revoke(id: string, actor: Actor): Promise<ApiKeyRecord | undefined> {
    const existing = await this.#store.apiKeys.findById(id);
    if (!existing) return undefined;
    if (await this.#store.apiKeys.revoke(id, this.#clock.now())) {
      await this.#audit(actor, 'key.revoke', id, { name: existing.name });
    }
    this.#hits.delete(existing.digest);
    return this.#store.apiKeys.findById(id);
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
      },
      actor,
    );
    const now = this.#clock.now();
    await this.#store.apiKeys.markRotated(id, record.id, now + graceMs, now);
    this.#hits.delete(old.digest);
    await this.#audit(actor, 'key.rotate', id, { replacement: record.id, graceMs });
    const previous = (await this.#store.apiKeys.findById(id)) as ApiKeyRecord;
    return { record, key, previous };
  }

  /** Writes pending last-used times; called on a timer and at shutdown. */
  async flushLastUsed(): Promise<void> {
    if (this.#lastUsed.size === 0) return;
    const batch = new Map(this.#lastUsed);
    this.#lastUsed.clear();
    await this.#store.apiKeys.touchLastUsed(batch);
  }

  /** Stops the flush timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
    await this.flushLastUsed();
  }

  async #acceptsForeignKeys(): Promise<boolean> {
    this.#foreignKeys ??= await this.#store.apiKeys.hasForeignFormatKeys();
    return this.#foreignKeys;
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

/** Thrown when an operation does not apply to a key in its current state. */
export class KeyStateError extends Error {
  override name = 'KeyStateError';
}

/** The lifecycle state of a key at `now`, ignoring bindings and uses. */
export function keyState(record: ApiKeyRecord, now: number): 'active' | 'revoked' | 'expired' | 'rotated' {
  if (record.revokedAt !== null) return 'revoked';
  if (record.graceUntil !== null && now >= record.graceUntil) return 'rotated';
  if (record.expiresAt !== null && now >= record.expiresAt) return 'expired';
  return 'active';
}
