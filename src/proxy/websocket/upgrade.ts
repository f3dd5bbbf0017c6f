/**
 * Routes WebSocket upgrades through Fastify like any request, so they pass the same mounts and
 * stages (CORS, authenticate, authorize, limits) as the route's HTTP requests and any refusal
 * is a normal problem+json response. Only upgrades to a WebSocket route's paths take this way;
 * Node handles every other request, with or without an Upgrade header, as plain HTTP.
 * The model is @fastify/websocket: the upgrade's socket gets a ServerResponse and goes through
 * `app.routing`; the route handler either completes the upgrade or answers over that response.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/** The raw socket of an upgrade in progress, and the bytes already read past its headers. */
export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const PENDING = Symbol('keyward.pendingUpgrade');
type MarkedRequest = IncomingMessage & { [PENDING]?: PendingUpgrade };

/** The upgrade behind a request, when it is one that reached a WebSocket route. */
export function pendingUpgrade(raw: IncomingMessage): PendingUpgrade | undefined {
  return (raw as MarkedRequest)[PENDING];
}

function isUnder(url: string, prefix: string, wildcard: boolean): boolean {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  if (path === (prefix || '/')) return true;
  return wildcard && path.startsWith(`${prefix}/`);
}

/** Sends WebSocket upgrades for the given route paths through the app's router. */
export function routeUpgrades(
  app: FastifyInstance,
  routes: readonly { prefix: string; wildcard: boolean }[],
): void {
  // Node reads this per request (set at creation, or here: Fastify made the server).
  const server = app.server as typeof app.server & {
    shouldUpgradeCallback: (req: IncomingMessage) => boolean;
  };
  server.shouldUpgradeCallback = (req) =>
    req.method === 'GET' &&
    typeof req.headers.upgrade === 'string' &&
    req.headers.upgrade.toLowerCase() === 'websocket' &&
    routes.some((r) => isUnder(req.url ?? '', r.prefix, r.wildcard));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes it over, a failing socket must not crash the process.
    socket.on('error', () => socket.destroy());
    (req as MarkedRequest)[PENDING] = { socket, head };
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as ServerResponse['socket'] & Duplex as never);
    // A refusal is a complete HTTP response; then the connection is done.
    res.once('finish', () => socket.end());
    app.routing(req, res);
  });
}
