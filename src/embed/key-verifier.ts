/**
 * API-key verification for a Node.js app that sits behind (or beside) a Keyward gateway and
 * wants to check the same keys itself: it reads the gateway's store and applies the same rules
 * (checksum, digest lookup, expiry, revocation, rotation grace, origin and address bindings,
 * remaining uses). It does not count rate limits or record usage: that stays the gateway's job.
 */
import type { KeyFailure } from '../auth/keys/status.js';
import { KeyVerifier as StoreKeyVerifier } from '../auth/keys/verify.js';
import { type KeyView, toKeyView } from '../auth/keys/view.js';
import { systemClock } from '../clock.js';
import { openStore } from '../store/db.js';

export type { KeyFailure, KeyView };

/** Where the keys are and how they look. */
export interface KeyVerifierOptions {
  /** The gateway's `storage.url`: `sqlite:/path/to/keyward.db` or `postgres://…`. */
  storageUrl: string;
  /** The gateway's `auth.apiKeys.prefix` (default `kw`). */
  prefix?: string;
}

/** Who presents the key, for keys bound to origins or address ranges. */
export interface KeyCaller {
  /** The request's `Origin` header, if any. */
  origin?: string;
  /** The client's address. */
  ip?: string;
}

/** The outcome of one check: the key's public view, or why it was refused. */
export type KeyCheck = { ok: true; key: KeyView } | { ok: false; reason: KeyFailure };

/** An open verifier; close it to flush last-used times and release the store. */
export interface KeyVerifier {
  /** Checks a presented key. */
  verify(key: string, caller?: KeyCaller): Promise<KeyCheck>;
  /** Flushes pending writes and closes the store. */
  close(): Promise<void>;
}

/** Opens the store (applying pending migrations, as the gateway does) and returns a verifier. */
export async function openKeyVerifier(options: KeyVerifierOptions): Promise<KeyVerifier> {
  const store = await openStore(options.storageUrl);
  const prefix = options.prefix ?? 'kw';
  const service = new StoreKeyVerifier(store.apiKeys, { prefix, clock: systemClock });
  return {
    async verify(key, caller = {}) {
      const result = await service.verify(key, { origin: caller.origin, ip: caller.ip ?? '' });
      if (!result.ok) return { ok: false, reason: result.reason };
      return { ok: true, key: toKeyView(result.record, systemClock.now()) };
    },
    async close() {
      await service.close();
      await store.close();
    },
  };
}
