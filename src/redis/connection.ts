/**
 * The connection to Redis (or Valkey): one ioredis client for commands and scripts, opened at
 * start and kept for the process's life. Commands fail at once while the server is away (no
 * offline queue, no resend), so a request never waits on a dead Redis — the limiter falls back
 * instead — and the client reconnects on its own every second, so service comes back without a
 * restart. State changes are logged once each: cannot connect, lost, connected again.
 */
import { Redis } from 'ioredis';

/** The log levels the connection writes (a pino logger fits). */
export interface RedisLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface RedisConnectionOptions {
  log?: RedisLog;
  /** Name shown by `CLIENT LIST`, to tell Keyward's connections apart. */
  name?: string;
  /** A command answered later than this fails (and the limiter falls back); default 1 s. */
  commandTimeoutMs?: number;
}

/** Reconnect attempts: quickly at first, then every second. */
const RETRY_MS = (attempt: number) => Math.min(attempt * 100, 1000);

/** `redis://user:pass@host:port/db` as it may be logged: no password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    const credentials = u.username || u.password ? `${u.username}${u.password ? ':***' : ''}@` : '';
    const path = u.pathname === '/' ? '' : u.pathname;
    return `${u.protocol}//${credentials}${u.host}${path}`;
  } catch {
    return 'redis://(invalid url)';
  }
}

/** Options shared by every Keyward client (commands and subscribers). */
export function clientOptions(options: RedisConnectionOptions) {
  return {
    connectionName: options.name ?? 'keyward',
    // RESP2: understood by every Redis and Valkey version.
    protocol: 2 as const,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    retryStrategy: RETRY_MS,
    // Commands issued in the same tick (concurrent requests) share one write.
    enableAutoPipelining: true,
  };
}

export class RedisConnection {
  readonly client: Redis;
  readonly url: string;
  readonly #log: RedisLog | undefined;
  #everReady = false;
  #reportedDown = false;
  #closed = false;
  readonly #listeners = new Set<(up: boolean) => void>();

  constructor(url: string, options: RedisConnectionOptions = {}) {
    this.url = url;
    this.#log = options.log;
    this.client = new Redis(url, clientOptions(options));
    this.client.on('ready', () => this.#up());
    this.client.on('error', (error: Error) => this.#down(error));
    this.client.on('close', () => this.#down(null));
  }

  /** Whether commands can be sent now. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  /** Calls `listener(true)` on every (re)connection and `listener(false)` when it is lost. */
  onChange(listener: (up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once connected, or rejects after `timeoutMs` (the client keeps trying). */
  async waitUntilUp(timeoutMs: number): Promise<void> {
    if (this.up) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Redis at ${describeRedisUrl(this.url)} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onChange((up) => {
        if (!up) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Resolves when Redis answers PING. */
  async ping(): Promise<void> {
    if (!this.up) throw new Error('not connected');
    await this.client.ping();
  }

  #up(): void {
    const again = this.#everReady;
    this.#everReady = true;
    this.#reportedDown = false;
    this.#log?.info(
      { redis: describeRedisUrl(this.url) },
      again ? 'redis: connected again' : 'redis: connected',
    );
    for (const l of this.#listeners) l(true);
  }

  #down(error: Error | null): void {
    if (this.#closed || this.#reportedDown) return;
    if (error === null && !this.#everReady) return; // the 'error' event reports a failed first connect
    this.#reportedDown = true;
    const where = describeRedisUrl(this.url);
    const reason = error?.message ?? 'connection closed';
    this.#log?.warn(
      { redis: where, reason },
      this.#everReady
        ? `redis: connection to ${where} lost (${reason}); reconnecting every second — shared limits fall back, /readyz answers 503`
        : `redis: cannot connect to ${where} (${reason}); retrying every second — /readyz answers 503 until it connects`,
    );
    for (const l of this.#listeners) l(false);
  }

  /** Closes the connection (pending commands fail). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
