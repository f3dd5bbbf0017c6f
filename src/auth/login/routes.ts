/**
 * The token endpoints — /auth/login, /auth/refresh, /auth/logout, /oauth/token and
 * /.well-known/jwks.json — as one mount: public (no credential, no roles; login failures have
 * their own throttle), under the global CORS policy so a browser app on an allowed origin can
 * sign in. Mounted only when the config uses JWT; everything they use was opened at assembly.
 */
import type { FastifyInstance } from 'fastify';
import type { CorsPolicy } from '../../http/cors.js';
import type { Mount } from '../../http/pipeline.js';
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
  cors: CorsPolicy;
}

/** `GET /.well-known/jwks.json`: the public keys that verify tokens this gateway issued. */
function registerJwksRoute(app: FastifyInstance, ring: SigningKeyRing): void {
  app.get('/.well-known/jwks.json', { config: { routeName: 'jwks' } }, async (_request, reply) => {
    // Short: after a rotation, verifiers elsewhere should see the new key within a minute.
    reply.header('cache-control', 'public, max-age=60');
    return ring.jwks();
  });
}

/** Mounts the token endpoints. */
export async function registerAuthEndpoints(
  app: FastifyInstance,
  mount: Mount,
  options: AuthEndpointOptions,
): Promise<void> {
  const { jwt } = options;
  const spec = {
    name: 'auth',
    prefix: '',
    cors: options.cors,
    authenticate: 'none',
    authorize: 'none',
    limits: 'none',
  } as const;
  await mount(app, spec, async (scope) => {
    await registerLoginRoutes(scope, {
      users: options.users,
      refreshTokens: options.refreshTokens,
      throttle: options.throttle,
      issuer: jwt.issuer,
    });
    await registerOAuthTokenRoute(scope, { keys: options.keys, issuer: jwt.issuer });
    registerJwksRoute(scope, jwt.ring);
  });
}
