/**
 * A provider's JWKS, fetched with jose's createRemoteJWKSet but refreshed on our own terms:
 * - keys already fetched keep working while the provider's endpoint is down (stale beats none);
 * - a token naming an unknown kid triggers at most one fetch per cooldown, and a fetch that
 *   failed is not retried before the cooldown either, so no token stream can cause a fetch storm;
 * - keys older than `maxAgeMs` are refreshed in the background, never on the request's time.
 * jose's own reload policy is switched off (infinite cache age and cooldown) so only this runs.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../clock.js';

/** No usable keys: never fetched successfully, and the endpoint did not answer. */
export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError';
}

export interface RemoteJwksOptions {
  /** Background refresh after this age (default 10 min). */
  maxAgeMs?: number;
  /** Minimum time between fetch attempts caused by requests (default 30 s). */
  cooldownMs?: number;
  /** Give up on a fetch after this long (default 5 s). */
  timeoutMs?: number;
}

const FIRST_FETCH_RETRY_MS = 5000;

export class RemoteJwks {
  readonly #remote: ReturnType<typeof createRemoteJWKSet>;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  #loadedAt: number | null = null;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<boolean> | null = null;

  constructor(uri: string, clock: Clock, options: RemoteJwksOptions = {}) {
    this.#remote = createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: Number.POSITIVE_INFINITY,
      cooldownDuration: Number.POSITIVE_INFINITY,
      timeoutDuration: options.timeoutMs ?? 5000,
    });
    this.#clock = clock;
    this.#maxAgeMs = options.maxAgeMs ?? 600_000;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
  }

  /** jose key resolver; throws JwksUnavailableError when no keys could ever be fetched. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.#clock.now();
    if (this.#loadedAt === null) {
      // Nothing cached yet: retry sooner than the full cooldown, the provider may have blinked.
      if (!(await this.#fetch(now, Math.min(this.#cooldownMs, FIRST_FETCH_RETRY_MS)))) {
        throw new JwksUnavailableError("The identity provider's signing keys could not be fetched.");
      }
    } else if (now - this.#loadedAt >= this.#maxAgeMs) {
      void this.#fetch(now, this.#cooldownMs);
    }
    try {
      return await this.#remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A kid we do not know: maybe the provider rotated. Refetch once per cooldown at most.
      if (!(await this.#fetch(now, this.#cooldownMs))) throw error;
      return this.#remote(header, token);
    }
  };

  /** Fetches unless one is running (then joins it) or the cooldown forbids; true when keys were refreshed. */
  #fetch(now: number, cooldownMs: number): Promise<boolean> {
    if (this.#pending) return this.#pending;
    if (now - this.#attemptedAt < cooldownMs) return Promise.resolve(false);
    this.#attemptedAt = now;
    this.#pending = this.#remote
      .reload()
      .then(
        () => {
          this.#loadedAt = this.#clock.now();
          return true;
        },
        // On failure jose keeps the previous keys, which is what we want; the caller decides.
        () => false,
      )
      .finally(() => {
        this.#pending = null;
      });
    return this.#pending;
  }
}
