/**
 * Limits for `--workers` without Redis: the primary process holds every count (a LocalLimiter
 * with the durable store) and the workers ask it over IPC — one batched message per event-loop
 * turn — wrapped in LeasingBackend, so busy high limits are decided in the worker from leases.
 * `servePrimaryLimits` is the primary's side of the same protocol.
 */
import type { RpcClient, RpcHandler } from '../../ipc/rpc.js';
import type { LimitCheck, Period } from '../policy.js';
import type { AcquireItem, AcquireReply, CellReturn, LimitAuthority } from './backend.js';
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
    const flat = await this.#rpc.call<number[]>('limits.acquire', wire);
    const grants: AcquireReply['grants'] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const at = 1 + i * 4;
      grants[i] = {
        granted: flat[at] as number,
        remaining: flat[at + 1] as number,
        resetMs: flat[at + 2] as number,
        retryAfterMs: flat[at + 3] as number,
      };
    }
    return { allowed: flat[0] === 1, grants };
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
        const reply = await limiter.acquire((payload as unknown[]).map(checkOf), now());
        const flat: number[] = [reply.allowed ? 1 : 0];
        for (const g of reply.grants) flat.push(g.granted, g.remaining, g.resetMs, g.retryAfterMs);
        return flat;
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
