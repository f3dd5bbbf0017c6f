/** `GET /audit`: the audit log, newest first, paged by cursor. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditRepository } from '../store/repositories/audit.js';

const AuditQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
    target: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** Registers the audit routes. */
export async function registerAuditRoutes(app: FastifyInstance, audit: AuditRepository): Promise<void> {
  app.get<{ Querystring: { limit: number; cursor?: string; target?: string } }>(
    '/audit',
    { schema: { querystring: AuditQuery } },
    async (request) => {
      const { limit, cursor, target } = request.query;
      return audit.list({
        limit,
        ...(cursor ? { cursor } : {}),
        ...(target ? { targetId: target } : {}),
      });
    },
  );
}
