/**
 * The authentication stage: an onRequest hook that turns the request's credential into
 * `request.principal`, or answers 400/401/403 with a precise code. Built once per route with
 * that route's accepted schemes (hono-style: options validated at creation, not per request).
 */
import type { FastifyRequest } from 'fastify';
import type { ApiKeySettings } from '../config/compile.js';
import { type ErrorCode, KeywardError } from '../errors.js';
import type { Stage } from '../http/stages.js';
import type { ApiKeyService, KeyFailure, KeyVerification } from './api-keys.js';
import { extractApiKey } from './credentials.js';
import { authenticateJwt, bearerJwt } from './jwt/authenticate-jwt.js';

const FAILURE_CODES: Record<KeyFailure, ErrorCode> = {
  malformed: 'KW_ERR_KEY_MALFORMED',
  checksum: 'KW_ERR_KEY_CHECKSUM',
  unknown: 'KW_ERR_KEY_UNKNOWN',
  revoked: 'KW_ERR_KEY_REVOKED',
  expired: 'KW_ERR_KEY_EXPIRED',
  rotated: 'KW_ERR_KEY_ROTATED',
  exhausted: 'KW_ERR_KEY_EXHAUSTED',
  origin: 'KW_ERR_ORIGIN_NOT_ALLOWED',
  ip: 'KW_ERR_IP_NOT_ALLOWED',
};

const FAILURE_DETAILS: Record<KeyFailure, string> = {
  malformed: 'The API key is not in the expected format.',
  checksum: 'The API key checksum does not match; check for a typo.',
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
  expired: 'The API key has expired.',
  rotated: 'The API key was replaced and its grace period has ended; use the new key.',
  exhausted: 'The API key has no remaining uses.',
  origin: 'This API key may not be used from this origin.',
  ip: 'This API key may not be used from this address.',
};

export type AuthScheme = 'apiKey' | 'jwt' | 'none';

export interface AuthenticateOptions {
  schemes: readonly AuthScheme[];
  apiKeys: ApiKeyService;
  settings: ApiKeySettings;
}

/** Maps a key verification failure to the error the caller sees. */
export function keyFailureError(reason: KeyFailure): KeywardError {
  return new KeywardError(FAILURE_CODES[reason], { detail: FAILURE_DETAILS[reason] });
}

function admit(request: FastifyRequest, result: KeyVerification): undefined {
  if (!result.ok) throw keyFailureError(result.reason);
  request.principal = result.principal;
  return undefined;
}

/** Builds the authentication stage for a route that accepts `schemes`. */
export function createAuthenticator(options: AuthenticateOptions): Stage {
  const { apiKeys, settings } = options;
  const acceptsKeys = options.schemes.includes('apiKey');
  const acceptsJwt = options.schemes.includes('jwt');
  const optional = options.schemes.includes('none');
  const missing = !acceptsKeys
    ? 'Send a bearer token: Authorization: Bearer <JWT>.'
    : acceptsJwt
      ? 'Send an API key (e.g. in the X-Api-Key header) or a bearer token.'
      : 'Send an API key, e.g. in the X-Api-Key header.';
  // Token-only routes challenge for Bearer (RFC 6750); the others keep the ApiKey challenge.
  const headers: Record<string, string> = acceptsKeys ? {} : { 'www-authenticate': 'Bearer realm="keyward"' };
  return function authenticate(request: FastifyRequest) {
    if (acceptsJwt) {
      // A dotted bearer value is a JWT; anything else falls through to the API key path.
      const jwt = request.server.keywardJwt;
      const token = jwt ? bearerJwt(request.headers.authorization) : undefined;
      if (jwt && token !== undefined) {
        return authenticateJwt(jwt, token, request, settings).then((principal) => {
          request.principal = principal;
        });
      }
    }
    if (!acceptsKeys) {
      if (optional) return undefined;
      throw new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: missing, headers });
    }
    const credential = extractApiKey(request, settings);
    if (!credential.ok) {
      if (credential.reason === 'missing') {
        if (optional) return undefined;
        throw new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: missing, headers });
      }
      if (credential.reason === 'ambiguous') {
        throw new KeywardError('KW_ERR_AMBIGUOUS_CREDENTIALS', {
          detail: 'Send exactly one credential; the request carried several different ones.',
        });
      }
      throw keyFailureError('malformed');
    }
    if (credential.transport === 'query') {
      // The key must not reach validation, handlers or an upstream.
      delete (request.query as Record<string, unknown>)[settings.queryParam as string];
    }
    const result = apiKeys.verify(credential.key, { origin: request.headers.origin, ip: request.ip });
    // A cached key is decided synchronously; only a store lookup returns a promise.
    if (result instanceof Promise) return result.then((r) => admit(request, r));
    return admit(request, result);
  };
}
