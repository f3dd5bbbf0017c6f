/** `/users`: local users for JWT login. Passwords go in, never come out; hashes never leave the store. */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toUserView, UserInputError, type UserService } from '../auth/login/users.js';
import { KeywardError } from '../errors.js';
import { actorOf } from './actor.js';

const Role = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$' });
const NameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }) });
const CreateBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    roles: Type.Array(Role, { maxItems: 64, default: [] }),
  },
  { additionalProperties: false },
);
const PasswordBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

/** Maps the user service's input errors onto 404 / 409 / 422. */
function userError(error: unknown): unknown {
  if (!(error instanceof UserInputError)) return error;
  if (/^no user/i.test(error.message)) return new KeywardError('KW_ERR_NOT_FOUND', { detail: error.message });
  if (/already exists/.test(error.message))
    return new KeywardError('KW_ERR_CONFLICT', { detail: error.message });
  return new KeywardError('KW_ERR_VALIDATION', {
    detail: error.message,
    errors: [{ path: 'body', message: error.message }],
  });
}

/** Registers the user management routes. */
export async function registerUserRoutes(app: FastifyInstance, users: UserService): Promise<void> {
  app.get('/users', async () => ({ items: (await users.list()).map(toUserView) }));

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/users',
    { schema: { body: CreateBody } },
    async (request, reply) => {
      try {
        const user = await users.add(
          request.body.username,
          request.body.password,
          request.body.roles,
          actorOf(request),
        );
        return reply.code(201).send(toUserView(user));
      } catch (error) {
        throw userError(error);
      }
    },
  );

  app.put<{ Params: Static<typeof NameParams>; Body: Static<typeof PasswordBody> }>(
    '/users/:username/password',
    { schema: { params: NameParams, body: PasswordBody } },
    async (request, reply) => {
      try {
        await users.passwd(request.params.username, request.body.password, actorOf(request));
      } catch (error) {
        throw userError(error);
      }
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/users/:username',
    { schema: { params: NameParams } },
    async (request, reply) => {
      try {
        await users.remove(request.params.username, actorOf(request));
      } catch (error) {
        throw userError(error);
      }
      return reply.code(204).send();
    },
  );
}
