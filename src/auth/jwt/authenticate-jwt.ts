/**
 * The JWT half of the authentication stage: spotting a bearer JWT, verifying it, and turning a
 * failure into the error the caller sees.
 */
import type { FastifyRequest } from 'fastify';
import { type ErrorCode, KeywardError } from '../../errors.js';
import type { CredentialTransports } from '../credentials.js';
import type { Principal } from '../principal.js';
import type { TokenFailure, TokenVerification } from './verification.js';

/** Anything that can verify a bearer JWT (the gateway's TokenVerifier). */
export interface JwtAuthenticator {
  verify(token: string): Promise<TokenVerification>;
}

const FAILURE_CODES: Record<TokenFailure, ErrorCode> = {
  too_large: 'KW_ERR_TOKEN_INVALID',
  malformed: 'KW_ERR_TOKEN_INVALID',
  invalid: 'KW_ERR_TOKEN_INVALID',
  issuer: 'KW_ERR_TOKEN_INVALID',
  expired: 'KW_ERR_TOKEN_EXPIRED',
  unavailable: 'KW_ERR_JWKS_UNAVAILABLE',
};

/**
 * The token in `Authorization: Bearer …` when it could be a JWT. API keys never contain a dot,
 * so a dotted bearer value is a JWT attempt and is judged as one (even when misshapen).
 */
export function bearerJwt(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string' || authorization.length < 8) return undefined;
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = authorization.slice(7).trim();
  return token.includes('.') ? token : undefined;
}

/** The error for a failed verification: 401 with a Bearer challenge, or 503 when keys are unreachable. */
export function tokenFailureError(failure: { reason: TokenFailure; detail: string }): KeywardError {
  const code = FAILURE_CODES[failure.reason];
  const headers: Record<string, string> =
    failure.reason === 'unavailable'
      ? { 'retry-after': '5' }
      : { 'www-authenticate': `Bearer realm="keyward", error="invalid_token"` };
  return new KeywardError(code, { detail: failure.detail, headers });
}

/** Verifies the request's bearer JWT and returns its principal, or throws the caller's error. */
export async function authenticateJwt(
  jwt: JwtAuthenticator,
  token: string,
  request: FastifyRequest,
  transports: CredentialTransports,
): Promise<Principal> {
  if (transports.keyBesideAuthorization(request)) {
    throw new KeywardError('KW_ERR_AMBIGUOUS_CREDENTIALS', {
      detail: 'Send exactly one credential; the request carried a bearer token and an API key.',
    });
  }
  const result = await jwt.verify(token);
  if (!result.ok) throw tokenFailureError(result);
  return result.principal;
}
