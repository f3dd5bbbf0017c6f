/**
 * Every open proxied WebSocket, in one place: the per-route and per-key connection limits are
 * checked here before an upgrade, and a sweep every `checkIntervalMs` closes connections idle
 * past their route's `idleTimeout`, closes those whose API key was revoked, expired or rotated
 * out (one batched store read per sweep, whatever the number of sockets) or whose JWT expired,
 * and hands message
 * counts to the usage figures. At shutdown every connection is closed with 1001.
 */
import type { KeyState } from '../../auth/keys/status.js';
import type { Clock } from '../../clock.js';

/** Close codes Keyward sends itself (RFC 6455 §7.4.1). */
export const CLOSE = {
  goingAway: 1001,
  policyViolation: 1008,
  internalError: 1011,
  badGateway: 1014,
} as const;

/** One open connection as the hub sees it; the bridge behind it does the relaying. */
export interface OpenSocket {
  readonly route: string;
  /** Principal id for usage, or null when anonymous. */
  readonly principal: string | null;
  /** The API key behind the principal, re-checked while the socket is open. */
  readonly keyId: string | null;
  /** When the caller's credential stops being accepted (a JWT's expiry), or null. */
  readonly validUntil: number | null;
  readonly idleTimeoutMs: number;
  /** The hub's tick at the last message either way. */
  lastActivity: number;
  /** Messages since the last sweep, both directions. */
  unrecordedMessages: number;
  /** Closes both sides with `code` and `reason`. */
  close(code: number, reason: string): void;
}

export interface WebSocketHubOptions {
  clock: Clock;
  checkIntervalMs: number;
  /** The lifecycle state of each key id still in the store (absent: deleted). */
  keyStates(ids: readonly string[]): Promise<ReadonlyMap<string, KeyState>>;
  /** Adds `count` WebSocket messages to the usage figures. */
  recordMessages(principal: string | null, route: string, count: number): void;
  onError(error: unknown): void;
}

/** Per route: open connections and messages relayed, for /metrics and the admin API. */
export interface RouteSocketStats {
  open: number;
  messagesIn: number;
  messagesOut: number;
}

/** Why an upgrade is refused before it happens. */
export type AdmitRefusal = 'route-full' | 'key-full' | null;

export class WebSocketHub {
  readonly #options: WebSocketHubOptions;
  readonly #open = new Set<OpenSocket>();
  readonly #perKey = new Map<string, number>();
  readonly #stats = new Map<string, RouteSocketStats>();
  #timer: NodeJS.Timeout | null = null;
  #checking = false;
  /** The clock's time at the last sweep: what a message stamps, so no message reads the clock. */
  now: number;

  constructor(options: WebSocketHubOptions) {
    this.#options = options;
    this.now = options.clock.now();
  }

  /** Stats for one route (created on first use). */
  stats(route: string): RouteSocketStats {
    let stats = this.#stats.get(route);
    if (stats === undefined) {
      stats = { open: 0, messagesIn: 0, messagesOut: 0 };
      this.#stats.set(route, stats);
    }
    return stats;
  }

  /**
   * Takes a place for a new connection within the route's limits, before the upstream is
   * called (so upgrades in flight count too); `release` gives it back if the upgrade fails.
   */
  admit(route: string, principal: string | null, max: number, maxPerKey: number | null): AdmitRefusal {
    const stats = this.stats(route);
    if (stats.open >= max) return 'route-full';
    const id = principal === null ? null : `${route}\u0000${principal}`;
    const held = id === null ? 0 : (this.#perKey.get(id) ?? 0);
    if (maxPerKey !== null && held >= maxPerKey) return 'key-full';
    stats.open++;
    if (id !== null) this.#perKey.set(id, held + 1);
    return null;
  }

  /** Gives back a place taken by `admit` (the upgrade failed, or the connection closed). */
  release(route: string, principal: string | null): void {
    this.stats(route).open--;
    if (principal === null) return;
    const id = `${route}\u0000${principal}`;
    const left = (this.#perKey.get(id) ?? 1) - 1;
    if (left <= 0) this.#perKey.delete(id);
    else this.#perKey.set(id, left);
  }

  /** Registers an upgraded connection (its place taken by `admit`); `remove` when it closes. */
  add(socket: OpenSocket): void {
    this.#open.add(socket);
    // The hub's time may be old when no sweep ran lately.
    this.now = this.#options.clock.now();
    socket.lastActivity = this.now;
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.sweep(), this.#options.checkIntervalMs);
      this.#timer.unref();
    }
  }

  /** Forgets a closed connection, recording its last message counts and freeing its place. */
  remove(socket: OpenSocket): void {
    if (!this.#open.delete(socket)) return;
    this.#record(socket);
    this.release(socket.route, socket.principal);
    if (this.#open.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /** Number of open connections, all routes together. */
  get size(): number {
    return this.#open.size;
  }

  /** One sweep: idle connections, usage counts, then (in the background) revoked keys. */
  sweep(): void {
    const now = this.#options.clock.now();
    this.now = now;
    const keyIds = new Set<string>();
    for (const socket of this.#open) {
      this.#record(socket);
      if (now - socket.lastActivity >= socket.idleTimeoutMs) {
        socket.close(CLOSE.goingAway, 'idle timeout');
        continue;
      }
      // A token that expired would be refused on a new request: its socket ends too.
      if (socket.validUntil !== null && now > socket.validUntil) {
        socket.close(CLOSE.policyViolation, 'token expired');
        continue;
      }
      if (socket.keyId !== null) keyIds.add(socket.keyId);
    }
    if (keyIds.size > 0 && !this.#checking) void this.#checkKeys(keyIds);
  }

  /** Closes every connection (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const socket of [...this.#open]) socket.close(code, reason);
  }

  async #checkKeys(ids: ReadonlySet<string>): Promise<void> {
    this.#checking = true;
    try {
      const states = await this.#options.keyStates([...ids]);
      for (const socket of [...this.#open]) {
        // A socket opened since the ids were gathered was verified as it opened.
        if (socket.keyId === null || !ids.has(socket.keyId)) continue;
        const state = states.get(socket.keyId);
        if (state !== 'active') socket.close(CLOSE.policyViolation, `API key ${state ?? 'unknown'}`);
      }
    } catch (error) {
      // The store is unreachable: keep the sockets (as cached keys keep working), try again next sweep.
      this.#options.onError(error);
    } finally {
      this.#checking = false;
    }
  }

  #record(socket: OpenSocket): void {
    if (socket.unrecordedMessages === 0) return;
    this.#options.recordMessages(socket.principal, socket.route, socket.unrecordedMessages);
    socket.unrecordedMessages = 0;
  }
}
