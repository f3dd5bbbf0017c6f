/** The primary's side of `--workers` limits and login throttles, over a real IPC channel. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryLoginThrottle } from '../../../src/auth/login/throttle.js';
import { primaryThrottleHandlers } from '../../../src/auth/login/throttle-shared.js';
import { systemClock } from '../../../src/clock.js';
import { type IpcPort, RpcServer } from '../../../src/ipc/rpc.js';
import { LocalLimiter } from '../../../src/limits/backends/local.js';
import { primaryLimitHandlers } from '../../../src/limits/backends/primary.js';
import { forkIpcChild, type IpcChild } from '../../helpers/ipc-child.js';

let worker: IpcChild;
beforeAll(async () => {
  worker = await forkIpcChild();
  const handlers = new Map([
    ...primaryLimitHandlers(new LocalLimiter(), () => Date.now()),
    ...primaryThrottleHandlers(new MemoryLoginThrottle(systemClock)),
  ]);
  new RpcServer(worker.child as unknown as IpcPort, handlers);
});
afterAll(() => worker.stop());

describe('the primary answering a worker', () => {
  test('40 acquires in one turn against 5 a day: exactly 5 granted, with the remaining count', async () => {
    const item = ['plan:free:0:key_a', 'day', 5, 0, 0];
    const results = (await worker.calls(Array.from({ length: 40 }, () => ['limits.acquire', [item]]))) as {
      value: number[];
    }[];
    const granted = results.filter((r) => r.value[0] === 1);
    expect(granted).toHaveLength(5);
    expect(granted.map((r) => r.value[2]).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  test('a lease is granted on a large limit and its unused cells can be given back', async () => {
    const item = ['route:big:0:key_b', 'day', 100_000, 500, 0];
    const [first] = (await worker.calls([['limits.acquire', [item]]])) as { value: number[] }[];
    expect(first?.value.slice(0, 2)).toEqual([1, 501]);
    const start = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    await worker.calls([['limits.release', [['route:big:0:key_b', start, 500]]]]);
    const [after] = (await worker.calls([
      ['limits.acquire', [['route:big:0:key_b', 'day', 100_000, 0, 0]]],
    ])) as {
      value: number[];
    }[];
    expect(after?.value[2]).toBe(100_000 - 2);
  });

  test.each([
    ['an unknown period', [['x', 'fortnight', 5, 0, 0]]],
    ['a negative limit', [['x', 'day', -1, 0, 0]]],
    ['a missing id', [[null, 'day', 5, 0, 0]]],
  ])('%s is refused, not counted', async (_name, items) => {
    expect(await worker.calls([['limits.acquire', items]])).toEqual([{ error: 'malformed limit check' }]);
  });

  test('the login throttle: 10 failures from any worker block the username for all', async () => {
    const failures = Array.from(
      { length: 10 },
      (_, i) => ['login.failure', [`10.9.0.${i}`, 'frank']] as [string, unknown],
    );
    await worker.calls(failures);
    const [wait] = (await worker.calls([['login.retryAfter', ['10.9.1.1', 'frank']]])) as { value: number }[];
    expect(wait?.value).toBeGreaterThanOrEqual(899);
    expect(await worker.calls([['login.retryAfter', [42, 'frank']]])).toEqual([
      { error: 'malformed login throttle call' },
    ]);
  });
});
