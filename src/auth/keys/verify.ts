/**
 * API key verification, the hot path: shape and digest first, then a short-lived cache of
 * verified digests (decided synchronously, no promise) and of misses (so floods of wrong keys
 * never reach the store), the checksum only before a store lookup, lifecycle and bindings, the
 * remaining-uses counter, and last-used times written in batches. Expected outcomes are results
 * with a reason (see status.ts); nothing here throws for a bad key.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { ExpiringCache } from '../../expiring-cache.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../../store/repositories/api-keys.js';
import type { Principal } from '../principal.js';
import { type CallerBinding, checkBindings } from './bindings.js';
import { digestApiKey, hasKeyShape, hasValidChecksum } from './format.js';
import { type KeyFailure, keyState } from './status.js';

export type KeyVerification =
  | { ok: true; principal: Principal; record: ApiKeyRecord }
  | { ok: false; reason: KeyFailure; keyId?: string };

export interface KeyVerifierOptions {
  /** The key prefix of this gateway's own keys (`kw`). */
  prefix: string;
  clock: Clock;
  /**
   * How long a verified or missing digest is trusted without asking the store: also how long a
   * change made elsewhere (another process, the CLI) can take to apply here.
   */
  cacheTtlMs?: number;
  cacheSize?: number;
  lastUsedFlushMs?: number;
}

/** How long a verified key is trusted without asking the store, unless configured. */
export const DEFAULT_CACHE_TTL_MS = 500;

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

const FOREIGN_FLAG = 'foreign';

export class KeyVerifier {
  readonly #keys: ApiKeyRepository;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #hits: ExpiringCache<CachedKey>;
  readonly #misses: ExpiringCache<true>;
  /** Whether keys in another format were imported; asked again after the cache TTL. */
  readonly #foreign: ExpiringCache<boolean>;
  readonly #lastUsed = new Map<string, number>();
  readonly #flushTimer: NodeJS.Timeout;

  constructor(keys: ApiKeyRepository, options: KeyVerifierOptions) {
    this.#keys = keys;
    this.#prefix = options.prefix;
    this.#clock = options.clock;
    const cache = {
      maxEntries: options.cacheSize ?? 10_000,
      ttlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
      clock: options.clock,
    };
    this.#hits = new ExpiringCache(cache);
    this.#misses = new ExpiringCache(cache);
    this.#foreign = new ExpiringCache({ ...cache, maxEntries: 1 });
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
    if (!hasKeyShape(key, this.#prefix)) return this.#verifyForeign(key, caller);
    const digest = digestApiKey(key);
    // A cached record was found by this digest after this key passed the checksum, so a hit
    // needs neither the checksum again nor a second comparison.
    const cached = this.#hits.get(digest);
    if (cached) return this.#admit(cached, digest, caller);
    if (!hasValidChecksum(key)) return { ok: false, reason: 'checksum' };
    return this.#lookup(digest, caller);
  }

  /** Forgets what is cached about one key (after it changed), so its next use asks the store. */
  forgetKey(digest: string): void {
    this.#hits.delete(digest);
    this.#misses.delete(digest);
  }

  /** Forgets every cached miss and whether foreign keys exist (after keys were created or imported). */
  forgetMisses(): void {
    this.#misses.clear();
    this.#foreign.clear();
  }

  /** Forgets everything cached (a change that may affect any key). */
  forgetAll(): void {
    this.#hits.clear();
    this.forgetMisses();
  }

  /** Writes pending last-used times; called on a timer and at shutdown. */
  async flushLastUsed(): Promise<void> {
    if (this.#lastUsed.size === 0) return;
    const batch = new Map(this.#lastUsed);
    this.#lastUsed.clear();
    await this.#keys.touchLastUsed(batch);
  }

  /** Stops the flush timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
    await this.flushLastUsed();
  }

  /** A key not in Keyward's format is looked up only if such keys were imported. */
  async #verifyForeign(key: string, caller: CallerBinding): Promise<KeyVerification> {
    if (!(await this.#acceptsForeignKeys())) return { ok: false, reason: 'malformed' };
    const digest = digestApiKey(key);
    const cached = this.#hits.get(digest);
    if (cached) return this.#admit(cached, digest, caller);
    return this.#lookup(digest, caller);
  }

  async #acceptsForeignKeys(): Promise<boolean> {
    let known = this.#foreign.get(FOREIGN_FLAG);
    if (known === undefined) {
      known = await this.#keys.hasForeignFormatKeys();
      this.#foreign.set(FOREIGN_FLAG, known);
    }
    return known;
  }

  #lookup(digest: string, caller: CallerBinding): KeyVerification | Promise<KeyVerification> {
    if (this.#misses.get(digest)) return { ok: false, reason: 'unknown' };
    return this.#keys.findByDigest(digest).then((record) => {
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
      return this.#keys.consumeUse(record.id).then((used) => {
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
}
