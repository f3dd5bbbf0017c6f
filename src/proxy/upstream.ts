/**
 * Calls to one upstream through a keep-alive undici Pool: connect, headers and body timeouts
 * from config, no redirect following (a 3xx is relayed as is), and retries only for idempotent
 * requests without a body, only when configured. Failures are classified so the route can
 * answer 502 or 504 without revealing anything about the upstream.
 *
 * A call hands the response, piece by piece, to a `ResponseSink` through undici's dispatch
 * handler interface: no intermediate Readable, no AbortController per request (a proxied small
 * response took about a quarter less CPU than through `pool.stream`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';

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
}

/** Lets a sink slow the upstream down while the caller's connection is full. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/**
 * Where a response goes. Each method may throw to refuse the response: the upstream call is
 * then aborted and fails with what was thrown.
 */
export interface ResponseSink {
  start(statusCode: number, headers: IncomingHttpHeaders, flow: FlowControl): void;
  data(chunk: Buffer): void;
  end(): void;
}

export type UpstreamFailure = 'timeout' | 'failed' | 'aborted';

/** An upstream call that failed, before or during its response; `kind` decides 504 vs 502. */
export class UpstreamError extends Error {
  readonly kind: UpstreamFailure;
  readonly causeCode: string;
  constructor(kind: UpstreamFailure, causeCode: string) {
    super(`upstream ${kind} (${causeCode})`);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.causeCode = causeCode;
  }
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** The reason a call is aborted when its caller hung up; made once (an Error captures a stack). */
const CALLER_GONE = Object.assign(new Error('the caller closed the connection'), { code: 'UND_ERR_ABORTED' });

function classify(error: unknown): UpstreamError {
  const code = (error as { code?: string }).code ?? (error as Error).name ?? 'unknown';
  if (code === 'UND_ERR_ABORTED' || (error as Error).name === 'AbortError')
    return new UpstreamError('aborted', code);
  return new UpstreamError(TIMEOUT_CODES.has(code) ? 'timeout' : 'failed', code);
}

/** A pending upstream call; `cancel()` aborts it (the caller hung up). */
export interface UpstreamCall {
  readonly done: Promise<void>;
  cancel(): void;
}

/**
 * One call as an undici dispatch handler: relays the response to the sink, retries a failure
 * before any response when allowed, settles `done` once.
 */
class Call implements Dispatcher.DispatchHandler, UpstreamCall {
  readonly done: Promise<void>;
  readonly #pool: Pool;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #sink: ResponseSink;
  #attemptsLeft: number;
  #controller: Dispatcher.DispatchController | null = null;
  #started = false;
  #cancelled = false;
  /** What the sink threw, which the call fails with instead of the abort undici reports. */
  #sinkError: unknown = null;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor(pool: Pool, options: Dispatcher.DispatchOptions, sink: ResponseSink, retries: number) {
    this.#pool = pool;
    this.#options = options;
    this.#sink = sink;
    this.#attemptsLeft = retries;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    pool.dispatch(options, this);
  }

  cancel(): void {
    this.#cancelled = true;
    this.#controller?.abort(CALLER_GONE);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#cancelled) controller.abort(CALLER_GONE);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational (100 Continue, 103): the final response follows
    this.#started = true;
    this.#guard(controller, () => this.#sink.start(statusCode, headers, controller));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#guard(controller, () => this.#sink.data(chunk));
  }

  onResponseEnd(): void {
    try {
      this.#sink.end();
      this.#resolve();
    } catch (error) {
      this.#reject(error);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#sinkError !== null) {
      this.#reject(this.#sinkError);
    } else if (!this.#started && !this.#cancelled && this.#attemptsLeft > 0) {
      this.#attemptsLeft--;
      this.#controller = null;
      this.#pool.dispatch(this.#options, this);
    } else {
      this.#reject(classify(error));
    }
  }

  #guard(controller: Dispatcher.DispatchController, step: () => void): void {
    if (this.#sinkError !== null) return;
    try {
      step();
    } catch (error) {
      this.#sinkError = error;
      controller.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }
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

  /**
   * Sends one request and relays its response to `sink`. `done` rejects with an UpstreamError
   * when the upstream failed (before or during the response), or with what the sink threw.
   */
  send(req: UpstreamRequest, sink: ResponseSink): UpstreamCall {
    const retryable = req.body === undefined && IDEMPOTENT.has(req.method);
    const options: Dispatcher.DispatchOptions = {
      method: req.method as Dispatcher.HttpMethod,
      path: req.path,
      headers: req.headers,
      body: req.body ?? null,
    };
    return new Call(this.#pool, options, sink, retryable ? this.settings.retries : 0);
  }

  /** Closes pooled connections (at shutdown). */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
