/**
 * Verifies the gateway's own access tokens: only keys from the signing key ring, only their
 * algorithms, `typ: at+jwt`, our issuer, sub/iat/exp present, `iat` not in the future and a
 * lifetime no longer than `accessTtl` (the longest the issuer ever signs).
 */
import { jwtVerify } from 'jose';
import type { Clock } from '../../clock.js';
import type { JwtSettings } from '../../config/jwt-settings.js';
import type { Principal } from '../principal.js';
import { ACCESS_TOKEN_TYPE } from './issuer.js';
import type { SigningKeyRing } from './signing-keys.js';
import { classifyJoseError, lifetimeFailure, readRoles, type TokenVerification } from './verification.js';

/** Tolerated clock difference between gateway instances. */
const CLOCK_TOLERANCE_S = 5;

export class LocalVerifier {
  readonly issuer: string;
  readonly #ring: SigningKeyRing;
  readonly #clock: Clock;
  readonly #maxLifetimeS: number;

  constructor(ring: SigningKeyRing, settings: JwtSettings['local'], clock: Clock) {
    this.issuer = settings.issuer;
    this.#ring = ring;
    this.#clock = clock;
    this.#maxLifetimeS = Math.ceil(settings.accessTtlMs / 1000);
  }

  /** Verifies a token that names our issuer. */
  async verify(token: string): Promise<TokenVerification> {
    try {
      const { payload } = await jwtVerify(token, this.#ring.getKey, {
        issuer: this.issuer,
        algorithms: this.#ring.algorithms(),
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'iat', 'exp'],
        currentDate: new Date(this.#clock.now()),
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      const times = lifetimeFailure(payload, this.#clock.now() / 1000, CLOCK_TOLERANCE_S, this.#maxLifetimeS);
      if (times) return times;
      const sub = payload.sub as string;
      const client = payload.kind === 'client';
      const principal: Principal = {
        kind: client ? 'client' : 'user',
        id: sub,
        roles: readRoles(payload.roles),
        plan: client && typeof payload.plan === 'string' ? payload.plan : null,
        ...(client ? { keyId: sub } : {}),
        validUntil: ((payload.exp as number) + CLOCK_TOLERANCE_S) * 1000,
      };
      return { ok: true, principal, expiresAt: (payload.exp as number) * 1000 };
    } catch (error) {
      const failure = classifyJoseError(error);
      if (failure) return failure;
      throw error;
    }
  }
}
