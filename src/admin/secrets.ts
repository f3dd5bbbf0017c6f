/** `/secrets`: write-only values. PUT stores, GET lists names, DELETE removes; no route returns a value. */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KeywardError } from '../errors.js';
import { SecretStoreError, type SecretVault } from '../secrets/vault.js';
import { actorOf } from './actor.js';

const NameParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' }) });
const PutBody = Type.Object(
  { value: Type.String({ minLength: 1, maxLength: 65536 }) },
  { additionalProperties: false },
);

/** Registers the secret routes. */
export async function registerSecretRoutes(app: FastifyInstance, secrets: SecretVault): Promise<void> {
  app.put<{ Params: Static<typeof NameParams>; Body: Static<typeof PutBody> }>(
    '/secrets/:name',
    { schema: { params: NameParams, body: PutBody } },
    async (request, reply) => {
      try {
        await secrets.set(request.params.name, request.body.value, actorOf(request));
      } catch (error) {
        if (error instanceof SecretStoreError)
          throw new KeywardError('KW_ERR_CONFLICT', { detail: error.message });
        throw error;
      }
      return reply.code(204).send();
    },
  );

  app.get('/secrets', async () => ({ items: await secrets.list() }));

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/secrets/:name',
    { schema: { params: NameParams } },
    async (request, reply) => {
      if (!(await secrets.remove(request.params.name, actorOf(request)))) {
        throw new KeywardError('KW_ERR_NOT_FOUND', { detail: `No secret named ${request.params.name}.` });
      }
      return reply.code(204).send();
    },
  );
}
