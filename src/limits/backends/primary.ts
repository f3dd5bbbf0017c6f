/**
 * Limits for `--workers` without Redis: the primary process holds every count (a LocalLimiter
 * with the durable store) and the workers ask it over IPC — one batched message per event-loop
 * turn — wrapped in LeasingBackend, so busy high limits are decided in the worker from leases.
 * `servePrimaryLimits` is the primary's side of the same protocol.
 */
import type { RpcClient, RpcHandler } from '../../ipc/rpc.js';
import type { LimitCheck, Period } from '../policy.js';
import {
  type AcquireItem,
  type AcquireReply,
  type CellReturn,
  flattenAcquireReply,
  type LimitAuthority,
  readAcquireReply,
} from './backend.js';
import type { LocalLimiter } from './local.js';

/** One check on the wire: id, period, limit, wanted lease cells, hold (ms). */
type WireItem = [id: string, per: Period, requests: number, want: number, hold: number];
/** One return on the wire: id, period start, cells. */
type WireReturn = [id: string, periodStart: number, cells: number];

/** The worker's side: an authority reached through the primary. */
export class PrimaryAuthority implements LimitAuthority {
  readonly #rpc: RpcClient;
  constructor(rpc: RpcClient) {
    this.#rpc = rpc;
  }

  get available(): boolean {
    return this.#rpc.connected;
  }

  async acquire(items: readonly AcquireItem[]): Promise<AcquireReply> {
    const wire: WireItem[] = items.map((i) => [
      i.check.id,
      i.check.policy.per,
      i.check.policy.requests,
      i.want,
      i.hold,
    ]);
    return readAcquireReply(await this.#rpc.call<number[]>('limits.acquire', wire), items.length);
  }

  async release(returns: readonly CellReturn[]): Promise<void> {
    const wire: WireReturn[] = returns.map((r) => [r.id, r.periodStart, r.cells]);
    await this.#rpc.call('limits.release', wire);
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

const PERIODS = new Set<Period>(['second', 'minute', 'hour', 'day', 'month']);

function checkOf(item: unknown): AcquireItem {
  const [id, per, requests, want, hold] = item as WireItem;
  if (typeof id !== 'string' || !PERIODS.has(per) || !(requests > 0) || !(want >= 0) || !(hold >= 0))
    throw new Error('malformed limit check');
  const check: LimitCheck = { id, name: id, policy: { requests, per } };
  return { check, want, hold, periodStart: 0, periodEnd: 0 };
}

/** The primary's side: RPC handlers answering workers from `limiter`. */
export function primaryLimitHandlers(limiter: LocalLimiter, now: () => number): Map<string, RpcHandler> {
  return new Map<string, RpcHandler>([
    [
      'limits.acquire',
      async (payload) => {
        return flattenAcquireReply(await limiter.acquire((payload as unknown[]).map(checkOf), now()));
      },
    ],
    [
      'limits.release',
      async (payload) => {
        await limiter.release(
          (payload as WireReturn[]).map(([id, periodStart, cells]) => ({
            id,
            periodStart,
            periodEnd: 0,
            cells,
          })),
        );
        return null;
      },
    ],
  ]);
}
