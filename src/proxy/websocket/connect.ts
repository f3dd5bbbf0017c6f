/**
 * Opens the upstream side of a proxied WebSocket: picks a target (balancer, breakers, health),
 * makes the handshake with the prepared headers (the injected secret in, the caller's
 * credentials out) and, when a target cannot be reached, tries another one as for any
 * idempotent request. Every handshake tells its target how it went. Answers only with the open
 * socket or a KeywardError (502, 503, 504) that says nothing about the upstream.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { KeywardError } from '../../errors.js';
import { isGatewayFailure, type Target } from '../target.js';
import type { Upstream } from '../upstream.js';

export interface UpstreamHandshake {
  routeName: string;
  upstream: Upstream;
  /** Path and query on the upstream, already confined and with injections. */
  path: string;
  headers: Record<string, string | string[]>;
  protocols: string[];
  timeoutMs: number;
  maxPayload: number;
  retries: number;
}

export interface OpenedUpstream {
  socket: WebSocket;
  /** The network socket under `socket`. */
  stream: Duplex;
  target: Target;
}

type Attempt =
  | { ok: true; socket: WebSocket; stream: Duplex }
  | { ok: false; kind: 'timeout' | 'failed' | 'refused' };

function wsOrigin(origin: string): string {
  return origin.startsWith('https:') ? `wss:${origin.slice(6)}` : `ws:${origin.slice(5)}`;
}

/** One handshake with one target; `cancelled` ends it early (the caller hung up). */
function attempt(target: Target, h: UpstreamHandshake, cancelled: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${wsOrigin(target.origin)}${h.path}`, h.protocols, {
      headers: h.headers as Record<string, string>,
      handshakeTimeout: h.timeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: h.maxPayload,
    });
    const onCancel = () => socket.terminate();
    cancelled.addEventListener('abort', onCancel, { once: true });
    const settle = (result: Attempt) => {
      cancelled.removeEventListener('abort', onCancel);
      resolve(result);
    };
    let stream: Duplex | null = null;
    socket.once('upgrade', (res: IncomingMessage) => {
      stream = res.socket;
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      settle({ ok: true, socket, stream: stream as Duplex });
    });
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume();
      socket.terminate();
      // The target answered, so it is up, unless the answer itself says otherwise.
      settle({ ok: false, kind: isGatewayFailure(res.statusCode ?? 0) ? 'failed' : 'refused' });
    });
    socket.on('error', (error: Error) => {
      settle({ ok: false, kind: /timed out/i.test(error.message) ? 'timeout' : 'failed' });
    });
  });
}

/** Opens the upstream WebSocket, or throws the KeywardError the caller should see. */
export async function openUpstream(h: UpstreamHandshake, cancelled: AbortSignal): Promise<OpenedUpstream> {
  const tried: Target[] = [];
  let last: Attempt | null = null;
  for (let left = h.retries; ; left--) {
    const target = h.upstream.pick(tried);
    if (target === null) break;
    const probe = target.begin();
    const result = await attempt(target, h, cancelled);
    target.pending--;
    if (cancelled.aborted) {
      target.report('neutral', probe);
      if (result.ok) result.socket.terminate();
      throw new KeywardError('KW_ERR_BAD_REQUEST', { detail: 'The caller went away.' });
    }
    if (result.ok) {
      target.report('success', probe);
      // Held as pending while open: least-pending balancing counts open sockets.
      target.pending++;
      result.socket.once('close', () => target.pending--);
      return { socket: result.socket, stream: result.stream, target };
    }
    target.report(result.kind === 'refused' ? 'success' : 'failure', probe);
    last = result;
    if (result.kind === 'refused' || left <= 0) break;
    tried.push(target);
  }
  const detail = `Route "${h.routeName}": the upstream`;
  if (last === null)
    throw new KeywardError('KW_ERR_UPSTREAM_UNAVAILABLE', {
      detail: `${detail} is unavailable; try again shortly.`,
    });
  if (!last.ok && last.kind === 'timeout')
    throw new KeywardError('KW_ERR_UPSTREAM_TIMEOUT', { detail: `${detail} did not answer in time.` });
  if (!last.ok && last.kind === 'refused')
    throw new KeywardError('KW_ERR_UPSTREAM_FAILED', { detail: `${detail} refused the WebSocket upgrade.` });
  throw new KeywardError('KW_ERR_UPSTREAM_FAILED', { detail: `${detail} could not be reached.` });
}
