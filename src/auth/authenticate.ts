/**
 * The authentication stage: turns the request's credential into `request.principal`, or
 * answers 400/401/403 with a precise code. Built once per mount with that mount's accepted
 * schemes and the verifiers it needs (hono-style: options checked at creation, not per request).
 */
import type { FastifyRequest } from 'fastify';
import { KeywardError } from '../errors.js';
import type { Stage, StageOutcome } from '../stages.js';
import type { CredentialTransports } from './credentials.js';
import { authenticateJwt, bearerJwt, type JwtAuthenticator } from './jwt/authenticate-jwt.js';
import { keyFailureError } from './keys/status.js';
import type { KeyVerification, KeyVerifier } from './keys/verify.js';

export type AuthScheme = 'apiKey' | 'jwt' | 'none';

/** What every authentication stage is built from: opened once, at assembly. */
export interface Authentication {
  keys: Pick<KeyVerifier, 'verify'>;
  /** The JWT verifier, or null when the config uses no JWT. */
  jwt: JwtAuthenticator | null;
  transports: CredentialTransports;
}

function admit(request: FastifyRequest, result: KeyVerification): StageOutcome {
  if (!result.ok) return keyFailureError(result.reason);
  request.principal = result.principal;
  return undefined;
}

/** Builds the authentication stage for a mount that accepts `schemes`. */
export function createAuthenticator(schemes: readonly AuthScheme[], authentication: Authentication): Stage {
  const { keys, transports } = authentication;
  const acceptsKeys = schemes.includes('apiKey');
  const jwt = schemes.includes('jwt') ? authentication.jwt : null;
  const optional = schemes.includes('none');
  const missing = !acceptsKeys
    ? 'Send a bearer token: Authorization: Bearer <JWT>.'
    : jwt
      ? 'Send an API key (e.g. in the X-Api-Key header) or a bearer token.'
      : 'Send an API key, e.g. in the X-Api-Key header.';
  // Token-only mounts challenge for Bearer (RFC 6750); the others keep the ApiKey challenge.
  const headers: Record<string, string> = acceptsKeys ? {} : { 'www-authenticate': 'Bearer realm="keyward"' };
  return function authenticate(request: FastifyRequest) {
    if (jwt) {
      // A dotted bearer value is a JWT; anything else falls through to the API key path.
      const token = bearerJwt(request.headers.authorization);
      if (token !== undefined) {
        return authenticateJwt(jwt, token, request, transports).then((principal) => {
          request.principal = principal;
          return undefined;
        });
      }
    }
    if (!acceptsKeys) {
      if (optional) return undefined;
      return new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: missing, headers });
    }
    const credential = transports.extract(request);
    if (!credential.ok) {
      if (credential.reason === 'missing') {
        if (optional) return undefined;
        return new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: missing, headers });
      }
      if (credential.reason === 'ambiguous') {
        return new KeywardError('KW_ERR_AMBIGUOUS_CREDENTIALS', {
          detail: 'Send exactly one credential; the request carried several different ones.',
        });
      }
      return keyFailureError('malformed');
    }
    // The key must not reach validation, handlers or an upstream.
    if (credential.transport === 'query') transports.removeFromQuery(request.query);
    const result = keys.verify(credential.key, { origin: request.headers.origin, ip: request.ip });
    // A cached key is decided synchronously; only a store lookup returns a promise.
    if (result instanceof Promise) return result.then((r) => admit(request, r));
    return admit(request, result);
  };
}
