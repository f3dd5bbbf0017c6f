/**
 * `/signing-keys`: list the gateway's JWT signing keys and rotate them. After a rotation the
 * new key signs at once; the old one stays in the JWKS and keeps verifying until every token it
 * signed has expired (access-token lifetime plus one reload interval).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JwtRuntime, rotateSigningKey } from '../auth/jwt/runtime.js';
import { KeywardError } from '../errors.js';

function runtimeOf(request: FastifyRequest): JwtRuntime {
  const jwt = request.server.keywardJwt;
  if (!(jwt instanceof JwtRuntime)) {
    throw new KeywardError('KW_ERR_NOT_FOUND', {
      detail: 'JWT is not enabled: set secrets.masterKey (KEYWARD_MASTER_KEY) to get signing keys.',
    });
  }
  return jwt;
}

/** Registers the signing key routes. */
export async function registerSigningKeyRoutes(app: FastifyInstance): Promise<void> {
  app.get('/signing-keys', async (request) => ({ items: runtimeOf(request).ring.list() }));

  app.post('/signing-keys/rotate', async (request, reply) => {
    const actor = { id: request.principal?.id ?? 'anonymous', ip: request.ip };
    const rotated = await rotateSigningKey(runtimeOf(request), actor);
    reply.code(201);
    return rotated;
  });
}
