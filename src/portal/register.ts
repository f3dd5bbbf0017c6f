/**
 * `POST /portal/api/register`: a developer makes their own account, when `portal.registration`
 * is `open`, or `invite` and they bring an unused invitation code. The account gets exactly
 * the portal's roles; nothing in the request can ask for more. Its mount limits registrations
 * per client address (portal/index.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toUserView, UserInputError, type UserService } from '../auth/login/users.js';
import { KeywardError } from '../errors.js';
import type { InvitationService } from './invitations.js';

export interface RegisterRouteOptions {
  mode: 'open' | 'invite' | 'off';
  roles: readonly string[];
  users: UserService;
  invitations: InvitationService;
}

const RegisterBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    invitation: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

/** Registers `GET /info` (how to get an account) and `POST /register`, outside the authenticated scope. */
export function registerRegistrationRoute(app: FastifyInstance, options: RegisterRouteOptions): void {
  const info = { registration: options.mode };
  app.get(
    '/info',
    {
      schema: {
        tags: ['portal'],
        security: [],
        response: {
          200: Type.Object({
            registration: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('off')]),
          }),
        },
      },
    },
    async () => info,
  );
  app.post<{ Body: Static<typeof RegisterBody> }>(
    '/register',
    { schema: { tags: ['portal'], security: [], body: RegisterBody } },
    async (request, reply) => {
      if (options.mode === 'off')
        throw new KeywardError('KW_ERR_REGISTRATION_CLOSED', {
          detail: 'Registration is closed; ask an operator for an account.',
        });
      const { username, password, invitation } = request.body;
      const actor = { id: 'portal', ip: request.ip };
      const taken =
        options.mode === 'invite' ? await options.invitations.take(invitation ?? '', username) : null;
      if (options.mode === 'invite' && !taken)
        throw new KeywardError('KW_ERR_INVITATION_INVALID', {
          detail: 'The invitation code is not valid: unknown, used, revoked or expired.',
        });
      try {
        const user = await options.users.add(username, password, [...options.roles], actor);
        return reply.code(201).send(toUserView(user));
      } catch (error) {
        if (taken) await options.invitations.release(taken);
        if (!(error instanceof UserInputError)) throw error;
        if (/already exists/.test(error.message))
          throw new KeywardError('KW_ERR_CONFLICT', { detail: 'That username is taken; choose another.' });
        throw new KeywardError('KW_ERR_VALIDATION', {
          detail: error.message,
          errors: [
            {
              path: /password/i.test(error.message) ? 'body.password' : 'body.username',
              message: error.message,
            },
          ],
        });
      }
    },
  );
}
