/**
 * The result of checking a bearer JWT, and the translation of jose's typed errors into reasons
 * the authentication stage turns into HTTP errors. Expected failures are results, not throws.
 */
import { errors, type JWTPayload } from 'jose';
import type { Principal } from '../principal.js';

export type TokenFailure = 'too_large' | 'malformed' | 'invalid' | 'expired' | 'issuer' | 'unavailable';

export type TokenVerification =
  | { ok: true; principal: Principal /** ms since the epoch */; expiresAt: number }
  | { ok: false; reason: TokenFailure; detail: string };

/** A failed verification. */
export function tokenFailure(reason: TokenFailure, detail: string): TokenVerification {
  return { ok: false, reason, detail };
}

function claimDetail(claim: string): string {
  switch (claim) {
    case 'nbf':
      return 'The token is not valid yet (nbf).';
    case 'iss':
      return 'The token was issued by an issuer this gateway does not accept.';
    case 'aud':
      return 'The token is not meant for this API (aud).';
    case 'typ':
      return 'The token is not an access token (typ).';
    default:
      return `The token's "${claim}" claim is missing or not valid.`;
  }
}

/** Maps a jose error to a failure; null for anything that is not a token problem (a bug: rethrow). */
export function classifyJoseError(error: unknown): TokenVerification | null {
  if (error instanceof errors.JWTExpired) return tokenFailure('expired', 'The token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed)
    return tokenFailure('invalid', claimDetail(error.claim));
  if (error instanceof errors.JOSEAlgNotAllowed)
    return tokenFailure('invalid', "The token's signing algorithm is not allowed here.");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return tokenFailure('invalid', "The token's signature does not verify.");
  if (error instanceof errors.JWKSNoMatchingKey)
    return tokenFailure('invalid', 'No trusted key matches the token (unknown kid or algorithm).');
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return tokenFailure('invalid', 'The token must name its signing key (kid).');
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return tokenFailure('malformed', 'The token is not a well-formed JWT.');
  if (error instanceof errors.JOSEError) return tokenFailure('invalid', 'The token could not be verified.');
  return null;
}

/** Roles from a claim: an array of strings, or a space-separated string such as OAuth's `scope`. */
export function readRoles(value: unknown): string[] {
  const MAX_ROLES = 256;
  if (typeof value === 'string')
    return value
      .split(/\s+/)
      .filter((r) => r !== '')
      .slice(0, MAX_ROLES);
  if (Array.isArray(value))
    return value.filter((r): r is string => typeof r === 'string' && r !== '').slice(0, MAX_ROLES);
  return [];
}

/**
 * What jose leaves alone: an `iat` in the future beyond `toleranceS`, and an `exp` further away
 * than `maxLifetimeS` (from now, or from `iat`) — `exp: 1e300` would be a token that never
 * expires. Null when the token's times are acceptable.
 */
export function lifetimeFailure(
  payload: JWTPayload,
  nowS: number,
  toleranceS: number,
  maxLifetimeS: number,
): TokenVerification | null {
  const { iat, exp } = payload;
  if (typeof iat === 'number' && iat > nowS + toleranceS)
    return tokenFailure('invalid', 'The token was issued in the future (iat).');
  const longest = maxLifetimeS + toleranceS;
  if (typeof exp === 'number' && (exp - nowS > longest || (typeof iat === 'number' && exp - iat > longest)))
    return tokenFailure('invalid', "The token's lifetime (exp) is longer than this gateway accepts.");
  return null;
}
