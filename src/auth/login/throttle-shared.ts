/**
 * Login throttles shared by several processes, with the same sliding windows as
 * MemoryLoginThrottle: in Redis (one sorted set of failure times per address and per username,
 * each with a TTL of the window) across instances, or in the primary of `--workers` over IPC.
 * When the shared store cannot answer, a throttle local to the process takes over for that
 * call, so logins keep being counted and throttled, never unthrottled.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../../clock.js';
import type { RpcClient, RpcHandler } from '../../ipc/rpc.js';
import {
  LOGIN_THROTTLE,
  type LoginThrottle,
  MemoryLoginThrottle,
  type MemoryLoginThrottleOptions,
} from './throttle.js';

const { windowMs: WINDOW_MS, maxPerUsername: MAX_PER_USERNAME, maxPerIp: MAX_PER_IP } = LOGIN_THROTTLE;

// KEYS: ip set, username set. ARGV: now ('' = server time), window, max per ip, max per username.
const NOW_LUA = `
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else
  local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local window = tonumber(ARGV[2])
`;

/** Milliseconds until another attempt is allowed (0 = now). */
const RETRY_AFTER_LUA = `${NOW_LUA}
local wait = 0
for i = 1, 2 do
  local max = tonumber(ARGV[2 + i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= max then
    local oldest = redis.call('ZRANGE', KEYS[i], n - max, n - max, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
return wait
`;

/** Adds a failure to both sets, keeping only the last `max` and a TTL of the window. */
const FAILURE_LUA = `${NOW_LUA}
for i = 1, 2 do
  local max = tonumber(ARGV[2 + i])
  redis.call('ZADD', KEYS[i], now, now .. ':' .. ARGV[5])
  local n = redis.call('ZCARD', KEYS[i])
  if n > max then redis.call('ZREMRANGEBYRANK', KEYS[i], 0, n - max - 1) end
  redis.call('PEXPIRE', KEYS[i], window)
end
return 1
`;

interface ThrottleCommands {
  keywardLoginWait(...keysThenArgs: (string | number)[]): Promise<number>;
  keywardLoginFailure(...keysThenArgs: (string | number)[]): Promise<number>;
}

/** The throttle in Redis (or Valkey). */
export class RedisLoginThrottle implements LoginThrottle {
  readonly #redis: Redis & ThrottleCommands;
  readonly #prefix: string;

  constructor(client: Redis, prefix = 'keyward:') {
    if (!('keywardLoginWait' in client)) {
      client.defineCommand('keywardLoginWait', { lua: RETRY_AFTER_LUA });
      client.defineCommand('keywardLoginFailure', { lua: FAILURE_LUA });
    }
    this.#redis = client as Redis & ThrottleCommands;
    this.#prefix = prefix;
  }

  #keys(ip: string, username: string): [string, string] {
    return [`${this.#prefix}login:ip:${ip}`, `${this.#prefix}login:user:${username}`];
  }

  async retryAfter(ip: string, username: string): Promise<number> {
    const waitMs = await this.#redis.keywardLoginWait(
      2,
      ...this.#keys(ip, username),
      '',
      WINDOW_MS,
      MAX_PER_IP,
      MAX_PER_USERNAME,
    );
    return Math.ceil(Number(waitMs) / 1000);
  }

  async recordFailure(ip: string, username: string): Promise<void> {
    const unique = randomBytes(6).toString('hex');
    await this.#redis.keywardLoginFailure(
      2,
      ...this.#keys(ip, username),
      '',
      WINDOW_MS,
      MAX_PER_IP,
      MAX_PER_USERNAME,
      unique,
    );
  }

  async recordSuccess(ip: string, username: string): Promise<void> {
    await this.#redis.del(this.#keys(ip, username)[1]);
  }
}

/** The throttle in the primary of `--workers`, reached over IPC. */
export class PrimaryLoginThrottle implements LoginThrottle {
  readonly #rpc: RpcClient;
  constructor(rpc: RpcClient) {
    this.#rpc = rpc;
  }
  retryAfter(ip: string, username: string): Promise<number> {
    return this.#rpc.call<number>('login.retryAfter', [ip, username]);
  }
  async recordFailure(ip: string, username: string): Promise<void> {
    await this.#rpc.call('login.failure', [ip, username]);
  }
  async recordSuccess(ip: string, username: string): Promise<void> {
    await this.#rpc.call('login.success', [ip, username]);
  }
}

/** The primary's side: handlers answering workers from one in-memory throttle. */
export function primaryThrottleHandlers(throttle: LoginThrottle): [string, RpcHandler][] {
  const args = (payload: unknown): [string, string] => {
    const [ip, username] = payload as [unknown, unknown];
    if (typeof ip !== 'string' || typeof username !== 'string')
      throw new Error('malformed login throttle call');
    return [ip, username];
  };
  return [
    ['login.retryAfter', (p) => throttle.retryAfter(...args(p))],
    ['login.failure', (p) => throttle.recordFailure(...args(p)).then(() => null)],
    ['login.success', (p) => throttle.recordSuccess(...args(p)).then(() => null)],
  ];
}

/** A shared throttle that falls back to one in this process for any call the shared store fails. */
export class FallbackLoginThrottle implements LoginThrottle {
  readonly #shared: LoginThrottle;
  readonly #local: MemoryLoginThrottle;

  constructor(shared: LoginThrottle, clock: Clock, options?: MemoryLoginThrottleOptions) {
    this.#shared = shared;
    this.#local = new MemoryLoginThrottle(clock, options);
  }

  async retryAfter(ip: string, username: string): Promise<number> {
    const local = await this.#local.retryAfter(ip, username);
    try {
      return Math.max(local, await this.#shared.retryAfter(ip, username));
    } catch {
      return local;
    }
  }

  async recordFailure(ip: string, username: string): Promise<void> {
    // Counted locally as well, so an outage starts from what this process has seen.
    await this.#local.recordFailure(ip, username);
    await this.#shared.recordFailure(ip, username).catch(() => {});
  }

  async recordSuccess(ip: string, username: string): Promise<void> {
    await this.#local.recordSuccess(ip, username);
    await this.#shared.recordSuccess(ip, username).catch(() => {});
  }
}
