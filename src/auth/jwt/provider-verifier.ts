/**
 * Verifies tokens from one third-party identity provider (Auth0, Okta, Keycloak...): keys from
 * its JWKS only, the configured algorithm allow-list, iss/aud/exp/nbf with the configured clock
 * skew, `iat` not in the future and a lifetime within `maxTokenLifetime`, and roles read from
 * the configured claim. `jku`, `x5u` and embedded `jwk` headers are
 * never consulted: keys come from the configured jwksUri and nowhere else.
 */
import { jwtVerify } from 'jose';
import type { Clock } from '../../clock.js';
import type { ProviderSettings } from '../../config/jwt-settings.js';
import type { Principal } from '../principal.js';
import { JwksUnavailableError, RemoteJwks, type RemoteJwksOptions } from './remote-jwks.js';
import {
  classifyJoseError,
  lifetimeFailure,
  readRoles,
  type TokenVerification,
  tokenFailure,
} from './verification.js';

export class ProviderVerifier {
  readonly name: string;
  readonly issuer: string;
  readonly #settings: ProviderSettings;
  readonly #keys: RemoteJwks;
  readonly #clock: Clock;

  constructor(settings: ProviderSettings, clock: Clock, jwksOptions: RemoteJwksOptions = {}) {
    this.name = settings.name;
    this.issuer = settings.issuer;
    this.#settings = settings;
    this.#keys = new RemoteJwks(settings.jwksUri, clock, jwksOptions);
    this.#clock = clock;
  }

  /** Verifies a token whose `iss` names this provider. */
  async verify(token: string): Promise<TokenVerification> {
    const s = this.#settings;
    try {
      const { payload } = await jwtVerify(token, this.#keys.getKey, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: s.algorithms,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: Math.floor(s.clockSkewMs / 1000),
        currentDate: new Date(this.#clock.now()),
      });
      const skewS = Math.floor(s.clockSkewMs / 1000);
      const times = lifetimeFailure(payload, this.#clock.now() / 1000, skewS, s.maxTokenLifetimeMs / 1000);
      if (times) return times;
      const principal: Principal = {
        kind: 'user',
        id: `provider:${s.name}:${payload.sub as string}`,
        roles: readRoles(payload[s.rolesClaim]),
        plan: null,
        validUntil: (payload.exp as number) * 1000 + s.clockSkewMs,
      };
      return { ok: true, principal, expiresAt: (payload.exp as number) * 1000 };
    } catch (error) {
      if (error instanceof JwksUnavailableError) return tokenFailure('unavailable', error.message);
      const failure = classifyJoseError(error);
      if (failure) return failure;
      throw error;
    }
  }
}
