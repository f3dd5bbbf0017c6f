/**
 * Tracing with OpenTelemetry, when `tracing.endpoint` is set: each request gets a server span
 * that continues the caller's W3C `traceparent`, each pipeline stage and the upstream call a
 * child span, and the upstream receives a `traceparent` naming the gateway's span. Spans are
 * batched and sent over OTLP/HTTP. Off (no endpoint), nothing here is created and no hook is
 * installed: the caller's `traceparent` simply passes through to the upstream like any header.
 * Parents are passed explicitly, never through a global context, so gateways in one process
 * (tests) keep their traces apart.
 */
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { TracingSettings } from '../config/compile.js';

export type { Span };

const propagator = new W3CTraceContextPropagator();

/** The gateway's tracer, with the few operations the request path needs. */
export class Tracing {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;

  constructor(settings: TracingSettings, version: string) {
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': version }),
      // A caller's sampled flag is honoured; new traces are kept at the configured ratio.
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: settings.endpoint, headers: { ...settings.headers } }),
        }),
      ],
    });
    this.#tracer = this.#provider.getTracer('keyward', version);
  }

  /** Starts a request's server span, continuing the `traceparent` (and `tracestate`) it carries. */
  startRequest(method: string, headers: Record<string, string | string[] | undefined>): Span {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.#tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
      parent,
    );
  }

  /** Starts a child of `parent` (a stage, or the upstream call when `kind` is CLIENT). */
  startChild(parent: Span, name: string, kind: SpanKind = SpanKind.INTERNAL): Span {
    return this.#tracer.startSpan(name, { kind }, trace.setSpan(ROOT_CONTEXT, parent));
  }

  /** Writes `span`'s `traceparent` (and `tracestate`) into outgoing headers. */
  inject(span: Span, headers: Record<string, string | string[]>): void {
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  }

  /** Sends what is buffered now (tests, shutdown). */
  flush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  /** Sends what is buffered and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}

/** Ends a span, marking it failed (with the error's code, never its message) when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const code = (error as { code?: unknown }).code;
    const name = error instanceof Error ? error.name : 'error';
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : name });
  }
  span.end();
}

/** The tracing of this config, or null when it is off. */
export function openTracing(settings: TracingSettings | null, version: string): Tracing | null {
  return settings === null ? null : new Tracing(settings, version);
}

export { SpanKind };

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span, when tracing is on. */
    span?: Span;
  }
}
