/**
 * Calls between `--workers` processes and their primary over node:cluster's IPC channel. Calls
 * made in the same turn of the event loop travel in one message (and their replies in one
 * back), since each message costs a JSON encode and a pipe write on both sides. A call the
 * primary has not answered within the timeout fails, so a request never hangs on IPC. The
 * primary may also push notices (the change bus) to workers.
 */

/** The side of an IPC channel this process holds: `process` in a worker, a `Worker` in the primary. */
export interface IpcPort {
  send(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
  isConnected?(): boolean;
}

type Call = [id: number, method: string, payload: unknown];
type Reply = [id: number, error: string | null, value: unknown];
type Notice = [method: string, payload: unknown];

interface Envelope {
  kw: 1;
  calls?: Call[];
  replies?: Reply[];
  notices?: Notice[];
}

function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && (message as { kw?: unknown }).kw === 1;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** The worker's end: calls to the primary, and notices from it. */
export class RpcClient {
  readonly #port: IpcPort;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #noticeHandlers = new Map<string, (payload: unknown) => void>();
  #nextId = 1;
  #outbox: Envelope | null = null;

  constructor(port: IpcPort, timeoutMs = 2000) {
    this.#port = port;
    this.#timeoutMs = timeoutMs;
    port.on('message', (message) => {
      if (!isEnvelope(message)) return;
      for (const [id, error, value] of message.replies ?? []) this.#settle(id, error, value);
      for (const [method, payload] of message.notices ?? []) this.#noticeHandlers.get(method)?.(payload);
    });
  }

  /** Whether the channel to the primary is open. */
  get connected(): boolean {
    return this.#port.connected !== false;
  }

  /** Calls `method` in the primary; rejects on its error, a closed channel or the timeout. */
  call<T>(method: string, payload: unknown): Promise<T> {
    if (!this.connected) return Promise.reject(new Error('the primary process is not reachable'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the primary process did not answer ${method} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#queue().calls?.push([id, method, payload]);
    });
  }

  /** Sends a notice to the primary (no answer). */
  notify(method: string, payload: unknown): void {
    if (this.connected) this.#queue().notices?.push([method, payload]);
  }

  /** Handles notices the primary pushes with this method name. */
  onNotice(method: string, handler: (payload: unknown) => void): void {
    this.#noticeHandlers.set(method, handler);
  }

  #queue(): Envelope {
    if (this.#outbox === null) {
      this.#outbox = { kw: 1, calls: [], notices: [] };
      setImmediate(() => {
        const envelope = this.#outbox as Envelope;
        this.#outbox = null;
        try {
          this.#port.send(envelope);
        } catch (error) {
          for (const [id] of envelope.calls ?? []) this.#settle(id, (error as Error).message, undefined);
        }
      });
    }
    return this.#outbox;
  }

  #settle(id: number, error: string | null, value: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error === null) pending.resolve(value);
    else pending.reject(new Error(error));
  }
}

/** A handler in the primary: the payload and the port it came from. */
export type RpcHandler = (payload: unknown, from: IpcPort) => unknown;

/** The primary's end for one worker: answers its calls, takes its notices, pushes notices to it. */
export class RpcServer {
  /** The worker this server answers. */
  readonly port: IpcPort;
  readonly #port: IpcPort;
  #outbox: Envelope | null = null;

  constructor(port: IpcPort, handlers: ReadonlyMap<string, RpcHandler>) {
    this.port = port;
    this.#port = port;
    port.on('message', (message) => {
      if (!isEnvelope(message)) return;
      for (const [method, payload] of message.notices ?? []) {
        try {
          handlers.get(method)?.(payload, port);
        } catch {
          // A notice has no one to answer; a bad one is dropped.
        }
      }
      for (const [id, method, payload] of message.calls ?? [])
        this.#answer(id, handlers.get(method), payload);
    });
  }

  /** Pushes a notice to this worker. */
  notify(method: string, payload: unknown): void {
    this.#queue().notices?.push([method, payload]);
  }

  #answer(id: number, handler: RpcHandler | undefined, payload: unknown): void {
    if (handler === undefined) {
      this.#queue().replies?.push([id, 'unknown method', null]);
      return;
    }
    let result: unknown;
    try {
      result = handler(payload, this.#port);
    } catch (error) {
      this.#queue().replies?.push([id, (error as Error).message, null]);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.#queue().replies?.push([id, null, value]),
        (error: unknown) =>
          this.#queue().replies?.push([id, (error as Error).message ?? String(error), null]),
      );
    } else {
      this.#queue().replies?.push([id, null, result]);
    }
  }

  #queue(): Envelope {
    if (this.#outbox === null) {
      this.#outbox = { kw: 1, replies: [], notices: [] };
      setImmediate(() => {
        const envelope = this.#outbox as Envelope;
        this.#outbox = null;
        const connected = this.#port.isConnected ? this.#port.isConnected() : this.#port.connected !== false;
        if (connected) {
          try {
            this.#port.send(envelope);
          } catch {
            // The worker is gone; its pending calls die with it.
          }
        }
      });
    }
    return this.#outbox;
  }
}
