/**
 * The WebSocket side of a route: an upgrade that passed the route's stages (key, JWT, roles,
 * limits) is checked further — a browser's Origin against the route's CORS allow-list, the
 * route's and the key's connection limits, a well-formed handshake — then the upstream side is
 * opened with the injected secret and without the caller's credentials, and only once it is
 * open is the caller's upgrade completed (with the upstream's chosen subprotocol) and the two
 * bridged. Until then every refusal is a normal problem+json response.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer } from 'ws';
import { KeywardError } from '../../errors.js';
import type { CompiledRoute, WebSocketSettings } from '../compile.js';
import {
  type ForwardContext,
  forwardedQuery,
  renderInjections,
  secretValuesOf,
  splitUrl,
} from '../forward.js';
import { upstreamRequestHeaders } from '../headers.js';
import { confinePath } from '../path.js';
import { secretNeedles } from '../scrub.js';
import { Bridge } from './bridge.js';
import { openUpstream, type UpstreamHandshake } from './connect.js';
import type { WebSocketHub } from './hub.js';
import type { PendingUpgrade } from './upgrade.js';

/** What the WebSocket proxy shares across routes. */
export interface WebSocketProxyOptions {
  hub: WebSocketHub;
  /** Counts the completed upgrade (status 101) in usage and metrics. */
  recordUpgrade(principal: string | null, route: string, seconds: number): void;
}

/** Handshake headers ws makes itself, and must not receive twice. */
const HANDSHAKE_HEADERS = [
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
];
const KEY_SHAPE = /^[+/0-9A-Za-z]{22}==$/;
const NO_NEEDLES: readonly Buffer[] = [];

/** Per upgrading request: the subprotocol the upstream chose and the headers to add to the 101. */
const UPGRADES = new WeakMap<IncomingMessage, { protocol: string; headers: [string, string][] }>();

/** One ws server per route (its own message size limit), completing upgrades only. */
function upgradeServer(settings: WebSocketSettings): WebSocketServer {
  const server = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: settings.maxMessageBytes,
    clientTracking: false,
    handleProtocols: (_offered, req) => UPGRADES.get(req)?.protocol || false,
  });
  server.on('headers', (headers: string[], req: IncomingMessage) => {
    for (const [name, value] of UPGRADES.get(req)?.headers ?? []) headers.push(`${name}: ${value}`);
  });
  return server;
}

function checkHandshake(request: FastifyRequest, route: CompiledRoute): void {
  const { headers } = request;
  if (
    headers['sec-websocket-version'] !== '13' ||
    !KEY_SHAPE.test(String(headers['sec-websocket-key'] ?? ''))
  ) {
    throw new KeywardError('KW_ERR_BAD_REQUEST', {
      detail: 'A WebSocket upgrade needs Sec-WebSocket-Version: 13 and a valid Sec-WebSocket-Key.',
    });
  }
  // Browsers always send Origin; one not on the route's list could be a cross-site hijack.
  const origin = headers.origin;
  if (origin !== undefined && !route.cors.origins.has(origin)) {
    throw new KeywardError('KW_ERR_CORS_ORIGIN_DENIED', {
      detail: 'This origin may not open WebSockets on this route.',
    });
  }
}

function offeredProtocols(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** The upstream handshake for this request: confined path, injections, filtered headers. */
async function prepareHandshake(ctx: ForwardContext, request: FastifyRequest, settings: WebSocketSettings) {
  const { route } = ctx;
  const { path: rawPath, query: rawQuery } = splitUrl(request.raw.url ?? '/');
  const confined = confinePath(route.basePath, rawPath.slice(route.prefix.length));
  if (!confined.ok) throw new KeywardError('KW_ERR_BAD_PATH', { detail: `Refused: ${confined.reason}.` });
  const injected = route.injects ? await renderInjections(ctx) : { headers: [], query: [] };
  const drop = new Set(ctx.droppedQueryParams);
  for (const [name] of injected.query) drop.add(name);
  const query = forwardedQuery(route.baseQuery, rawQuery, drop, injected.query);
  const headers = upstreamRequestHeaders(request.headers, ctx.droppedHeaders, {
    peerIp: request.socket.remoteAddress ?? request.ip,
    trustedChain: ctx.trustsPeer(request.socket.remoteAddress)
      ? (request.headers['x-forwarded-for'] as string | undefined)
      : undefined,
    proto: request.protocol,
    host: request.host,
    requestId: request.id,
  });
  for (const name of HANDSHAKE_HEADERS) delete headers[name];
  for (const [name, value] of injected.headers) headers[name] = value;
  const secretValues = secretValuesOf(ctx, [...injected.headers, ...injected.query]);
  const handshake: UpstreamHandshake = {
    routeName: route.name,
    upstream: route.upstream,
    path: query === '' ? confined.path : `${confined.path}?${query}`,
    headers,
    protocols: offeredProtocols(request.headers['sec-websocket-protocol']),
    timeoutMs: route.upstream.settings.timeoutMs,
    maxPayload: settings.maxMessageBytes,
    retries: route.config.upstream.retries,
  };
  return { handshake, needles: secretValues.length > 0 ? secretNeedles(secretValues) : NO_NEEDLES };
}

/** Opens the upstream side, unless the caller hangs up first. */
async function openWhileConnected(handshake: UpstreamHandshake, pending: PendingUpgrade) {
  const gone = new AbortController();
  const onGone = () => gone.abort();
  pending.socket.once('close', onGone);
  try {
    return await openUpstream(handshake, gone.signal);
  } finally {
    pending.socket.removeListener('close', onGone);
  }
}

/** Builds the handler for a WebSocket route's upgrades. */
export function createWebSocketProxy(ctx: ForwardContext, options: WebSocketProxyOptions) {
  const { route } = ctx;
  const settings = route.websocket as WebSocketSettings;
  const server = upgradeServer(settings);
  const stats = options.hub.stats(route.name);
  const { hub } = options;

  return async function proxyWebSocket(
    request: FastifyRequest,
    reply: FastifyReply,
    pending: PendingUpgrade,
  ): Promise<FastifyReply> {
    checkHandshake(request, route);
    const principal = request.principal?.id ?? null;
    const refusal = hub.admit(route.name, principal, settings.maxConnections, settings.maxConnectionsPerKey);
    if (refusal !== null) {
      throw new KeywardError('KW_ERR_CONNECTION_LIMIT', {
        detail:
          refusal === 'route-full'
            ? `Route "${route.name}" has reached its limit of ${settings.maxConnections} open WebSockets.`
            : `This credential has reached the route's limit of ${settings.maxConnectionsPerKey} open WebSockets.`,
        headers: { 'retry-after': '5' },
      });
    }
    let bridged = false;
    try {
      const { handshake, needles } = await prepareHandshake(ctx, request, settings);
      const opened = await openWhileConnected(handshake, pending);
      // From here the socket is the WebSocket's, not Fastify's.
      reply.hijack();
      reply.raw.detachSocket(pending.socket as never);
      UPGRADES.set(request.raw, { protocol: opened.socket.protocol, headers: headersOf(reply) });
      const log: FastifyBaseLogger = request.log;
      const keyId = request.principal?.keyId ?? null;
      const validUntil = request.principal?.validUntil ?? null;
      const started = Date.now();
      // ws calls back at once, or never when the caller's socket is already gone.
      server.handleUpgrade(request.raw, pending.socket, pending.head, (client) => {
        bridged = true;
        const bridge = new Bridge(client, opened.socket, {
          route: route.name,
          principal,
          keyId,
          validUntil,
          idleTimeoutMs: settings.idleTimeoutMs,
          needles,
          stats,
          clientStream: pending.socket,
          upstreamStream: opened.stream,
          now: () => hub.now,
          onClosed: (closed, code) => {
            hub.remove(closed);
            log.info(
              { route: route.name, principal, code, durationMs: Date.now() - started },
              'websocket closed',
            );
          },
        });
        hub.add(bridge);
        options.recordUpgrade(principal, route.name, reply.elapsedTime / 1000);
      });
      if (!bridged) opened.socket.terminate();
    } finally {
      if (!bridged) hub.release(route.name, principal);
    }
    return reply;
  };
}

/** Keyward's response headers so far (request id, RateLimit, CORS), for the 101. */
function headersOf(reply: FastifyReply): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (typeof value === 'string' || typeof value === 'number') out.push([name, String(value)]);
  }
  return out;
}
