/**
 * `keyward start --workers N`: the primary prepares the store once (migrations, first admin
 * key), then forks N workers that share the listening port through node:cluster. SIGTERM and
 * SIGINT are passed to every worker, which drains like a single process; SIGHUP too, and each
 * reloads its config; a worker reloaded through the admin API asks the primary to reload the
 * others. A worker that dies on its own is replaced, with a backoff when workers fail at start
 * (restart-policy.ts) and exit code 1 once that keeps happening.
 */
import cluster from 'node:cluster';
import { RestartPolicy } from './restart-policy.js';

export const WORKER_ENV = 'KEYWARD_CLUSTER_WORKER';

const RELOAD_OTHERS = 'keyward:reload-others';

/** From a worker that reloaded: asks the primary to send SIGHUP to every other worker. */
export function requestReloadOfOtherWorkers(outcome: { reloaded: boolean }): void {
  if (outcome.reloaded) process.send?.({ type: RELOAD_OTHERS });
}

/** Sends SIGHUP to every live worker but `except`. */
function reloadWorkers(except?: number): void {
  for (const worker of Object.values(cluster.workers ?? {})) {
    if (worker && !worker.isDead() && worker.id !== except) worker.process.kill('SIGHUP');
  }
}

/** Whether this process is a worker forked by `runPrimary`. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1';
}

/**
 * Forks `count` workers and supervises them until a shutdown signal; resolves with the exit
 * code. A worker has started once it listens on `port` (the demo's echo upstream listens too).
 */
export function runPrimary(count: number, log: (line: string) => void, port = 0): Promise<number> {
  let stopping = false;
  const fork = () => cluster.fork({ [WORKER_ENV]: '1' });
  for (let i = 0; i < count; i++) fork();
  process.on('SIGHUP', () => reloadWorkers());
  cluster.on('message', (worker, message: { type?: string } | undefined) => {
    if (message?.type === RELOAD_OTHERS) reloadWorkers(worker.id);
  });
  const restarts = new RestartPolicy();
  const listening = new Set<number>();
  cluster.on('listening', (worker, address) => {
    if (port !== 0 && address.port !== port) return;
    listening.add(worker.id);
    restarts.started();
  });
  let giveUp = () => {};
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const delay = restarts.afterExit(listening.delete(worker.id));
    if (delay === null) {
      log(
        `keyward: workers failed at start ${restarts.maxStartFailures} times in a row (last: ${signal ?? `exit code ${code}`}); giving up`,
      );
      giveUp();
      return;
    }
    log(
      `keyward: worker ${worker.process.pid} exited (${signal ?? code}); starting a replacement in ${delay} ms`,
    );
    setTimeout(() => stopping || fork(), delay);
  });
  let failed = false;
  cluster.on('exit', (_worker, code) => {
    if (stopping) failed ||= code !== 0;
  });
  return new Promise((resolve) => {
    giveUp = () => {
      failed = true;
      stop('SIGTERM');
    };
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker && !worker.isDead()) worker.process.kill(signal);
      }
      // Workers drain on their own; dead ones leave cluster.workers.
      const wait = setInterval(() => {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          clearInterval(wait);
          resolve(failed ? 1 : 0);
        }
      }, 50);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
