/** X-Request-Id: kept from the caller when well-formed (so traces join up), otherwise generated. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const WELL_FORMED = /^[A-Za-z0-9._:@/-]{8,128}$/;

/** Fastify `genReqId`: the caller's id when safe to echo and log, else a fresh UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID();
}
