/**
 * `/invitations`: invitations to the developer portal (for `portal.registration: invite`).
 * `POST` makes one and shows its code once; `GET` lists them without codes; `DELETE` revokes
 * an open one.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { DURATION_PATTERN, durationMs } from '../config/units.js';
import { KeywardError } from '../errors.js';
import { type InvitationService, toInvitationView } from '../portal/invitations.js';

export interface InvitationRouteOptions {
  invitations: InvitationService;
  clock: Clock;
}

const CreateBody = Type.Object(
  {
    note: Type.String({ maxLength: 200, default: '', description: 'who it is for; shown to operators' }),
    expiresIn: Type.String({ pattern: DURATION_PATTERN, default: '7d' }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: '^inv_[0-9a-z]{12}[0-9A-Za-z]{9}$' }) });
const MAX_TTL_MS = 90 * 86_400_000;

const actorOf = (request: FastifyRequest) => ({ id: request.principal?.id ?? 'anonymous', ip: request.ip });

/** Registers the invitation routes. */
export function registerInvitationRoutes(app: FastifyInstance, options: InvitationRouteOptions): void {
  const { invitations, clock } = options;
  const schema = { tags: ['admin'] };

  app.get('/invitations', { schema }, async () => ({
    items: (await invitations.list()).map((r) => toInvitationView(r, clock.now())),
  }));

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/invitations',
    { schema: { ...schema, body: CreateBody } },
    async (request, reply) => {
      const ttl = durationMs(request.body.expiresIn);
      if (ttl <= 0 || ttl > MAX_TTL_MS)
        throw new KeywardError('KW_ERR_VALIDATION', {
          detail: 'An invitation lasts between 1 second and 90 days.',
          errors: [{ path: 'body.expiresIn', message: 'must be at most 90d' }],
        });
      const { record, code } = await invitations.create(request.body.note, ttl, actorOf(request));
      reply.code(201).header('cache-control', 'no-store');
      return { ...toInvitationView(record, clock.now()), code };
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/invitations/:id',
    { schema: { ...schema, params: IdParams } },
    async (request, reply) => {
      if (!(await invitations.revoke(request.params.id, actorOf(request))))
        throw new KeywardError('KW_ERR_NOT_FOUND', {
          detail: `No open invitation with id ${request.params.id}.`,
        });
      return reply.code(204).send();
    },
  );
}
