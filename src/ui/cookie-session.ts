/**
 * Browser sign-in for the dashboard and the portal. The access token goes to the page in the
 * response body and lives only in memory; the refresh token goes in a cookie the page's
 * scripts cannot read (HttpOnly), that the browser sends only to these endpoints (Path) and
 * never from another site (SameSite=Strict; Secure when the request came over TLS). A page
 * reload or an expired access token asks `{path}/refresh`, which rotates the refresh token.
 *
 * Cross-site request forgery is refused three ways: the cookie is SameSite=Strict, every
 * endpoint needs the `X-Keyward-CSRF: 1` header (a form cannot send it; a script on another
 * origin would need a CORS preflight, which nothing here answers), and a request whose Origin
 * or Sec-Fetch-Site shows another site is refused.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LocalIssuer } from '../auth/jwt/issuer.js';
import type { RefreshTokenService } from '../auth/login/refresh-tokens.js';
import type { LoginThrottle } from '../auth/login/throttle.js';
import { normalizeUsername, type UserService } from '../auth/login/users.js';
import { KeywardError } from '../errors.js';
import type { UserRecord } from '../store/repositories/users.js';

/** What signing in needs; null when the config has no JWT (no master key). */
export interface SessionLogin {
  users: UserService;
  refreshTokens: RefreshTokenService;
  throttle: LoginThrottle;
  issuer: LocalIssuer;
  refreshTtlMs: number;
}

export interface CookieSessionOptions {
  /** Where the endpoints are mounted, e.g. /ui/session; also the cookie's Path. */
  path: string;
  cookieName: string;
  /** Roles a user needs to sign in here (any one). */
  roles: readonly string[];
  /** Who may sign in here, for messages: "an admin role", "the developer role". */
  audience: string;
  /** Route name in logs and usage. */
  routeName: string;
  /** Where the page's API is (the admin API's path, or the portal's), told to the page at sign-in. */
  apiBase: string;
  login: SessionLogin | null;
}

export const CSRF_HEADER = 'x-keyward-csrf';

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ maxLength: 4096 }) },
  { additionalProperties: false },
);
const SessionResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  user: Type.Object({ id: Type.String(), username: Type.String(), roles: Type.Array(Type.String()) }),
  api: Type.String({ description: 'the path of the API the page calls with the token' }),
});
const TOKEN_SHAPE = /^[A-Za-z0-9_]{10,200}$/;

/** The value of one cookie from the Cookie header, if present and well-formed. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return TOKEN_SHAPE.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** Refuses requests another site could have made (see the header comment). */
export function requireSameOrigin(request: FastifyRequest): void {
  const refuse = (detail: string) => {
    throw new KeywardError('KW_ERR_CSRF', { detail });
  };
  if (request.headers[CSRF_HEADER] !== '1') refuse(`This endpoint needs the ${CSRF_HEADER}: 1 header.`);
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    refuse('Requests from another site are refused.');
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`)
    refuse('Requests from another origin are refused.');
}

/** Registers `POST {path}` (sign in), `POST {path}/refresh` and `POST {path}/logout`. */
export function registerCookieSession(app: FastifyInstance, options: CookieSessionOptions): void {
  const { path, cookieName, login } = options;
  const allowed = new Set(options.roles);
  const schema = { tags: ['auth'], security: [] };
  const config = { routeName: options.routeName };

  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) => {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${cookieName}=${value}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
    );
  };
  const available = (): SessionLogin => {
    if (login) return login;
    throw new KeywardError('KW_ERR_NOT_FOUND', {
      detail: 'Sign-in is off: it needs JWT, which needs secrets.masterKey (KEYWARD_MASTER_KEY).',
    });
  };
  const mayUse = (user: UserRecord) => user.roles.some((r) => allowed.has(r));
  const answer = async (s: SessionLogin, reply: FastifyReply, user: UserRecord) => {
    const access = await s.issuer.issue({
      kind: 'user',
      sub: user.id,
      roles: user.roles,
      username: user.username,
    });
    reply.header('cache-control', 'no-store');
    return {
      access_token: access.accessToken,
      token_type: 'Bearer' as const,
      expires_in: access.expiresIn,
      user: { id: user.id, username: user.username, roles: user.roles },
      api: options.apiBase,
    };
  };

  app.post<{ Body: Static<typeof LoginBody> }>(
    path,
    { config, schema: { ...schema, body: LoginBody, response: { 200: SessionResponse } } },
    async (request, reply) => {
      requireSameOrigin(request);
      const s = available();
      const username = normalizeUsername(request.body.username);
      const wait = await s.throttle.retryAfter(request.ip, username);
      if (wait > 0)
        throw new KeywardError('KW_ERR_RATE_LIMITED', {
          detail: `Too many failed sign-ins; retry after ${wait} s.`,
          headers: { 'retry-after': String(wait) },
        });
      const user = await s.users.checkLogin(username, request.body.password);
      if (!user) {
        await s.throttle.recordFailure(request.ip, username);
        throw new KeywardError('KW_ERR_LOGIN_FAILED', { detail: 'The username or password is not correct.' });
      }
      await s.throttle.recordSuccess(request.ip, username);
      if (!mayUse(user))
        throw new KeywardError('KW_ERR_FORBIDDEN', {
          detail: `This account cannot sign in here: it needs ${options.audience}.`,
        });
      setCookie(request, reply, await s.refreshTokens.issue(user.id), Math.floor(s.refreshTtlMs / 1000));
      return answer(s, reply, user);
    },
  );

  app.post(
    `${path}/refresh`,
    { config, schema: { ...schema, response: { 200: SessionResponse } } },
    async (request, reply) => {
      requireSameOrigin(request);
      const s = available();
      const token = readCookie(request.headers.cookie, cookieName);
      const outcome = token ? await s.refreshTokens.rotate(token) : null;
      if (!outcome?.ok || !mayUse(outcome.user)) {
        if (outcome?.ok) await s.refreshTokens.revokeFamilyOf(outcome.refreshToken);
        setCookie(request, reply, '', 0);
        throw new KeywardError('KW_ERR_REFRESH_INVALID', {
          detail: 'The session has ended; sign in again.',
          headers: { 'www-authenticate': 'Bearer realm="keyward"' },
        });
      }
      setCookie(request, reply, outcome.refreshToken, Math.floor(s.refreshTtlMs / 1000));
      return answer(s, reply, outcome.user);
    },
  );

  app.post(`${path}/logout`, { config, schema }, async (request, reply) => {
    requireSameOrigin(request);
    const token = readCookie(request.headers.cookie, cookieName);
    if (token && login) await login.refreshTokens.revokeFamilyOf(token);
    setCookie(request, reply, '', 0);
    return reply.code(204).send();
  });
}
