/** Who is acting in an admin request, as the audit log records it: the principal and its address. */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../store/repositories/audit.js';

/** The audit actor of an authenticated admin request. */
export function actorOf(request: FastifyRequest): Actor {
  return { id: request.principal?.id ?? 'anonymous', ip: request.ip };
}
