/**
 * One table of every error a user can see: a stable code, an HTTP status and a title.
 * Errors are thrown by code (`throw new KeywardError('KW_ERR_KEY_REVOKED')`) and turned into
 * RFC 9457 problem+json by `toProblem`, so the wire format lives in exactly one place.
 */
import type { FastifyReply } from 'fastify';

export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
}

export const ERROR_CODES = {
  KW_ERR_BAD_REQUEST: { status: 400, title: 'Malformed request' },
  KW_ERR_BAD_PATH: { status: 400, title: 'Path not allowed' },
  KW_ERR_INVALID_JSON: { status: 400, title: 'Malformed JSON body' },
  KW_ERR_AMBIGUOUS_CREDENTIALS: { status: 400, title: 'More than one credential was presented' },
  KW_ERR_UNSUPPORTED_GRANT: { status: 400, title: 'Unsupported grant type' },
  KW_ERR_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  KW_ERR_KEY_MALFORMED: { status: 401, title: 'API key is malformed' },
  KW_ERR_KEY_CHECKSUM: { status: 401, title: 'API key checksum does not match' },
  KW_ERR_KEY_UNKNOWN: { status: 401, title: 'API key is not valid' },
  KW_ERR_KEY_REVOKED: { status: 401, title: 'API key has been revoked' },
  KW_ERR_KEY_EXPIRED: { status: 401, title: 'API key has expired' },
  KW_ERR_KEY_ROTATED: { status: 401, title: 'API key was rotated and its grace period has ended' },
  KW_ERR_KEY_EXHAUSTED: { status: 401, title: 'API key has no remaining uses' },
  KW_ERR_TOKEN_INVALID: { status: 401, title: 'Bearer token is not valid' },
  KW_ERR_TOKEN_EXPIRED: { status: 401, title: 'Bearer token has expired' },
  KW_ERR_LOGIN_FAILED: { status: 401, title: 'Login failed' },
  KW_ERR_REFRESH_INVALID: { status: 401, title: 'Refresh token is not valid' },
  KW_ERR_CLIENT_AUTH_FAILED: { status: 401, title: 'Client authentication failed' },
  KW_ERR_FORBIDDEN: { status: 403, title: 'Missing required role' },
  KW_ERR_ORIGIN_NOT_ALLOWED: { status: 403, title: 'Origin not allowed for this API key' },
  KW_ERR_IP_NOT_ALLOWED: { status: 403, title: 'Client address not allowed for this API key' },
  KW_ERR_PLAN_UNKNOWN: { status: 403, title: 'Plan not configured' },
  KW_ERR_CORS_ORIGIN_DENIED: { status: 403, title: 'Cross-origin request not allowed' },
  KW_ERR_CSRF: { status: 403, title: 'Cross-site request refused' },
  KW_ERR_REGISTRATION_CLOSED: { status: 403, title: 'Registration is closed' },
  KW_ERR_INVITATION_INVALID: { status: 403, title: 'Invitation is not valid' },
  KW_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  KW_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  KW_ERR_REQUEST_TIMEOUT: { status: 408, title: 'Request timed out' },
  KW_ERR_CONFLICT: { status: 409, title: 'Conflict' },
  KW_ERR_KEY_LIMIT: { status: 409, title: 'Key limit reached' },
  KW_ERR_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  KW_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  KW_ERR_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  KW_ERR_VALIDATION: { status: 422, title: 'Invalid fields' },
  KW_ERR_RATE_LIMITED: { status: 429, title: 'Rate limit exceeded' },
  KW_ERR_UPSTREAM_BUDGET: { status: 429, title: 'Upstream budget exhausted' },
  KW_ERR_CONNECTION_LIMIT: { status: 429, title: 'Too many open connections' },
  KW_ERR_INTERNAL: { status: 500, title: 'Internal error' },
  KW_ERR_UPSTREAM_FAILED: { status: 502, title: 'Upstream request failed' },
  KW_ERR_UPSTREAM_TOO_LARGE: { status: 502, title: 'Upstream response too large' },
  KW_ERR_NOT_READY: { status: 503, title: 'Not ready' },
  KW_ERR_OVERLOADED: { status: 503, title: 'Too busy' },
  KW_ERR_LIMITER_UNAVAILABLE: { status: 503, title: 'Rate limiter unavailable' },
  KW_ERR_SECRET_UNAVAILABLE: { status: 503, title: 'Upstream credentials unavailable' },
  KW_ERR_JWKS_UNAVAILABLE: { status: 503, title: 'Identity provider keys unavailable' },
  KW_ERR_UPSTREAM_UNAVAILABLE: { status: 503, title: 'Upstream unavailable' },
  KW_ERR_UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream timed out' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  path: string;
  message: string;
}

export interface KeywardErrorOptions {
  /** Human-readable detail; must never contain a secret or upstream internals. */
  detail?: string;
  /** Field-level problems for 422 responses. */
  errors?: FieldError[];
  /** Extra response headers (Allow, Retry-After, WWW-Authenticate...). */
  headers?: Record<string, string>;
}

/**
 * An error with a stable code that maps to one HTTP status and problem type. It is an expected
 * outcome told to a caller (a wrong key, a limit reached), never a bug, so it carries no stack
 * trace: capturing one was the largest single cost of answering a refused request.
 */
export class KeywardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: KeywardErrorOptions = {}) {
    const spec: ErrorSpec = ERROR_CODES[code];
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(options.detail ?? spec.title);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'KeywardError';
    this.code = code;
    this.status = spec.status;
    this.title = spec.title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = { ...options.headers };
    if (spec.status === 401 && !this.headers['www-authenticate']) {
      this.headers['www-authenticate'] = `ApiKey realm="keyward", error="${code}"`;
    }
  }
}

/** The RFC 9457 body Keyward sends for every error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Serializes an error as problem+json; `type` points at the code's entry in docs/errors.md. */
export function toProblem(error: KeywardError, requestId: string): Problem {
  const problem: Problem = {
    type: `https://keyward.dev/errors#${error.code.toLowerCase()}`,
    title: error.title,
    status: error.status,
    detail: error.detail ?? error.title,
    code: error.code,
    requestId,
  };
  if (error.errors && error.errors.length > 0) problem.errors = error.errors;
  return problem;
}

/** Sends a KeywardError as problem+json with its headers. */
export function sendProblem(reply: FastifyReply, error: KeywardError): FastifyReply {
  reply.code(error.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE);
  return reply.send(toProblem(error, reply.request.id));
}
