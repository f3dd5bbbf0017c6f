/**
 * Relays frames between a caller's WebSocket and the upstream's, both ways: text stays text,
 * binary stays binary; a side whose peer cannot keep up is paused (reading stops, so TCP slows
 * the sender) until the peer's queue drains; injected secrets echoed by the upstream are
 * masked; a close on one side closes the other with the same code and reason (a code that may
 * not be sent, such as 1005 or 1006, becomes a plain close or 1014/1001).
 */
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { maskedCopy } from '../scrub.js';
import { CLOSE, type OpenSocket } from './hub.js';

/** Above this many queued bytes towards a side, the other side is paused; below LOW_WATER it resumes. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;

export interface BridgeOptions {
  route: string;
  principal: string | null;
  keyId: string | null;
  validUntil: number | null;
  idleTimeoutMs: number;
  /** Secret values to mask in upstream messages (empty when the route injects nothing). */
  needles: readonly Buffer[];
  /** Counts per route, for /metrics. */
  stats: { messagesIn: number; messagesOut: number };
  /** The hub's current tick, stamped on each message. */
  now(): number;
  /** The network sockets under each side, to batch their writes. */
  clientStream: Duplex;
  upstreamStream: Duplex;
  /** Called once, when both sides are done. */
  onClosed(bridge: Bridge, code: number): void;
}

/**
 * Holds a socket's writes until the end of the current event-loop turn: the frames relayed from
 * one read (several, when the peer pipelines) then leave in one system call instead of one each.
 */
function writeBatcher(socket: Duplex): () => void {
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    socket.cork();
    process.nextTick(flush);
  };
}

/** Whether a received close code may be sent on (RFC 6455 §7.4; ws refuses the others). */
function sendable(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Closes `socket` with a received code where allowed: 1005 (none given) as a plain close. */
function closeWith(socket: WebSocket, code: number, reason: Buffer, abnormal: number): void {
  if (socket.readyState === socket.CLOSED || socket.readyState === socket.CLOSING) return;
  if (code === 1005) socket.close();
  else if (sendable(code)) socket.close(code, reason);
  else socket.close(abnormal, 'connection lost');
}

/** The relay between one caller and its upstream; also the hub's handle on the connection. */
export class Bridge implements OpenSocket {
  readonly route: string;
  readonly principal: string | null;
  readonly keyId: string | null;
  readonly validUntil: number | null;
  readonly idleTimeoutMs: number;
  lastActivity = 0;
  unrecordedMessages = 0;
  readonly #client: WebSocket;
  readonly #upstream: WebSocket;
  readonly #options: BridgeOptions;
  #closed = false;

  constructor(client: WebSocket, upstream: WebSocket, options: BridgeOptions) {
    this.route = options.route;
    this.principal = options.principal;
    this.keyId = options.keyId;
    this.validUntil = options.validUntil;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.#client = client;
    this.#upstream = upstream;
    this.#options = options;
    const { stats, needles } = options;
    const batchToUpstream = writeBatcher(options.upstreamStream);
    const batchToClient = writeBatcher(options.clientStream);
    // One callback per direction, made once: no closure per message.
    const upstreamDrained = () => {
      if (client.isPaused && upstream.bufferedAmount < LOW_WATER) client.resume();
    };
    const clientDrained = () => {
      if (upstream.isPaused && client.bufferedAmount < LOW_WATER) upstream.resume();
    };
    client.on('message', (data: Buffer, isBinary: boolean) => {
      this.lastActivity = options.now();
      this.unrecordedMessages++;
      stats.messagesIn++;
      batchToUpstream();
      upstream.send(data, isBinary ? BINARY : TEXT, upstreamDrained);
      if (upstream.bufferedAmount > HIGH_WATER) client.pause();
    });
    upstream.on('message', (data: Buffer, isBinary: boolean) => {
      this.lastActivity = options.now();
      this.unrecordedMessages++;
      stats.messagesOut++;
      batchToClient();
      client.send(
        needles.length > 0 ? maskedCopy(data, needles) : data,
        isBinary ? BINARY : TEXT,
        clientDrained,
      );
      if (client.bufferedAmount > HIGH_WATER) upstream.pause();
    });
    client.on('close', (code: number, reason: Buffer) => {
      closeWith(upstream, code, reason, CLOSE.goingAway);
      this.#settle(code);
    });
    upstream.on('close', (code: number, reason: Buffer) => {
      closeWith(client, code, reason, CLOSE.badGateway);
      this.#settle(code);
    });
    // An error is followed by 'close', which relays it; without a listener it would throw.
    client.on('error', () => {});
    upstream.on('error', () => {});
  }

  /** Closes both sides (idle, revoked key, shutdown). */
  close(code: number, reason: string): void {
    this.#upstream.close(code === CLOSE.policyViolation ? CLOSE.goingAway : code, reason);
    this.#client.close(code, reason);
    // A peer that never answers the close handshake is cut after a grace period.
    setTimeout(() => {
      this.#client.terminate();
      this.#upstream.terminate();
    }, 5000).unref();
  }

  #settle(code: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.onClosed(this, code);
  }
}
