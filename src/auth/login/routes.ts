/**
 * Mounts JWT at start: opens the JWT runtime (signing keys, providers), makes it available to
 * every authentication stage by decorating the root instance, and registers the token
 * endpoints — /auth/login, /auth/refresh, /auth/logout, /oauth/token and
 * /.well-known/jwks.json. A config that uses no JWT gets none of these and needs no master key.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../../server/app.js';
import { openJwtRuntime } from '../jwt/runtime.js';
import type { SigningKeyRing } from '../jwt/signing-keys.js';
import { prepareDummyHash } from '../passwords.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerOAuthTokenRoute } from './oauth-token.js';
import { RefreshTokenService } from './refresh-tokens.js';
import { MemoryLoginThrottle } from './throttle.js';
import { UserService } from './users.js';

/** `GET /.well-known/jwks.json`: the public keys that verify tokens this gateway issued. */
function registerJwksRoute(app: FastifyInstance, ring: SigningKeyRing): void {
  app.get('/.well-known/jwks.json', { config: { routeName: 'jwks' } }, async (_request, reply) => {
    // Short: after a rotation, verifiers elsewhere should see the new key within a minute.
    reply.header('cache-control', 'public, max-age=60');
    return ring.jwks();
  });
}

/** Opens JWT for this config (throws SigningKeyError on a missing or wrong master key) and registers its routes. */
export async function registerAuthEndpoints(app: FastifyInstance, deps: AppDependencies): Promise<void> {
  const jwt = await openJwtRuntime(deps.store, deps.config, deps.clock);
  // On the root instance, so every scope's authenticator finds it (see jwt/authenticate-jwt.ts).
  app.decorate('keywardJwt', jwt);
  if (!jwt) return;
  // So even the first failed login for an unknown user costs no more than later ones.
  await prepareDummyHash();
  const refreshTokens = new RefreshTokenService(deps.store, deps.config.jwt.local.refreshTtlMs, deps.clock);
  await refreshTokens.pruneExpired();
  await app.register(async (scope) => {
    await registerLoginRoutes(scope, {
      users: new UserService(deps.store, deps.clock),
      refreshTokens,
      throttle: new MemoryLoginThrottle(deps.clock),
      issuer: jwt.issuer,
    });
    await registerOAuthTokenRoute(scope, { apiKeys: deps.apiKeys, issuer: jwt.issuer });
    registerJwksRoute(scope, jwt.ring);
  });
}
