/**
 * The primary process of `keyward start --workers N` without Redis: it holds what the workers
 * must share — every rate-limit count (a LocalLimiter whose calendar counts are added to the
 * store each second) and the login throttle — answers the workers over IPC, and passes each
 * change one worker publishes to all the others. Workers lease cells of busy high limits from
 * it, so most requests never wait for it (docs/rate-limits.md has the numbers).
 */
import cluster, { type Worker } from 'node:cluster';
import { MemoryLoginThrottle } from '../auth/login/throttle.js';
import { primaryThrottleHandlers } from '../auth/login/throttle-shared.js';
import { relayChanges } from '../bus/primary-bus.js';
import { systemClock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { type IpcPort, type RpcHandler, RpcServer } from '../ipc/rpc.js';
import { LocalLimiter } from '../limits/backends/local.js';
import { primaryLimitHandlers } from '../limits/backends/primary.js';
import { SqlQuotaPersistence } from '../limits/persistence.js';
import { openStore } from '../store/db.js';

export interface PrimaryHub {
  /** Writes the last counts and closes the store; call after every worker has exited. */
  close(): Promise<void>;
}

const FLUSH_MS = 1000;

/** Opens the store and starts answering every worker cluster forks from now on. */
export async function openPrimaryHub(
  config: CompiledConfig,
  log: (line: string) => void,
): Promise<PrimaryHub> {
  const store = await openStore(config.storageUrl, { migrate: false, checkpointInBackground: true });
  const limiter = new LocalLimiter(new SqlQuotaPersistence(store.db));
  const servers = new Map<Worker, RpcServer>();
  const handlers = new Map<string, RpcHandler>([
    ...primaryLimitHandlers(limiter, () => systemClock.now()),
    ...primaryThrottleHandlers(new MemoryLoginThrottle(systemClock)),
    relayChanges(() => servers.values()),
  ]);
  const attach = (worker: Worker) => {
    servers.set(worker, new RpcServer(worker as unknown as IpcPort, handlers));
    worker.once('exit', () => servers.delete(worker));
  };
  cluster.on('fork', attach);
  let failing = false;
  const timer = setInterval(() => {
    limiter.flush().then(
      () => {
        if (failing) log('keyward: quota counts are being saved to the store again');
        failing = false;
      },
      (error: unknown) => {
        if (!failing)
          log(
            `keyward: cannot save quota counts to the store (${(error as Error).message}); retrying every second`,
          );
        failing = true;
      },
    );
  }, FLUSH_MS);
  timer.unref();
  return {
    async close() {
      cluster.off('fork', attach);
      clearInterval(timer);
      await limiter.flush().catch(() => {});
      await store.close();
    },
  };
}
