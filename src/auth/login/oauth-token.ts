/**
 * `POST /oauth/token` with `grant_type=client_credentials` (RFC 6749 §4.4), as Auth0 offers it
 * for machine-to-machine calls: the client id is an API key id, the client secret is the key
 * itself, sent in the form/JSON body or with HTTP Basic. The answer is a short-lived JWT
 * carrying the key's roles and plan, which never outlives the key.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeywardError } from '../../errors.js';
import type { LocalIssuer } from '../jwt/issuer.js';
import type { KeyVerifier } from '../keys/verify.js';

export interface OAuthRouteDeps {
  /** Verifies the client secret (an API key). */
  keys: Pick<KeyVerifier, 'verify'>;
  issuer: LocalIssuer;
}

const TokenBody = Type.Object(
  {
    grant_type: Type.String({ maxLength: 100 }),
    client_id: Type.Optional(Type.String({ maxLength: 100 })),
    client_secret: Type.Optional(Type.String({ maxLength: 600 })),
    // Sent by Auth0-style clients; accepted and ignored (the token carries the key's roles).
    scope: Type.Optional(Type.String({ maxLength: 2000 })),
    audience: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
});

const FORM_LIMIT = 8192;

function clientAuthFailed(): KeywardError {
  return new KeywardError('KW_ERR_CLIENT_AUTH_FAILED', {
    detail: 'The client id and secret do not identify a valid API key.',
    headers: { 'www-authenticate': 'Basic realm="keyward"' },
  });
}

// RFC 6749 §2.3.1: id and secret are form-encoded before being joined and base64-encoded.
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw clientAuthFailed();
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw clientAuthFailed();
  }
}

/** Parses an urlencoded body; a repeated field is refused rather than guessed at. */
function parseForm(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, name)) {
      throw new KeywardError('KW_ERR_BAD_REQUEST', { detail: `The form field ${name} is repeated.` });
    }
    fields[name] = value;
  }
  return fields;
}

/** Registers the token endpoint (with its own urlencoded body parser). */
export async function registerOAuthTokenRoute(app: FastifyInstance, deps: OAuthRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      // Never more than the server's own bodyLimit.
      { parseAs: 'string', bodyLimit: Math.min(FORM_LIMIT, app.initialConfig.bodyLimit ?? FORM_LIMIT) },
      (_request, body, done) => {
        try {
          done(null, parseForm(body as string));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
    scope.post<{ Body: Static<typeof TokenBody> }>(
      '/oauth/token',
      { schema: { body: TokenBody, response: { 200: TokenResponse } } },
      async (request, reply) => {
        const body = request.body;
        if (body.grant_type !== 'client_credentials') {
          throw new KeywardError('KW_ERR_UNSUPPORTED_GRANT', {
            detail: 'Only grant_type=client_credentials is supported here; users log in at /auth/login.',
          });
        }
        const basic = basicCredentials(request);
        if (basic && (body.client_id !== undefined || body.client_secret !== undefined)) {
          throw new KeywardError('KW_ERR_AMBIGUOUS_CREDENTIALS', {
            detail: 'Send the client credentials either with HTTP Basic or in the body, not both.',
          });
        }
        const id = basic?.id ?? body.client_id;
        const secret = basic?.secret ?? body.client_secret;
        if (!id || !secret) throw clientAuthFailed();
        const result = await deps.keys.verify(secret, { origin: request.headers.origin, ip: request.ip });
        if (!result.ok || result.record.id !== id) throw clientAuthFailed();
        const { record } = result;
        const notAfter = Math.min(record.expiresAt ?? Infinity, record.graceUntil ?? Infinity);
        const access = await deps.issuer.issue({
          kind: 'client',
          sub: record.id,
          roles: record.roles,
          plan: record.plan,
          notAfter: Number.isFinite(notAfter) ? notAfter : null,
        });
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        return {
          access_token: access.accessToken,
          token_type: 'Bearer' as const,
          expires_in: access.expiresIn,
        };
      },
    );
  });
}
