/** RPC between a worker and its primary over a real IPC channel (a forked child process). */
import { afterEach, describe, expect, test } from 'vitest';
import { type IpcPort, type RpcHandler, RpcServer } from '../../src/ipc/rpc.js';
import { forkIpcChild, type IpcChild } from '../helpers/ipc-child.js';

const children: IpcChild[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.stop();
});

async function worker(handlers: [string, RpcHandler][], timeoutMs?: number) {
  const child = await forkIpcChild(timeoutMs);
  children.push(child);
  new RpcServer(child.child as unknown as IpcPort, new Map(handlers));
  return child;
}

const envelopes = (child: IpcChild) => child.messages.filter((m) => (m as { kw?: number }).kw === 1);

describe('RpcClient and RpcServer', () => {
  test('calls made in one turn travel in one message, and each gets its own answer', async () => {
    const child = await worker([['double', (n) => (n as number) * 2]]);
    const before = envelopes(child).length;
    const results = await child.calls(
      Array.from({ length: 50 }, (_, i) => ['double', i] as [string, unknown]),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => ({ value: i * 2 })));
    expect(envelopes(child).length - before).toBe(1);
  });

  test.each([
    [
      'a handler that throws',
      [
        [
          'boom',
          () => {
            throw new Error('no such key');
          },
        ],
      ],
      'boom',
      'no such key',
    ],
    [
      'a handler that rejects',
      [
        [
          'boom',
          async () => {
            throw new Error('store down');
          },
        ],
      ],
      'boom',
      'store down',
    ],
    ['an unknown method', [], 'nothing', 'unknown method'],
  ] as [string, [string, RpcHandler][], string, string][])(
    '%s fails the call with its message',
    async (_name, handlers, method, message) => {
      const child = await worker(handlers);
      expect(await child.calls([[method, null]])).toEqual([{ error: message }]);
    },
  );

  test('a primary that never answers fails the call after the timeout, never hangs it', async () => {
    const child = await worker([['stuck', () => new Promise(() => {})]], 200);
    const started = performance.now();
    const [result] = await child.calls([['stuck', null]]);
    expect(result).toEqual({ error: 'the primary process did not answer stuck within 200 ms' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
