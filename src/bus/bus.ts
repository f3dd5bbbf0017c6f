/**
 * The change bus: when a key, user, secret or signing key changes, every process serving the
 * same store hears of it within a second and drops what it cached — the caches' short TTLs stay
 * as the safety net when a message is lost. A change is delivered to this process's own
 * listeners at once, then to the others: through Redis pub/sub across instances, through the
 * primary between `--workers`, nowhere else for a single process.
 */

/** What changed. Listeners drop cached state for it; the store has the truth. */
export type Change =
  /** A key was revoked, rotated or updated: `digest` is its SHA-256 hex (what caches are keyed by). */
  | { type: 'key'; digest: string }
  /** Keys were created or imported: cached misses may now be keys. */
  | { type: 'keys-added' }
  /** A user was added, removed or given a new password: tokens verified for them are judged afresh. */
  | { type: 'user'; id: string }
  /** A stored secret was written or removed. */
  | { type: 'secret'; name: string }
  /** The JWT signing keys changed (new, rotated or retired key). */
  | { type: 'signing-key' };

export type ChangeListener = (change: Change) => void;

export interface ChangeBus {
  /** Tells this process's listeners now, and every other process as fast as the transport allows. */
  publish(change: Change): void;
  /** Listens for changes made here or elsewhere; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

const TYPES = new Set(['key', 'keys-added', 'user', 'secret', 'signing-key']);

/** A change received from another process, or null when it is not one (never trusted blindly). */
export function parseChange(value: unknown): Change | null {
  if (typeof value !== 'object' || value === null) return null;
  const c = value as Record<string, unknown>;
  if (typeof c.type !== 'string' || !TYPES.has(c.type)) return null;
  const text = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 512;
  switch (c.type) {
    case 'key':
      return typeof c.digest === 'string' && /^[0-9a-f]{64}$/.test(c.digest)
        ? { type: 'key', digest: c.digest }
        : null;
    case 'keys-added':
      return { type: 'keys-added' };
    case 'user':
      return text(c.id) ? { type: 'user', id: c.id as string } : null;
    case 'secret':
      return text(c.name) ? { type: 'secret', name: c.name as string } : null;
    default:
      return { type: 'signing-key' };
  }
}

/** The bus of a single process: listeners in this process only. */
export class LocalBus implements ChangeBus {
  readonly #listeners = new Set<ChangeListener>();

  publish(change: Change): void {
    this.deliver(change);
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs every listener; one that throws does not stop the others. */
  deliver(change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A cache that cannot drop an entry still expires it by TTL.
      }
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
