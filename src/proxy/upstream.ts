/**
 * Calls to one upstream through a keep-alive undici Pool: connect, headers and body timeouts
 * from config, no redirect following (a 3xx is relayed as is), and retries only for idempotent
 * requests without a body, only when configured. Failures are classified so the route can
 * answer 502 or 504 without revealing anything about the upstream.
 */
import type { Readable, Writable } from 'node:stream';
import { Pool } from 'undici';

export interface UpstreamSettings {
  origin: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Readable | undefined;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export type UpstreamFailure = 'timeout' | 'failed' | 'aborted';

/**
 * An upstream call that failed; `kind` decides 504 vs 502. `responseStarted` is set when the
 * failure came after the response headers were handed on (a body cut off midway).
 */
export class UpstreamError extends Error {
  readonly kind: UpstreamFailure;
  readonly causeCode: string;
  readonly responseStarted: boolean;
  constructor(kind: UpstreamFailure, causeCode: string, responseStarted = false) {
    super(`upstream ${kind} (${causeCode})`);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.causeCode = causeCode;
    this.responseStarted = responseStarted;
  }
}

/** Receives the upstream's status and headers; returns where the body is to be written. */
export type ResponseTarget = (statusCode: number, headers: UpstreamResponse['headers']) => Writable;

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

function classify(error: unknown, responseStarted: boolean): UpstreamError {
  const code = (error as { code?: string }).code ?? (error as Error).name ?? 'unknown';
  if (code === 'UND_ERR_ABORTED' || (error as Error).name === 'AbortError')
    return new UpstreamError('aborted', code, responseStarted);
  return new UpstreamError(TIMEOUT_CODES.has(code) ? 'timeout' : 'failed', code, responseStarted);
}

/** A pooled client for one upstream origin. */
export class Upstream {
  readonly settings: UpstreamSettings;
  readonly #pool: Pool;

  constructor(settings: UpstreamSettings) {
    this.settings = settings;
    this.#pool = new Pool(settings.origin, {
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      connect: { timeout: settings.connectTimeoutMs },
    });
  }

  /** Sends one request; throws UpstreamError when no response could be obtained. */
  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.#withRetries(req, async () => {
      const response = await this.#pool.request(this.#options(req));
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    });
  }

  /**
   * Sends one request and writes the response body straight into the Writable that `target`
   * returns for its status and headers — no intermediate stream, for responses passed on as
   * they are. Backpressure and a caller hanging up (the Writable destroyed) carry through to
   * the upstream connection. Resolves when the body has been written.
   */
  stream(req: UpstreamRequest, target: ResponseTarget): Promise<void> {
    let started = false;
    return this.#withRetries(
      req,
      async () => {
        await this.#pool.stream(this.#options(req), ({ statusCode, headers }) => {
          started = true;
          return target(statusCode, headers);
        });
      },
      () => started,
    );
  }

  #options(req: UpstreamRequest) {
    return {
      method: req.method as 'GET',
      path: req.path,
      headers: req.headers,
      body: req.body ?? null,
      signal: req.signal,
      headersTimeout: this.settings.timeoutMs,
      bodyTimeout: this.settings.timeoutMs,
    };
  }

  /** Runs `call`, retrying idempotent body-less requests as configured, never once a response has begun. */
  async #withRetries<T>(req: UpstreamRequest, call: () => Promise<T>, started = () => false): Promise<T> {
    const retryable = req.body === undefined && IDEMPOTENT.has(req.method);
    const attempts = 1 + (retryable ? this.settings.retries : 0);
    // Built only on failure: an Error captures a stack, too costly to make per request.
    let lastError: UpstreamError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        return await call();
      } catch (error) {
        lastError = classify(error, started());
        if (lastError.kind === 'aborted' || lastError.responseStarted) break;
      }
    }
    throw lastError ?? new UpstreamError('failed', 'none');
  }

  /** Closes pooled connections (at shutdown). */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
