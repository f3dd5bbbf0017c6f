/** The change bus: in one process, between workers through the primary, across instances in Redis. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { type Change, LocalBus, parseChange } from '../../src/bus/bus.js';
import { relayChanges } from '../../src/bus/primary-bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { type IpcPort, RpcServer } from '../../src/ipc/rpc.js';
import { clientOptions } from '../../src/redis/connection.js';
import { waitFor } from '../helpers/cli.js';
import { forkIpcChild, type IpcChild } from '../helpers/ipc-child.js';
import { startRedis } from '../helpers/services.js';

const DIGEST = 'a'.repeat(64);

describe('parseChange', () => {
  test.each([
    [
      { type: 'key', digest: DIGEST },
      { type: 'key', digest: DIGEST },
    ],
    [
      { type: 'key', digest: DIGEST, id: 'dropped' },
      { type: 'key', digest: DIGEST },
    ],
    [{ type: 'keys-added' }, { type: 'keys-added' }],
    [{ type: 'key', id: 'key_1' }, null],
    [
      { type: 'user', id: 'usr_1', extra: 'dropped' },
      { type: 'user', id: 'usr_1' },
    ],
    [
      { type: 'secret', name: 'weather' },
      { type: 'secret', name: 'weather' },
    ],
    [{ type: 'signing-key' }, { type: 'signing-key' }],
    [{ type: 'key', digest: 'not-hex' }, null],
    [{ type: 'key', digest: DIGEST.toUpperCase() }, null],
    [{ type: 'user', id: 'x'.repeat(600) }, null],
    [{ type: 'secret' }, null],
    [{ type: 'rm -rf' }, null],
    ['key', null],
    [null, null],
  ])('%j → %j', (input, expected) => {
    expect(parseChange(input)).toEqual(expected);
  });
});

describe('LocalBus', () => {
  test('delivers to every listener, even when one throws, until it unsubscribes', () => {
    const bus = new LocalBus();
    const heard: Change[] = [];
    bus.subscribe(() => {
      throw new Error('a broken cache');
    });
    const off = bus.subscribe((c) => heard.push(c));
    bus.publish({ type: 'signing-key' });
    off();
    bus.publish({ type: 'signing-key' });
    expect(heard).toEqual([{ type: 'signing-key' }]);
  });
});

describe('between workers, through the primary', () => {
  const children: IpcChild[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.stop();
  });

  test('a change published in one worker reaches every other worker once, and not itself again', async () => {
    const workers = await Promise.all([forkIpcChild(), forkIpcChild(), forkIpcChild()]);
    children.push(...workers);
    const servers = new Map<IpcChild, RpcServer>();
    const handlers = new Map([relayChanges(() => servers.values())]);
    for (const w of workers) servers.set(w, new RpcServer(w.child as unknown as IpcPort, handlers));
    const change = { type: 'key', digest: DIGEST };
    workers[0]?.publish(change);
    await waitFor(() => workers.slice(1).every((w) => w.heard.length === 1), 2000, 'the other workers');
    // The publisher's own listeners were told directly, once.
    await waitFor(() => workers[0]?.heard.length === 1, 2000, 'the publisher');
    await new Promise((r) => setTimeout(r, 100));
    expect(workers.map((w) => w.heard)).toEqual([[change], [change], [change]]);
  });
});

const redis = await startRedis();
afterAll(() => redis?.stop());

describe.skipIf(!redis)('across instances, in Redis', () => {
  function bus() {
    const url = redis?.url as string;
    const client = new Redis(url, clientOptions({}));
    const subscriber = new Redis(url, {
      ...clientOptions({}),
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      enableAutoPipelining: false,
    });
    for (const c of [client, subscriber]) c.on('error', () => {});
    const b = new RedisBus({ client, subscriber });
    b.start();
    const heard: Change[] = [];
    b.subscribe((c) => heard.push(c));
    return {
      bus: b,
      heard,
      ready: () => new Promise<void>((resolve) => subscriber.once('ready', () => resolve())),
      subscribed: async () => waitFor(() => subscriber.status === 'ready', 5000, 'subscriber'),
      async close() {
        await b.close();
        client.disconnect();
      },
    };
  }

  test('a change reaches the other instance within a second; the publisher hears it once', async () => {
    const [a, b] = [bus(), bus()];
    try {
      await Promise.all([a.subscribed(), b.subscribed()]);
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      a.bus.publish({ type: 'secret', name: 'weather' });
      await waitFor(() => b.heard.length === 1, 1000, 'the other instance');
      expect(performance.now() - started).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 100));
      expect(a.heard).toEqual([{ type: 'secret', name: 'weather' }]);
      expect(b.heard).toEqual([{ type: 'secret', name: 'weather' }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('malformed messages on the channel are ignored', async () => {
    const a = bus();
    const raw = new Redis(redis?.url as string);
    try {
      await a.subscribed();
      await new Promise((r) => setTimeout(r, 100));
      await raw.publish('keyward:changes', 'not json');
      await raw.publish('keyward:changes', JSON.stringify({ origin: 'x', change: { type: 'drop tables' } }));
      await raw.publish(
        'keyward:changes',
        JSON.stringify({ origin: 'x', change: { type: 'user', id: 'usr_2' } }),
      );
      await waitFor(() => a.heard.length === 1, 1000, 'the valid message');
      expect(a.heard).toEqual([{ type: 'user', id: 'usr_2' }]);
    } finally {
      raw.disconnect();
      await a.close();
    }
  });

  test('after Redis restarts, the bus subscribes again by itself', async () => {
    const [a, b] = [bus(), bus()];
    try {
      await Promise.all([a.subscribed(), b.subscribed()]);
      const back = Promise.all([a.ready(), b.ready()]);
      await redis?.halt({ hard: true });
      await redis?.resume();
      await back;
      // Resubscribing follows 'ready'; publish until the other side hears.
      await waitFor(
        () => {
          a.bus.publish({ type: 'signing-key' });
          return b.heard.length > 0;
        },
        5000,
        'a message after the restart',
      );
      expect(b.heard[0]).toEqual({ type: 'signing-key' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
