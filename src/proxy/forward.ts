/**
 * The proxy handler: confine the path, build the upstream request (hygiene, forwarding headers,
 * injected secrets), answer from cache when allowed, call the upstream and relay its answer
 * (relay.ts), and never reveal the upstream's details in errors.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeywardError } from '../errors.js';
import { endSpan, type Span, SpanKind, type Tracing } from '../telemetry/tracing.js';
import type { CachedResponse, ResponseCache } from './cache.js';
import type { CompiledRoute } from './compile.js';
import { type ForwardingInfo, upstreamRequestHeaders } from './headers.js';
import { MissingSecretError, renderTemplate, type SecretLookup } from './inject.js';
import { confinePath } from './path.js';
import { ResponseRelay } from './relay.js';
import { forwardedBody } from './request-body.js';
import { secretNeedles } from './scrub.js';
import { UpstreamError } from './upstream.js';

export interface ForwardContext {
  route: CompiledRoute;
  /** Request headers never forwarded (hygiene and every credential transport's headers). */
  droppedHeaders: ReadonlySet<string>;
  /** Query parameters never forwarded (an enabled query transport's). */
  droppedQueryParams: ReadonlySet<string>;
  secrets: SecretLookup;
  cache: ResponseCache | null;
  /** Whether the immediate peer is a trusted proxy whose X-Forwarded-For may be extended. */
  trustsPeer: (address: string | undefined) => boolean;
  /** With tracing on, the upstream call is a client span and the upstream sees its traceparent. */
  tracing: Tracing | null;
  /** `server.bodyLimit` in bytes: larger request bodies are 413 and never forwarded. */
  bodyLimit: number;
}

/** A request target split into path and query (without the `?`). */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** The forwarded query: the upstream URL's own, then the caller's minus keys and injected names, then injected. */
export function forwardedQuery(
  base: string,
  callerQuery: string,
  drop: ReadonlySet<string>,
  injected: [string, string][],
): string {
  const params = new URLSearchParams(base);
  for (const [name, value] of new URLSearchParams(callerQuery)) {
    if (!drop.has(name)) params.append(name, value);
  }
  for (const [name, value] of injected) params.set(name, value);
  return params.toString();
}

const NO_INJECTIONS = { headers: [] as [string, string][], query: [] as [string, string][] };
const NO_NEEDLES: readonly Buffer[] = [];

/** The route's injected headers and query parameters, rendered with the current secrets. */
export async function renderInjections(ctx: Pick<ForwardContext, 'route' | 'secrets'>) {
  const { route } = ctx;
  try {
    const headers: [string, string][] = [];
    for (const t of route.headerTemplates) headers.push([t.name, await renderTemplate(t, ctx.secrets)]);
    const query: [string, string][] = [];
    for (const t of route.queryTemplates) query.push([t.name, await renderTemplate(t, ctx.secrets)]);
    return { headers, query };
  } catch (error) {
    if (error instanceof MissingSecretError) {
      throw new KeywardError('KW_ERR_SECRET_UNAVAILABLE', {
        detail: `Route "${route.name}" cannot reach its upstream: its credentials are not configured.`,
      });
    }
    throw error;
  }
}

/** The secret values in play for a request: masked in whatever the upstream sends back. */
export function secretValuesOf(
  ctx: Pick<ForwardContext, 'route'>,
  rendered: [string, string][],
): readonly string[] {
  if (rendered.length === 0) return ctx.route.staticSecretValues;
  const values = [...ctx.route.staticSecretValues];
  const templates = [...ctx.route.headerTemplates, ...ctx.route.queryTemplates];
  // Only the secret parts are masked, not literal text such as "Bearer ".
  rendered.forEach(([, value], i) => {
    const template = templates[i];
    if (!template) return;
    let rest = value;
    for (const part of template.parts) {
      if ('literal' in part) rest = rest.replace(part.literal, '\u0000');
    }
    values.push(...rest.split('\u0000').filter((v) => v !== ''));
  });
  return values;
}

function sendCached(reply: FastifyReply, cached: CachedResponse) {
  return reply.code(cached.status).headers(cached.headers).header('x-cache', 'HIT').send(cached.body);
}

/** Handles one proxied request. */
export async function forward(
  ctx: ForwardContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { route } = ctx;
  const target = request.raw.url ?? '/';
  // Absolute-form (`GET http://host/x`) is for forward proxies; its path would be misread here.
  if (target[0] !== '/')
    throw new KeywardError('KW_ERR_BAD_PATH', { detail: 'Refused: absolute-form request target.' });
  const { path: rawPath, query: rawQuery } = splitUrl(target);
  const confined = confinePath(route.basePath, rawPath.slice(route.prefix.length));
  if (!confined.ok) throw new KeywardError('KW_ERR_BAD_PATH', { detail: `Refused: ${confined.reason}.` });
  const pending = forwardedBody(request.raw, ctx.bodyLimit);
  const body = pending instanceof Promise ? await pending : pending;

  const injected = route.injects ? await renderInjections(ctx) : NO_INJECTIONS;
  let query = route.baseQuery;
  if (rawQuery !== '' || injected.query.length > 0) {
    const drop = new Set(ctx.droppedQueryParams);
    for (const [name] of injected.query) drop.add(name);
    query = forwardedQuery(route.baseQuery, rawQuery, drop, injected.query);
  }
  const path = query === '' ? confined.path : `${confined.path}?${query}`;

  const cacheKey =
    ctx.cache && route.cacheTtlMs !== null && request.method === 'GET'
      ? `${route.name}\u0000${path}${route.config.upstream.cache?.perPrincipal ? `\u0000${request.principal?.id ?? ''}` : ''}`
      : null;
  if (cacheKey !== null) {
    const cached = ctx.cache?.get(cacheKey);
    if (cached) return sendCached(reply, cached);
  }

  const forwarding: ForwardingInfo = {
    peerIp: request.socket.remoteAddress ?? request.ip,
    trustedChain: ctx.trustsPeer(request.socket.remoteAddress)
      ? (request.headers['x-forwarded-for'] as string | undefined)
      : undefined,
    proto: request.protocol,
    host: request.host,
    requestId: request.id,
  };
  const headers = upstreamRequestHeaders(request.headers, ctx.droppedHeaders, forwarding);
  for (const [name, value] of injected.headers) headers[name] = value;
  let span: Span | undefined;
  if (ctx.tracing && request.span) {
    span = ctx.tracing.startChild(request.span, `${request.method} upstream ${route.name}`, SpanKind.CLIENT);
    ctx.tracing.inject(span, headers);
  }
  const secretValues = secretValuesOf(ctx, [...injected.headers, ...injected.query]);
  // Masking needs plain bytes; ask the upstream not to compress when a secret is in play.
  if (secretValues.length > 0) headers['accept-encoding'] = 'identity';

  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  const relay = new ResponseRelay(reply, {
    routeName: route.name,
    allowSetCookie: route.config.upstream.allowSetCookie,
    needles: secretValues.length > 0 ? secretNeedles(secretValues) : NO_NEEDLES,
    maxBytes: route.maxResponseBytes,
    cache:
      cacheKey !== null && ctx.cache !== null
        ? { store: ctx.cache, key: cacheKey, ttlMs: route.cacheTtlMs as number }
        : null,
  });
  const call = route.upstream.send({ method: request.method, path, headers, body }, relay);
  // `on`, not `once`: the response emits 'close' once, and is gone after.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) call.cancel();
  });
  try {
    await call.done;
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      endSpan(span);
    }
  } catch (error) {
    if (span) endSpan(span, error);
    if (error instanceof UpstreamError)
      request.log.warn({ route: route.name, upstreamError: error.causeCode }, 'upstream call failed');
    // Once the response has begun, all that is left is to cut it off.
    if (relay.streaming) {
      reply.raw.destroy();
      return reply;
    }
    if (!(error instanceof UpstreamError)) throw error;
    if (error.kind === 'aborted') return reply;
    if (error.kind === 'unavailable') {
      throw new KeywardError('KW_ERR_UPSTREAM_UNAVAILABLE', {
        detail: `Route "${route.name}": the upstream is unavailable; try again shortly.`,
      });
    }
    throw new KeywardError(error.kind === 'timeout' ? 'KW_ERR_UPSTREAM_TIMEOUT' : 'KW_ERR_UPSTREAM_FAILED', {
      detail: `Route "${route.name}": the upstream ${error.kind === 'timeout' ? 'did not answer in time' : 'could not be reached'}.`,
    });
  }
  return reply;
}
