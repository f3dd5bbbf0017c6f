/**
 * `POST /auth/login`, `/auth/refresh`, `/auth/logout`: local users get a short-lived
 * access token and a rotating refresh token. Every login failure looks the same from outside
 * (401 KW_ERR_LOGIN_FAILED, about one Argon2 verification of time), and repeated failures per
 * username or address are answered 429 before any password is checked.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { KeywardError } from '../../errors.js';
import type { IssuedToken, LocalIssuer } from '../jwt/issuer.js';
import type { RefreshTokenService } from './refresh-tokens.js';
import type { LoginThrottle } from './throttle.js';
import { normalizeUsername, type UserService } from './users.js';

export interface LoginRouteDeps {
  users: UserService;
  refreshTokens: RefreshTokenService;
  throttle: LoginThrottle;
  issuer: LocalIssuer;
}

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ maxLength: 4096 }) },
  { additionalProperties: false },
);
const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
});

const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="keyward"' };

// Token responses must never be stored by a cache (RFC 6749 §5.1).
function tokenResponse(reply: FastifyReply, access: IssuedToken, refreshToken: string) {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  return {
    access_token: access.accessToken,
    token_type: 'Bearer' as const,
    expires_in: access.expiresIn,
    refresh_token: refreshToken,
  };
}

/** Registers the login, refresh and logout endpoints. */
export async function registerLoginRoutes(app: FastifyInstance, deps: LoginRouteDeps): Promise<void> {
  const { users, refreshTokens, throttle, issuer } = deps;

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/auth/login',
    { schema: { body: LoginBody, response: { 200: TokenResponse } } },
    async (request, reply) => {
      const username = normalizeUsername(request.body.username);
      const wait = await throttle.retryAfter(request.ip, username);
      if (wait > 0) {
        throw new KeywardError('KW_ERR_RATE_LIMITED', {
          detail: `Too many failed logins; retry after ${wait} s.`,
          headers: { 'retry-after': String(wait) },
        });
      }
      const user = await users.checkLogin(username, request.body.password);
      if (!user) {
        await throttle.recordFailure(request.ip, username);
        throw new KeywardError('KW_ERR_LOGIN_FAILED', {
          detail: 'The username or password is not correct.',
          headers: BEARER_CHALLENGE,
        });
      }
      await throttle.recordSuccess(request.ip, username);
      const access = await issuer.issue({
        kind: 'user',
        sub: user.id,
        roles: user.roles,
        username: user.username,
      });
      return tokenResponse(reply, access, await refreshTokens.issue(user.id));
    },
  );

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/auth/refresh',
    { schema: { body: RefreshBody, response: { 200: TokenResponse } } },
    async (request, reply) => {
      const outcome = await refreshTokens.rotate(request.body.refresh_token);
      if (!outcome.ok) {
        if (outcome.reason === 'reused') {
          request.log.warn('refresh token replayed: its whole family was revoked');
        }
        throw new KeywardError('KW_ERR_REFRESH_INVALID', {
          detail: 'The refresh token is not valid; log in again.',
          headers: BEARER_CHALLENGE,
        });
      }
      // Roles are read again from the store, so a role change applies at the next refresh.
      const access = await issuer.issue({
        kind: 'user',
        sub: outcome.user.id,
        roles: outcome.user.roles,
        username: outcome.user.username,
      });
      return tokenResponse(reply, access, outcome.refreshToken);
    },
  );

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/auth/logout',
    { schema: { body: RefreshBody } },
    async (request, reply) => {
      // Like token revocation (RFC 7009): the answer is the same whether or not the token was known.
      await refreshTokens.revokeFamilyOf(request.body.refresh_token);
      return reply.code(204).send();
    },
  );
}
