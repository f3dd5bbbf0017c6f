/**
 * The token endpoints — /auth/login, /auth/refresh, /auth/logout, /oauth/token and
 * /.well-known/jwks.json. They take no credential (login failures have their own throttle);
 * the app mounts them only when the config uses JWT. Everything they use was opened at assembly.
 */
import type { FastifyInstance } from 'fastify';
import type { JwtRuntime } from '../jwt/runtime.js';
import type { SigningKeyRing } from '../jwt/signing-keys.js';
import type { KeyVerifier } from '../keys/verify.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerOAuthTokenRoute } from './oauth-token.js';
import type { RefreshTokenService } from './refresh-tokens.js';
import type { LoginThrottle } from './throttle.js';
import type { UserService } from './users.js';

export interface AuthEndpointOptions {
  jwt: JwtRuntime;
  users: UserService;
  refreshTokens: RefreshTokenService;
  throttle: LoginThrottle;
  keys: Pick<KeyVerifier, 'verify'>;
}

/** `GET /.well-known/jwks.json`: the public keys that verify tokens this gateway issued. */
function registerJwksRoute(app: FastifyInstance, ring: SigningKeyRing): void {
  app.get('/.well-known/jwks.json', { config: { routeName: 'jwks' } }, async (_request, reply) => {
    // Short: after a rotation, verifiers elsewhere should see the new key within a minute.
    reply.header('cache-control', 'public, max-age=60');
    return ring.jwks();
  });
}

/** Registers the token endpoints on a scope. */
export async function registerAuthEndpoints(
  app: FastifyInstance,
  options: AuthEndpointOptions,
): Promise<void> {
  const { jwt } = options;
  await registerLoginRoutes(app, {
    users: options.users,
    refreshTokens: options.refreshTokens,
    throttle: options.throttle,
    issuer: jwt.issuer,
  });
  await registerOAuthTokenRoute(app, { keys: options.keys, issuer: jwt.issuer });
  registerJwksRoute(app, jwt.ring);
}
