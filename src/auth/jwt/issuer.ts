/**
 * Issues the gateway's own access tokens (RFC 9068 shape: `typ: at+jwt`, iss, sub, iat, exp,
 * jti) signed with the ring's current key. Roles travel in the `roles` claim; client-credential
 * tokens also carry `client_id` and the key's plan, so limits apply as they would to the key.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../../clock.js';
import type { JwtSettings } from '../../config/jwt-settings.js';
import type { SigningKeyRing } from './signing-keys.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenSubject {
  kind: 'user' | 'client';
  /** User id, or the API key id for client-credential tokens. */
  sub: string;
  roles: readonly string[];
  plan?: string | null;
  /** Shown in the token for readability; never used to authorize. */
  username?: string;
  /** The token must not outlive this instant (ms), e.g. the API key's own expiry. */
  notAfter?: number | null;
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds until expiry, as OAuth's `expires_in`. */
  expiresIn: number;
}

export class LocalIssuer {
  readonly #ring: SigningKeyRing;
  readonly #settings: JwtSettings['local'];
  readonly #clock: Clock;

  constructor(ring: SigningKeyRing, settings: JwtSettings['local'], clock: Clock) {
    this.#ring = ring;
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Signs a short-lived access token for a user or an API-key client. */
  async issue(subject: AccessTokenSubject): Promise<IssuedToken> {
    const key = this.#ring.current();
    const nowMs = this.#clock.now();
    const now = Math.floor(nowMs / 1000);
    let ttlMs = this.#settings.accessTtlMs;
    if (subject.notAfter != null) ttlMs = Math.min(ttlMs, subject.notAfter - nowMs);
    const expiresIn = Math.max(1, Math.floor(ttlMs / 1000));
    const claims: Record<string, unknown> = { kind: subject.kind, roles: [...subject.roles] };
    if (subject.kind === 'client') {
      claims.client_id = subject.sub;
      claims.plan = subject.plan ?? null;
    }
    if (subject.username !== undefined) claims.username = subject.username;
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.#settings.issuer)
      .setSubject(subject.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { accessToken, expiresIn };
  }
}
