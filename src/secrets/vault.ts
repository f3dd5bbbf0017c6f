/**
 * The secret store: upstream credentials sealed with the master key (AES-256-GCM envelopes,
 * see envelope.ts), written by the CLI or the admin API, never read back by either. The proxy
 * looks values up per request through a one-second cache, so a rotated secret applies without
 * a restart and the store is not queried on every call.
 */

import type { Clock } from '../clock.js';
import { ExpiringCache } from '../expiring-cache.js';
import type { Store } from '../store/db.js';
import type { Actor } from '../store/repositories/audit.js';
import { decryptValue, encryptValue, type MasterKey, parseMasterKey, reencrypt } from './envelope.js';

export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_SECRET_BYTES = 64 * 1024;

/** A problem with the master key or a secret that the user must fix; the message is safe to print. */
export class SecretStoreError extends Error {
  override name = 'SecretStoreError';
}

export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** Parses `secrets.masterKey`; null when it is empty (allowed until a secret is needed). */
export function masterKeyFromConfig(text: string): MasterKey | null {
  if (text === '') return null;
  const parsed = parseMasterKey(text);
  if (!parsed.ok) throw new SecretStoreError(`secrets.masterKey: ${parsed.message}`);
  return parsed.key;
}

/** Told when a secret is written or removed (null: all of them), so other processes drop their copy. */
export type SecretChangeListener = (name: string | null) => void;

export class SecretVault {
  readonly #store: Store;
  readonly #master: MasterKey | null;
  readonly #clock: Clock;
  readonly #cache: ExpiringCache<string | null>;
  readonly #changed: SecretChangeListener;

  constructor(
    store: Store,
    master: MasterKey | null,
    clock: Clock,
    changed: SecretChangeListener = () => {},
  ) {
    this.#store = store;
    this.#master = master;
    this.#clock = clock;
    this.#cache = new ExpiringCache({ maxEntries: 1000, ttlMs: 1000, clock });
    this.#changed = changed;
  }

  /** Drops the cached value of `name` (null: every one), after a change made elsewhere. */
  forgetCached(name: string | null): void {
    if (name === null) this.#cache.clear();
    else this.#cache.delete(name);
  }

  #requireMaster(): MasterKey {
    if (!this.#master) {
      throw new SecretStoreError(
        'secrets.masterKey is not set; run `keyward init` or set KEYWARD_MASTER_KEY',
      );
    }
    return this.#master;
  }

  /**
   * Fails unless every stored secret was sealed with the configured master key, so a wrong key
   * is a clear startup error instead of a stream of failed upstream calls.
   */
  async verifyMasterKey(): Promise<void> {
    const rows = await this.#store.secrets.all();
    if (rows.length === 0) return;
    const master = this.#requireMaster();
    const foreign = rows.filter((r) => r.keyId !== master.fingerprint);
    if (foreign.length > 0) {
      throw new SecretStoreError(
        `secrets.masterKey does not match the key ${foreign.length} stored secret(s) were sealed with (e.g. "${foreign[0]?.name}")`,
      );
    }
  }

  /** Stores (or replaces) a secret. */
  async set(name: string, value: string, actor: Actor): Promise<void> {
    if (!SECRET_NAME.test(name))
      throw new SecretStoreError(
        `"${name.slice(0, 40)}" is not a valid secret name (letters, digits, . _ -)`,
      );
    if (value === '') throw new SecretStoreError('the secret value is empty');
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES)
      throw new SecretStoreError('the secret value is larger than 64 KiB');
    const master = this.#requireMaster();
    const existed = (await this.#store.secrets.get(name)) !== undefined;
    await this.#store.secrets.put(
      name,
      encryptValue(master, value, name),
      master.fingerprint,
      this.#clock.now(),
    );
    this.#cache.delete(name);
    this.#changed(name);
    await this.#store.audit.append({
      actor: actor.id,
      action: existed ? 'secret.update' : 'secret.create',
      targetType: 'secret',
      targetId: name,
      ip: actor.ip ?? null,
    });
  }

  /** Names and times only; values are never returned. */
  async list(): Promise<SecretInfo[]> {
    const rows = await this.#store.secrets.all();
    return rows.map((r) => ({
      name: r.name,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    }));
  }

  /** Deletes a secret; false when there was none by that name. */
  async remove(name: string, actor: Actor): Promise<boolean> {
    const removed = await this.#store.secrets.remove(name);
    this.#cache.delete(name);
    if (removed) this.#changed(name);
    if (removed)
      await this.#store.audit.append({
        actor: actor.id,
        action: 'secret.remove',
        targetType: 'secret',
        targetId: name,
        ip: actor.ip ?? null,
      });
    return removed;
  }

  /** The current plaintext for the proxy, or undefined when the secret does not exist. */
  async lookup(name: string): Promise<string | undefined> {
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const row = await this.#store.secrets.get(name);
    const value = row ? decryptValue(this.#requireMaster(), row.sealed, name).toString('utf8') : null;
    this.#cache.set(name, value);
    return value ?? undefined;
  }

  /**
   * Re-seals every secret with `next`, in one transaction, then runs `resealOthers` for whatever
   * else the master key seals (the JWT signing keys), before the rotation is audited.
   */
  async rotateMaster(
    next: MasterKey,
    actor: Actor,
    resealOthers: (current: MasterKey, next: MasterKey) => Promise<unknown> = async () => {},
  ): Promise<number> {
    const current = this.#requireMaster();
    await this.verifyMasterKey();
    const rows = await this.#store.secrets.all();
    const resealed = rows.map((r) => ({
      name: r.name,
      sealed: reencrypt(current, next, r.sealed, r.name),
      keyId: next.fingerprint,
    }));
    await this.#store.secrets.replaceAll(resealed, this.#clock.now());
    await resealOthers(current, next);
    this.#cache.clear();
    this.#changed(null);
    await this.#store.audit.append({
      actor: actor.id,
      action: 'secret.rotate-master',
      targetType: 'secret',
      targetId: null,
      ip: actor.ip ?? null,
      details: { count: rows.length },
    });
    return rows.length;
  }
}
