/**
 * `keyward start --workers N`: the primary prepares the store once (migrations, first admin
 * key), then forks N workers that share the listening port through node:cluster. SIGTERM and
 * SIGINT are passed to every worker, which drains like a single process; SIGHUP too, and each
 * reloads its config; a worker reloaded through the admin API asks the primary to reload the
 * others. A worker that dies on its own is replaced.
 */
import cluster from 'node:cluster';

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

/** Forks `count` workers and supervises them until a shutdown signal; resolves with the exit code. */
export function runPrimary(count: number, log: (line: string) => void): Promise<number> {
  let stopping = false;
  const fork = () => cluster.fork({ [WORKER_ENV]: '1' });
  for (let i = 0; i < count; i++) fork();
  process.on('SIGHUP', () => reloadWorkers());
  cluster.on('message', (worker, message: { type?: string } | undefined) => {
    if (message?.type === RELOAD_OTHERS) reloadWorkers(worker.id);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log(`keyward: worker ${worker.process.pid} exited (${signal ?? code}); starting a replacement`);
    setTimeout(fork, 500).unref();
  });
  let failed = false;
  cluster.on('exit', (_worker, code) => {
    if (stopping) failed ||= code !== 0;
  });
  return new Promise((resolve) => {
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
