/**
 * The one place HTTP errors become problem+json: Keyward's own errors, Fastify's parser and
 * validation errors, unknown routes (404, or 405 with Allow), and anything unexpected (500,
 * logged, never shown).
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ERROR_CODES,
  type ErrorCode,
  KeywardError,
  PROBLEM_CONTENT_TYPE,
  sendProblem,
  toProblem,
} from '../errors.js';
import { isStoreUnavailable } from '../store/availability.js';

const FASTIFY_CODE_MAP: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'KW_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'KW_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'KW_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'KW_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'KW_ERR_INVALID_JSON',
  FST_ERR_CTP_EMPTY_TYPE: 'KW_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'KW_ERR_UNSUPPORTED_MEDIA_TYPE',
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

interface AjvIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string | undefined;
}

/** Names the exact field: `body.roles[0]`, `body.bogus: unknown field`, `body.name: is required`. */
function fieldError(context: string, issue: AjvIssue): { path: string; message: string } {
  const base = context + issue.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  if (issue.keyword === 'additionalProperties')
    return { path: `${base}.${String(issue.params.additionalProperty)}`, message: 'unknown field' };
  if (issue.keyword === 'required')
    return { path: `${base}.${String(issue.params.missingProperty)}`, message: 'is required' };
  return { path: base, message: issue.message ?? 'is invalid' };
}

/** Maps any thrown value to the KeywardError the client sees. */
export function toKeywardError(error: unknown): KeywardError {
  if (error instanceof KeywardError) return error;
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return new KeywardError('KW_ERR_VALIDATION', {
      detail: 'One or more fields are invalid.',
      errors: fastifyError.validation.map((v) => fieldError(fastifyError.validationContext ?? 'body', v)),
    });
  }
  const mapped = fastifyError.code ? FASTIFY_CODE_MAP[fastifyError.code] : undefined;
  if (mapped) return new KeywardError(mapped);
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new KeywardError(status === 404 ? 'KW_ERR_NOT_FOUND' : 'KW_ERR_BAD_REQUEST');
  }
  if (isStoreUnavailable(error))
    return new KeywardError('KW_ERR_NOT_READY', { detail: 'The store is not reachable; try again shortly.' });
  return new KeywardError('KW_ERR_INTERNAL');
}

/** Sockets whose current request was answered while its body was still arriving. */
const answeredBeforeBody = new WeakSet<Duplex>();

/**
 * Call once a response is sent: when the request's body is still arriving (a 401 or 413 sent
 * early), a timeout on it later must close the connection, not write a second, stray response.
 */
export function noteAnsweredBeforeBody(request: IncomingMessage): void {
  if (request.complete) return;
  const socket = request.socket;
  answeredBeforeBody.add(socket);
  request.once('end', () => answeredBeforeBody.delete(socket));
}

/**
 * Fastify `clientErrorHandler`: requests Node rejects before routing (malformed HTTP, a client
 * too slow to send its request, oversized headers) still get problem+json with a request id.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (answeredBeforeBody.has(socket)) {
    socket.destroy();
    return;
  }
  const code: ErrorCode =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'KW_ERR_REQUEST_TIMEOUT'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 'KW_ERR_HEADERS_TOO_LARGE'
        : 'KW_ERR_BAD_REQUEST';
  const requestId = randomUUID();
  const body = JSON.stringify(toProblem(new KeywardError(code), requestId));
  if (socket.writable) {
    const { status, title } = ERROR_CODES[code];
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Fastify `frameworkErrors`: a request target the router cannot read (`http:///x`, a broken
 * escape) or an over-long path parameter gets problem+json with a request id, not Fastify's body.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.header('x-request-id', request.id);
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path segment is too long.'
      : 'The request target is not a valid URL path.';
  sendProblem(reply, new KeywardError('KW_ERR_BAD_REQUEST', { detail }));
}

/** Installs the error and not-found handlers on the root instance. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toKeywardError(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      return sendProblem(
        reply,
        new KeywardError('KW_ERR_METHOD_NOT_ALLOWED', {
          detail: `${request.method} is not allowed here.`,
          headers: { allow: allowed.join(', ') },
        }),
      );
    }
    return sendProblem(
      reply,
      new KeywardError('KW_ERR_NOT_FOUND', { detail: 'No route matches this path.' }),
    );
  });
}
