/**
 * A small real HTTP server standing for one of a route's targets: `/who` answers its name,
 * `/health` its health, anything else 200 — or, while `failing` is set, 503 (a gateway
 * failure). It counts requests per path and can be stopped and started again on its port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpTarget {
  name: string;
  url: string;
  port: number;
  /** Requests by path (health checks included), since start. */
  hits: Map<string, number>;
  /** When true, every answer except /health is 503. */
  failing: boolean;
  /** When false, /health answers 503. */
  healthy: boolean;
  /** Closes the server and drops its connections (refused from now on). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

export async function startHttpTarget(name: string, port = 0): Promise<HttpTarget> {
  let server: Server;
  const target: HttpTarget = {
    name,
    url: '',
    port,
    hits: new Map(),
    failing: false,
    healthy: true,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    restart: () => listen(target.port),
  };
  const listen = async (on: number) => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://t').pathname;
      target.hits.set(path, (target.hits.get(path) ?? 0) + 1);
      req.resume();
      const status = path.endsWith('/health') ? (target.healthy ? 200 : 503) : target.failing ? 503 : 200;
      const body = JSON.stringify({ name, path, status });
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(on, '127.0.0.1', resolve));
    target.port = (server.address() as AddressInfo).port;
    target.url = `http://127.0.0.1:${target.port}`;
  };
  await listen(port);
  return target;
}
