/**
 * The change bus between `--workers` without Redis: a worker tells its own listeners, then the
 * primary, which passes the change to every other worker (`relayChanges`, the primary's side).
 */
import type { IpcPort, RpcClient, RpcHandler } from '../ipc/rpc.js';
import { type Change, type ChangeBus, type ChangeListener, LocalBus, parseChange } from './bus.js';

export class PrimaryBus implements ChangeBus {
  readonly #local = new LocalBus();
  readonly #rpc: RpcClient;

  constructor(rpc: RpcClient) {
    this.#rpc = rpc;
    rpc.onNotice('bus.change', (payload) => {
      const change = parseChange(payload);
      if (change) this.#local.deliver(change);
    });
  }

  publish(change: Change): void {
    this.#local.deliver(change);
    this.#rpc.notify('bus.publish', change);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.#local.subscribe(listener);
  }

  close(): Promise<void> {
    return this.#local.close();
  }
}

/** The primary's handler: a change from one worker goes to all the others. */
export function relayChanges(
  workers: () => Iterable<{ port: IpcPort; notify(method: string, payload: unknown): void }>,
): [string, RpcHandler] {
  return [
    'bus.publish',
    (payload, from) => {
      const change = parseChange(payload);
      if (!change) return null;
      for (const w of workers()) if (w.port !== from) w.notify('bus.change', change);
      return null;
    },
  ];
}
