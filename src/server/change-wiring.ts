/**
 * Connects the change bus to what this process caches. Each change is announced where it is
 * made — a key revoked, rotated or updated (through KeyCacheControl), keys added, a secret
 * written or removed, a user added, removed or given a new password, a new signing key — and
 * every process serving the same store (this one included) drops what it held about it: the
 * key's verification, cached misses, the secret's value, verified tokens, the signing keys.
 * Keys are listened for once; the vault and JWT runtime are opened again on every config
 * reload, so each set listens for as long as it serves.
 */
import type { JwtRuntime } from '../auth/jwt/runtime.js';
import type { KeyCacheControl } from '../auth/keys/lifecycle.js';
import type { KeyVerifier } from '../auth/keys/verify.js';
import type { ChangeBus } from '../bus/bus.js';
import type { SecretVault } from '../secrets/vault.js';

/** Key-change announcements for KeyLifecycle: they reach this process's caches through the bus too. */
export function announceKeyChanges(bus: ChangeBus): KeyCacheControl {
  return {
    forgetKey: (digest) => bus.publish({ type: 'key', digest }),
    forgetMisses: () => bus.publish({ type: 'keys-added' }),
  };
}

/** The announcements the vault, the user service and the signing-key ring make. */
export function announcers(bus: ChangeBus) {
  return {
    secretChanged: (name: string | null) => bus.publish({ type: 'secret', name: name ?? '*' }),
    userChanged: (id: string) => bus.publish({ type: 'user', id }),
    signingKeyChanged: () => bus.publish({ type: 'signing-key' }),
  };
}

/** Drops cached key verifications as keys change anywhere; returns the unsubscribe function. */
export function applyKeyChanges(
  bus: ChangeBus,
  keys: Pick<KeyVerifier, 'forgetKey' | 'forgetMisses'>,
): () => void {
  return bus.subscribe((change) => {
    if (change.type === 'key') keys.forgetKey(change.digest);
    else if (change.type === 'keys-added') keys.forgetMisses();
  });
}

/**
 * Drops cached secrets and verified tokens, and re-reads the signing keys, as they change
 * anywhere (`*` is every secret: the master key was rotated); returns the unsubscribe function.
 */
export function applyConfigPartChanges(
  bus: ChangeBus,
  parts: { vault: Pick<SecretVault, 'forgetCached'>; jwt: JwtRuntime | null },
): () => void {
  return bus.subscribe((change) => {
    switch (change.type) {
      case 'secret':
        parts.vault.forgetCached(change.name === '*' ? null : change.name);
        return;
      case 'user':
        parts.jwt?.verifier.forgetVerified();
        return;
      case 'signing-key':
        parts.jwt?.verifier.forgetVerified();
        void parts.jwt?.ring.reload().catch(() => {
          // The ring keeps its keys and reloads on its own schedule.
        });
        return;
      default:
        return;
    }
  });
}
