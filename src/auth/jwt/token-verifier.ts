/**
 * Verifies any bearer JWT the gateway accepts: its own (by the local issuer) or a configured
 * provider's (chosen by the token's `iss`). Oversized and misshapen tokens are refused before
 * any decoding; verified tokens are cached until they expire, keyed by their SHA-256 digest.
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Clock } from '../../clock.js';
import { ExpiringCache } from '../../expiring-cache.js';
import type { LocalVerifier } from './local-verifier.js';
import type { ProviderVerifier } from './provider-verifier.js';
import { type TokenVerification, tokenFailure } from './verification.js';

/** Tokens longer than this are refused unread: no real access token comes close. */
export const MAX_TOKEN_BYTES = 8192;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The cache key for a token: its digest, so the cache never holds a usable credential. */
function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface TokenVerifierOptions {
  local: LocalVerifier | null;
  providers: readonly ProviderVerifier[];
  clock: Clock;
  cacheSize?: number;
}

export class TokenVerifier {
  readonly #local: LocalVerifier | null;
  readonly #byIssuer: Map<string, ProviderVerifier>;
  readonly #cache: ExpiringCache<Extract<TokenVerification, { ok: true }>>;

  constructor(options: TokenVerifierOptions) {
    this.#local = options.local;
    this.#byIssuer = new Map(options.providers.map((p) => [p.issuer, p]));
    // Entries live until the token's own expiry (set below); the TTL is never used.
    this.#cache = new ExpiringCache({
      maxEntries: options.cacheSize ?? 10_000,
      ttlMs: 0,
      clock: options.clock,
    });
  }

  /** Forgets every verified token, so a changed signing key or user is judged afresh. */
  forgetVerified(): void {
    this.#cache.clear();
  }

  /** Verifies a bearer token; failures are results with a reason and a user-safe detail. */
  async verify(token: string): Promise<TokenVerification> {
    if (token.length > MAX_TOKEN_BYTES)
      return tokenFailure('too_large', `The token is larger than ${MAX_TOKEN_BYTES} bytes.`);
    if (!JWT_SHAPE.test(token)) return tokenFailure('malformed', 'The token is not a well-formed JWT.');
    const digest = tokenDigest(token);
    const cached = this.#cache.get(digest);
    if (cached) return cached;

    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return tokenFailure('malformed', 'The token is not a well-formed JWT.');
    }
    // `iss` is only read here to pick a verifier; each verifier checks it again itself.
    const verifier =
      typeof issuer !== 'string'
        ? undefined
        : this.#local && issuer === this.#local.issuer
          ? this.#local
          : this.#byIssuer.get(issuer);
    if (!verifier)
      return tokenFailure('issuer', 'The token was issued by an issuer this gateway does not accept.');
    const result = await verifier.verify(token);
    if (result.ok) this.#cache.set(digest, result, result.expiresAt);
    return result;
  }
}
