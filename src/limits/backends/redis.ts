/**
 * Limits held in Redis (or Valkey), shared by every instance and worker: one atomic script call
 * per request decides all of its checks (EVALSHA, and EVAL when the server lost the script). A
 * calendar counter Redis does not have — first use in its period, or Redis restarted — is
 * seeded from the SQL store's durable count, so losing Redis loses at most the last second of
 * counts. Wrapped by LeasingBackend, which decides hot limits from leases in between.
 */
import type { Redis } from 'ioredis';
import { LEASE_MIN_CELLS, LEASE_SHARE } from '../algorithms/lease.js';
import { isCalendar } from '../policy.js';
import {
  type AcquireItem,
  type AcquireReply,
  type CellReturn,
  type LimitAuthority,
  readAcquireReply,
} from './backend.js';
import { type QuotaPersistence, quotaKey } from './local.js';
import { ACQUIRE_LUA, RELEASE_LUA } from './redis-script.js';

/** The commands this authority adds to the client (the key count comes first, then keys, then args). */
interface LimitCommands {
  keywardAcquire(...keysThenArgs: (string | number)[]): Promise<number[]>;
  keywardRelease(...keysThenArgs: (string | number)[]): Promise<number>;
}

export interface RedisAuthorityOptions {
  client: Redis;
  /** Whether the connection is usable now. */
  isUp: () => boolean;
  /** Where calendar counts Redis lacks are read from. */
  durable: QuotaPersistence;
  /** Key namespace; default `keyward:`. */
  prefix?: string;
  /** Tests: evaluate at this time instead of the server's clock. */
  now?: () => number;
}

const ITEM_ARGS = 6;

export class RedisAuthority implements LimitAuthority {
  readonly #redis: Redis & LimitCommands;
  readonly #isUp: () => boolean;
  readonly #durable: QuotaPersistence;
  readonly #prefix: string;
  readonly #now: (() => number) | undefined;

  constructor(options: RedisAuthorityOptions) {
    const client = options.client;
    if (!('keywardAcquire' in client)) {
      client.defineCommand('keywardAcquire', { lua: ACQUIRE_LUA });
      client.defineCommand('keywardRelease', { lua: RELEASE_LUA });
    }
    this.#redis = client as Redis & LimitCommands;
    this.#isUp = options.isUp;
    this.#durable = options.durable;
    this.#prefix = options.prefix ?? 'keyward:';
    this.#now = options.now;
  }

  get available(): boolean {
    return this.#isUp();
  }

  /** The Redis key holding a check's state (a calendar one per period). */
  keyOf(item: Pick<AcquireItem, 'check' | 'periodStart'>): string {
    return isCalendar(item.check.policy.per)
      ? `${this.#prefix}q:${item.check.id}:${item.periodStart}`
      : `${this.#prefix}l:${item.check.id}`;
  }

  async acquire(items: readonly AcquireItem[]): Promise<AcquireReply> {
    const keys = items.map((item) => this.keyOf(item));
    let reply = await this.#run(keys, items, null);
    if (reply[0] === -1) {
      // Calendar counters Redis does not hold: seed them from SQL and ask again.
      const missing = reply.slice(1).map((n) => (n as number) - 1);
      const counts = await this.#durable.load(
        missing.map((i) => ({
          id: (items[i] as AcquireItem).check.id,
          periodStart: (items[i] as AcquireItem).periodStart,
        })),
      );
      const seeds = new Map(
        missing.map((i) => {
          const item = items[i] as AcquireItem;
          return [i, counts.get(quotaKey(item.check.id, item.periodStart)) ?? 0];
        }),
      );
      reply = await this.#run(keys, items, seeds);
    }
    return readAcquireReply(reply, items.length);
  }

  #run(keys: string[], items: readonly AcquireItem[], seeds: Map<number, number> | null): Promise<number[]> {
    const args: (string | number)[] = new Array(3 + items.length * ITEM_ARGS);
    args[0] = this.#now ? String(this.#now()) : '';
    args[1] = LEASE_SHARE;
    args[2] = LEASE_MIN_CELLS;
    for (let i = 0; i < items.length; i++) {
      const { check, want, hold, periodEnd } = items[i] as AcquireItem;
      const per = check.policy.per;
      const calendar = isCalendar(per);
      const at = 3 + i * ITEM_ARGS;
      args[at] = calendar ? 'c' : 'g';
      args[at + 1] = check.policy.requests;
      args[at + 2] = calendar ? periodEnd : WINDOW_MS[per as keyof typeof WINDOW_MS];
      args[at + 3] = want;
      args[at + 4] = hold;
      const seed = seeds?.get(i);
      args[at + 5] = seed === undefined ? '' : seed;
    }
    return this.#redis.keywardAcquire(keys.length, ...keys, ...args);
  }

  async release(returns: readonly CellReturn[]): Promise<void> {
    if (returns.length === 0) return;
    const keys = returns.map((r) => `${this.#prefix}q:${r.id}:${r.periodStart}`);
    await this.#redis.keywardRelease(keys.length, ...keys, ...returns.map((r) => r.cells));
  }

  async flush(): Promise<void> {}

  /** The connection is shared (bus, throttle); its owner closes it. */
  async close(): Promise<void> {}
}

const WINDOW_MS = { second: 1000, minute: 60_000, hour: 3_600_000 } as const;
