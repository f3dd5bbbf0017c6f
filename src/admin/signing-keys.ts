/**
 * `/signing-keys`: list the gateway's JWT signing keys and rotate them. After a rotation the
 * new key signs at once; the old one stays in the JWKS and keeps verifying until every token it
 * signed has expired (access-token lifetime plus one reload interval).
 */
import type { FastifyInstance } from 'fastify';
import type { SigningKeyRing } from '../auth/jwt/signing-keys.js';
import { KeywardError } from '../errors.js';
import { actorOf } from './actor.js';

/** Registers the signing key routes; without JWT (`ring` null) they answer 404 with the reason. */
export async function registerSigningKeyRoutes(
  app: FastifyInstance,
  ring: SigningKeyRing | null,
): Promise<void> {
  const enabled = (): SigningKeyRing => {
    if (ring !== null) return ring;
    throw new KeywardError('KW_ERR_NOT_FOUND', {
      detail: 'JWT is not enabled: set secrets.masterKey (KEYWARD_MASTER_KEY) to get signing keys.',
    });
  };
  app.get('/signing-keys', async () => ({ items: enabled().list() }));

  app.post('/signing-keys/rotate', async (request, reply) => {
    const rotated = await enabled().rotate(actorOf(request));
    reply.code(201);
    return rotated;
  });
}
