/**
 * The listening socket, kept apart from the app behind it so a reload can put a new app in
 * place without closing a connection. The host owns the one `http.Server`; every app is built
 * on a stand-in server (Fastify's `serverFactory`) that never listens, and the host hands each
 * request, upgrade and client error to the current app's stand-in. An app that is replaced
 * keeps the requests it had begun; the host says when the last of them is done, so the old
 * app can be closed without cutting anything short.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';

/** How long Fastify keeps an idle connection open (its own default). */
const KEEP_ALIVE_MS = 72_000;

interface Generation {
  server: Server;
  inFlight: number;
  /** Set once replaced: called when its last request is done. */
  onDrained: (() => void) | null;
}

export class GatewayHost {
  readonly server: Server;
  #current: Generation | null = null;
  readonly #generations = new WeakMap<Server, Generation>();

  constructor(requestTimeoutMs: number) {
    this.server = createServer({
      requestTimeout: requestTimeoutMs,
      // A client still sending its headers is cut at requestTimeout, checked every second
      // (Node's default check is every 30 s).
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
      keepAliveTimeout: KEEP_ALIVE_MS,
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const generation = this.#current;
      if (generation === null) {
        res.writeHead(503).end();
        return;
      }
      generation.inFlight++;
      res.once('close', () => {
        generation.inFlight--;
        if (generation.inFlight === 0) generation.onDrained?.();
      });
      generation.server.emit('request', req, res);
    });
    // Which requests with an Upgrade header are upgrades is the current app's call (its
    // WebSocket routes); the others are plain requests.
    const decides = this.server as Server & { shouldUpgradeCallback: (req: IncomingMessage) => boolean };
    decides.shouldUpgradeCallback = (req) => {
      const own = (this.#current?.server as typeof decides | undefined)?.shouldUpgradeCallback;
      return typeof own === 'function' && own.call(this.#current?.server, req);
    };
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const generation = this.#current;
      if (generation === null || !generation.server.emit('upgrade', req, socket, head)) socket.destroy();
    });
    this.server.on('clientError', (error: Error, socket: Duplex) => {
      const generation = this.#current;
      if (generation === null || !generation.server.emit('clientError', error, socket)) socket.destroy();
    });
  }

  /** The `serverFactory` to build apps with: each gets its own stand-in server. */
  readonly serverFactory: FastifyServerFactory = (handler) => {
    const standIn = createServer(handler);
    this.#generations.set(standIn, { server: standIn, inFlight: 0, onDrained: null });
    return standIn;
  };

  /**
   * Makes `app` (built with this host's serverFactory) answer every new request; resolves with
   * a promise that settles when the app it replaced has finished its last request.
   */
  serve(app: FastifyInstance): Promise<void> {
    const next = this.#generations.get(app.server);
    if (next === undefined) throw new Error('the app was not built with this host’s serverFactory');
    const previous = this.#current;
    this.#current = next;
    if (previous === null || previous.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      previous.onDrained = resolve;
    });
  }

  /** Applies a new request timeout to the socket (a reload may change it). */
  setRequestTimeout(ms: number): void {
    this.server.requestTimeout = ms;
    this.server.headersTimeout = ms;
  }

  /** Listens; resolves with the URL actually bound (useful with port 0). */
  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        // Listening on every interface: name the loopback one, which a local client can open.
        const ip =
          address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
        resolve(`http://${address.family === 'IPv6' ? `[${ip}]` : ip}:${address.port}`);
      });
    });
  }

  /**
   * Stops accepting and waits for every connection to end. Connections that finish their
   * request become idle keep-alive sockets; sweeping them lets the drain end as soon as the
   * work is done instead of after the keep-alive timeout.
   */
  async close(): Promise<void> {
    const sweeper = setInterval(() => this.server.closeIdleConnections(), 50);
    try {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
      });
    } finally {
      clearInterval(sweeper);
    }
  }
}
