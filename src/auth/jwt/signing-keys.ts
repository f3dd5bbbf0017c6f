/**
 * The gateway's own signing keys, loaded from the store: one current key signs, retired keys
 * keep verifying (and stay in the JWKS) until every token they signed has expired. Rotation
 * adds a key and retires the others in one transaction. Instances re-read the store every
 * `reloadIntervalMs`, and at once (rate-limited) on an unknown kid, so a rotation on one
 * instance reaches the others without a restart.
 */
import { type CryptoKey, createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../clock.js';
import type { JwtSettings } from '../../config/jwt-settings.js';
import type { MasterKey } from '../../secrets/envelope.js';
import type { Store } from '../../store/db.js';
import type { Actor } from '../../store/repositories/audit.js';
import type { SigningKeyRecord } from '../../store/repositories/signing-keys.js';
import { generateSigningKey, openPrivateKey, publicJwkOf } from './key-material.js';

export interface SigningKeyInfo {
  kid: string;
  algorithm: string;
  status: 'current' | 'retiring' | 'retired';
  createdAt: string;
  retiredAt: string | null;
  /** Until when tokens it signed are still accepted (null for the current key). */
  verifiesUntil: string | null;
}

export interface SigningKeyRingOptions {
  /** How stale the in-memory copy may get before the store is read again (default 30 s). */
  reloadIntervalMs?: number;
  /** At most one store read per this interval for tokens naming an unknown kid (default 1 s). */
  unknownKidCooldownMs?: number;
  /** Told after this ring made a new key, so other processes can reload theirs. */
  onChange?: () => void;
}

export interface CurrentSigningKey {
  kid: string;
  algorithm: string;
  privateKey: CryptoKey;
}

const SYSTEM: Actor = { id: 'system' };

export class SigningKeyRing {
  readonly #store: Store;
  readonly #master: MasterKey;
  readonly #settings: JwtSettings['local'];
  readonly #clock: Clock;
  readonly #reloadIntervalMs: number;
  readonly #unknownKidCooldownMs: number;
  readonly #onChange: () => void;
  readonly #privateKeys = new Map<string, CryptoKey>();
  #records: SigningKeyRecord[] = [];
  #current: CurrentSigningKey | null = null;
  #published: JWK[] = [];
  #localSet: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  #nextExpiry = Number.POSITIVE_INFINITY;
  #loadedAt = 0;
  #lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  #reloading: Promise<void> | null = null;

  private constructor(
    store: Store,
    master: MasterKey,
    settings: JwtSettings['local'],
    clock: Clock,
    options: SigningKeyRingOptions,
  ) {
    this.#store = store;
    this.#master = master;
    this.#settings = settings;
    this.#clock = clock;
    this.#reloadIntervalMs = options.reloadIntervalMs ?? 30_000;
    this.#unknownKidCooldownMs = options.unknownKidCooldownMs ?? 1000;
    this.#onChange = options.onChange ?? (() => {});
  }

  /** Reads the keys from the store again now (another process made one). */
  reload(): Promise<void> {
    return this.#reload();
  }

  /**
   * Loads the keys, creating the first one on a fresh store (or a new one when the configured
   * algorithm changed). Throws SigningKeyError when the master key cannot open the current key.
   */
  static async open(
    store: Store,
    master: MasterKey,
    settings: JwtSettings['local'],
    clock: Clock,
    options: SigningKeyRingOptions = {},
  ): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(store, master, settings, clock, options);
    await ring.#load();
    if (ring.#current === null) await ring.#addKey('signing-key.create', SYSTEM);
    else if (ring.#current.algorithm !== settings.algorithm) await ring.#addKey('signing-key.rotate', SYSTEM);
    return ring;
  }

  /** How long a retired key keeps verifying: the access-token lifetime plus one reload interval. */
  get overlapMs(): number {
    return this.#settings.accessTtlMs + this.#reloadIntervalMs;
  }

  /** The key to sign new tokens with. */
  current(): CurrentSigningKey {
    this.#refreshIfStale();
    return this.#current as CurrentSigningKey;
  }

  /** The public keys that currently verify, as published at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    this.#refreshIfStale();
    return { keys: this.#published };
  }

  /** Algorithms of the keys that currently verify: the allow-list for local tokens. */
  algorithms(): string[] {
    return [...new Set(this.#published.map((k) => k.alg as string))];
  }

  /** jose key resolver for local tokens: by kid only, and only among keys that still verify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    this.#refreshIfStale();
    if (typeof header.kid !== 'string') throw new errors.JWKSNoMatchingKey('a local token must name its kid');
    try {
      return await this.#localSet(header, token);
    } catch (error) {
      const now = this.#clock.now();
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (now - this.#lastUnknownKidReload < this.#unknownKidCooldownMs) throw error;
      this.#lastUnknownKidReload = now;
      await this.#reload().catch(() => {});
      return this.#localSet(header, token);
    }
  };

  /** Makes a new current key; the previous one keeps verifying for `overlapMs`. */
  async rotate(actor: Actor): Promise<{ current: SigningKeyInfo; keys: SigningKeyInfo[] }> {
    const kid = await this.#addKey('signing-key.rotate', actor);
    const keys = this.list();
    return { current: keys.find((k) => k.kid === kid) as SigningKeyInfo, keys };
  }

  /** Every stored key with its status, newest first. */
  list(): SigningKeyInfo[] {
    const now = this.#clock.now();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return [...this.#records].reverse().map((r) => {
      const until = r.retiredAt === null ? null : r.retiredAt + this.overlapMs;
      return {
        kid: r.kid,
        algorithm: r.algorithm,
        status: until === null ? 'current' : now < until ? 'retiring' : 'retired',
        createdAt: new Date(r.createdAt).toISOString(),
        retiredAt: iso(r.retiredAt),
        verifiesUntil: iso(until),
      };
    });
  }

  async #addKey(action: string, actor: Actor): Promise<string> {
    const now = this.#clock.now();
    const generated = await generateSigningKey(this.#settings.algorithm, this.#master, now);
    const previous = this.#records.filter((r) => r.retiredAt === null).map((r) => r.kid);
    await this.#store.signingKeys.insertAndRetireOthers(generated.record, now);
    this.#privateKeys.set(generated.record.kid, generated.privateKey);
    // A direct load, not #reload(): a reload already in flight may have read the store before the insert.
    await this.#load();
    await this.#store.audit.append({
      actor: actor.id,
      action,
      targetType: 'system',
      targetId: generated.record.kid,
      ip: actor.ip ?? null,
      details: { algorithm: generated.record.algorithm, retired: previous },
    });
    this.#onChange();
    return generated.record.kid;
  }

  // Background refresh: the hot path never waits for the store; a failed read keeps the old keys.
  #refreshIfStale(): void {
    const now = this.#clock.now();
    if (now >= this.#nextExpiry) this.#publish(now);
    if (now - this.#loadedAt >= this.#reloadIntervalMs) void this.#reload().catch(() => {});
  }

  #reload(): Promise<void> {
    this.#reloading ??= this.#load().finally(() => {
      this.#reloading = null;
    });
    return this.#reloading;
  }

  async #load(): Promise<void> {
    this.#loadedAt = this.#clock.now();
    const records = await this.#store.signingKeys.all();
    const active = records.filter((r) => r.retiredAt === null).at(-1);
    if (active) {
      let privateKey = this.#privateKeys.get(active.kid);
      if (!privateKey) {
        privateKey = await openPrivateKey(active, this.#master);
        this.#privateKeys.set(active.kid, privateKey);
      }
      this.#current = { kid: active.kid, algorithm: active.algorithm, privateKey };
    }
    this.#records = records;
    this.#publish(this.#clock.now());
  }

  #publish(now: number): void {
    const live = this.#records.filter((r) => r.retiredAt === null || now < r.retiredAt + this.overlapMs);
    this.#published = live.map(publicJwkOf);
    this.#localSet = createLocalJWKSet({ keys: this.#published });
    const expiries = live
      .filter((r) => r.retiredAt !== null)
      .map((r) => (r.retiredAt as number) + this.overlapMs);
    this.#nextExpiry = Math.min(Number.POSITIVE_INFINITY, ...expiries);
    for (const kid of this.#privateKeys.keys()) {
      if (kid !== this.#current?.kid) this.#privateKeys.delete(kid);
    }
  }
}
