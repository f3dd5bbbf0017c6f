/**
 * Relays an upstream response to the caller as it arrives: hop-by-hop headers and (unless
 * allowed) cookies dropped, injected secrets masked, `maxResponseSize` enforced, a copy kept for
 * the response cache. A small body with a declared length (≤ 64 KiB) is collected and sent with
 * its headers in one write, and until then a failure can still be answered with a clean 502/504;
 * anything else streams (Server-Sent Events, long chunked bodies) as it arrives, never
 * buffered, with the caller's backpressure slowing the upstream down. A compressed body on a
 * route that injects secrets is the exception: it is collected whole and decoded first
 * (decode.ts), so masking sees plain bytes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { KeywardError } from '../errors.js';
import { isCacheable, type ResponseCache } from './cache.js';
import { type BodyDecoder, decoderFor, isOverLimit } from './decode.js';
import { callerResponseHeaders } from './headers.js';
import { maskedCopy, maskInPlace, StreamMasker, scrubText } from './scrub.js';
import type { FlowControl, ResponseSink } from './upstream.js';

/** Bodies up to this size (declared by Content-Length) are sent in one piece. */
const BUFFER_LIMIT = 64 * 1024;
/** Largest compressed-then-decoded body relayed when `maxResponseSize` says nothing: 16 MiB. */
const DECODED_LIMIT = 16 * 1024 * 1024;

export interface RelayOptions {
  routeName: string;
  allowSetCookie: boolean;
  /** Secret values to mask, as byte patterns (empty when the route injects nothing). */
  needles: readonly Buffer[];
  maxBytes: number | null;
  cache: { store: ResponseCache; key: string; ttlMs: number } | null;
}

type Headers = Record<string, string | string[]>;

export class ResponseRelay implements ResponseSink {
  readonly #reply: FastifyReply;
  readonly #options: RelayOptions;
  #status = 0;
  #headers: Headers = {};
  #bytes = 0;
  /** The collected body, until sent in one piece; null once streaming. */
  #chunks: Buffer[] | null = [];
  #masker: StreamMasker | null = null;
  /** The copy kept for the cache; null when the response is not to be cached (or grew too big). */
  #cacheCopy: Buffer[] | null = null;
  #flow: FlowControl | null = null;
  /** Set when a compressed body must be decoded before masking (collected whole, never streamed). */
  #decoder: BodyDecoder | null = null;

  constructor(reply: FastifyReply, options: RelayOptions) {
    this.#reply = reply;
    this.#options = options;
  }

  /** Whether the caller's response has begun: from then on a failure can only cut it off. */
  get streaming(): boolean {
    return this.#chunks === null;
  }

  start(statusCode: number, upstreamHeaders: IncomingHttpHeaders, flow: FlowControl): void {
    const { needles, maxBytes, cache, routeName } = this.#options;
    const headers = callerResponseHeaders(upstreamHeaders, this.#options.allowSetCookie);
    if (needles.length > 0) {
      for (const [name, value] of Object.entries(headers)) {
        headers[name] = Array.isArray(value)
          ? value.map((v) => scrubText(v, needles))
          : scrubText(value, needles);
      }
    }
    const declared = Number(upstreamHeaders['content-length'] ?? Number.NaN);
    if (maxBytes !== null && declared > maxBytes) throw tooLarge(routeName);
    if (needles.length > 0) this.#decodeIfCompressed(upstreamHeaders, headers);
    if (cache !== null) {
      headers['x-cache'] = 'MISS';
      if (isCacheable(statusCode, upstreamHeaders)) this.#cacheCopy = [];
    }
    this.#status = statusCode;
    this.#headers = headers;
    if (declared <= BUFFER_LIMIT || this.#decoder !== null) return;
    // Streaming from here on.
    this.#chunks = null;
    if (needles.length > 0) this.#masker = new StreamMasker(needles);
    this.#flow = flow;
    const raw = this.#writeHead().on('drain', () => flow.resume());
    // A body of unknown length may be a stream (SSE) whose first event comes much later: the
    // caller gets the headers now, not with that event.
    if (Number.isNaN(declared)) raw.flushHeaders();
  }

  data(chunk: Buffer): void {
    this.#bytes += chunk.length;
    const { maxBytes, cache } = this.#options;
    if (maxBytes !== null && this.#bytes > maxBytes) throw tooLarge(this.#options.routeName);
    if (this.#decoder !== null && this.#bytes > DECODED_LIMIT) throw tooLarge(this.#options.routeName);
    if (this.#cacheCopy !== null) {
      if (this.#bytes > (cache?.store.maxEntryBytes ?? 0)) this.#cacheCopy = null;
      else this.#cacheCopy.push(chunk);
    }
    if (this.#chunks !== null) {
      this.#chunks.push(chunk);
      return;
    }
    const out = this.#masker ? this.#masker.push(chunk) : chunk;
    if (out.length > 0 && !this.#reply.raw.write(out)) this.#flow?.pause();
  }

  end(): void {
    if (this.#chunks === null) {
      this.#saveToCache();
      this.#reply.raw.end(this.#masker?.end());
      return;
    }
    const chunks = this.#chunks;
    let body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#bytes);
    if (this.#decoder !== null) body = this.#decoded(body);
    this.#saveToCache();
    if (this.#options.needles.length > 0) body = maskedCopy(body, this.#options.needles);
    this.#writeHead().end(body);
  }

  /**
   * A compressed body is decoded before masking, and the caller gets it plain: masking the
   * compressed bytes would find nothing, and relaying them would let the caller decode the secret.
   */
  #decodeIfCompressed(upstreamHeaders: IncomingHttpHeaders, headers: Headers): void {
    const decoder = decoderFor(upstreamHeaders['content-encoding']);
    if (decoder === null) return;
    if (decoder === 'unsupported') {
      throw new KeywardError('KW_ERR_UPSTREAM_FAILED', {
        detail: `Route "${this.#options.routeName}": the upstream answered in an encoding Keyward cannot inspect.`,
      });
    }
    this.#decoder = decoder;
    delete headers['content-encoding'];
    delete headers['content-length'];
  }

  #decoded(body: Buffer): Buffer {
    if (body.length === 0) return body;
    let plain: Buffer;
    try {
      plain = (this.#decoder as BodyDecoder)(body, this.#options.maxBytes ?? DECODED_LIMIT);
    } catch (error) {
      if (isOverLimit(error)) throw tooLarge(this.#options.routeName);
      throw new KeywardError('KW_ERR_UPSTREAM_FAILED', {
        detail: `Route "${this.#options.routeName}": the upstream sent a body that does not decode.`,
      });
    }
    this.#headers['content-length'] = String(plain.length);
    // What the cache keeps is what the caller got: plain bytes (masked when saved).
    if (this.#cacheCopy !== null)
      this.#cacheCopy = plain.length <= (this.#options.cache?.store.maxEntryBytes ?? 0) ? [plain] : null;
    this.#bytes = plain.length;
    return plain;
  }

  #writeHead() {
    // Keyward's own headers (request id, RateLimit, CORS) first; an upstream header of the same
    // name replaces them (x-request-id never does: callerResponseHeaders drops it).
    const merged = this.#reply.getHeaders() as Headers;
    for (const name in this.#headers) merged[name] = this.#headers[name] as string | string[];
    // Hijacked only once the head is accepted: if writeHead refuses a header, Fastify can still answer.
    const raw = this.#reply.raw.writeHead(this.#status, merged);
    this.#reply.hijack();
    return raw;
  }

  #saveToCache(): void {
    const copy = this.#cacheCopy;
    const cache = this.#options.cache;
    if (copy === null || cache === null) return;
    // A copy: the chunks are views into the upstream connection's read buffers.
    const body = Buffer.concat(copy, this.#bytes);
    maskInPlace(body, this.#options.needles);
    const { 'x-cache': _, ...stored } = this.#headers;
    cache.store.set(cache.key, { status: this.#status, headers: stored, body }, cache.ttlMs);
  }
}

function tooLarge(routeName: string): KeywardError {
  return new KeywardError('KW_ERR_UPSTREAM_TOO_LARGE', {
    detail: `Route "${routeName}": the upstream response is larger than allowed.`,
  });
}
