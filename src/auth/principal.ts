/**
 * Who is calling, whatever the credential: an API key, a local user's JWT, or a third-party
 * token. Authorization, limits and usage only ever look at this shape.
 */
export interface Principal {
  kind: 'apiKey' | 'user' | 'client';
  /** Stable id: the key id, user id, or `provider:subject`. */
  id: string;
  roles: readonly string[];
  plan: string | null;
  /** The API key behind the principal, when there is one (keys and client-credential tokens). */
  keyId?: string;
  /**
   * The last instant (ms since the epoch) the credential is accepted, for credentials that end
   * by themselves: a JWT's `exp` plus the clock skew allowed. A WebSocket opened with it closes then.
   */
  validUntil?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}
