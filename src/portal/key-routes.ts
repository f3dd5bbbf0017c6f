/**
 * `GET /portal/api/me`, `GET|POST /portal/api/keys`, `POST /portal/api/keys/:id/revoke`: the
 * signed-in developer's account and their own keys. The owner is always the token's subject;
 * another developer's key id answers 404, exactly like an unknown one.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toKeyView } from '../auth/keys/view.js';
import type { Clock } from '../clock.js';
import type { PlanView } from '../config/views.js';
import { KeywardError } from '../errors.js';
import type { ApiKeyRecord } from '../store/repositories/api-keys.js';
import type { UserRepository } from '../store/repositories/users.js';
import type { DeveloperKeys } from './developer-keys.js';

export interface PortalKeyRouteOptions {
  keys: DeveloperKeys;
  users: UserRepository;
  clock: Clock;
  plan: PlanView | null;
  maxKeys: number;
}

const IdParams = Type.Object({ id: Type.String({ pattern: '^key_[0-9a-z]{12}[0-9A-Za-z]{9}$' }) });
const CreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  { additionalProperties: false },
);

/** What a developer sees of a key: never the digest, nor operator-only bindings and metadata. */
export interface DeveloperKeyView {
  id: string;
  name: string;
  hint: string;
  status: string;
  plan: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hint: Type.String(),
  status: Type.String(),
  plan: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});

/** The developer's view of a key record at `now`. */
export function developerKeyView(record: ApiKeyRecord, now: number): DeveloperKeyView {
  const v = toKeyView(record, now);
  return {
    id: v.id,
    name: v.name,
    hint: v.hint,
    status: v.status,
    plan: v.plan,
    createdAt: v.createdAt,
    expiresAt: v.expiresAt,
    revokedAt: v.revokedAt,
    lastUsedAt: v.lastUsedAt,
  };
}

/** The signed-in developer's user id (the portal's stages admit only user tokens). */
export function developerId(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'user') throw new KeywardError('KW_ERR_UNAUTHENTICATED');
  return principal.id;
}

const actorOf = (request: FastifyRequest) => ({ id: developerId(request), ip: request.ip });

/** Registers the account and key routes (inside the portal's authenticated scope). */
export function registerPortalKeyRoutes(app: FastifyInstance, options: PortalKeyRouteOptions): void {
  const { keys, clock } = options;
  const schema = { tags: ['portal'] };
  const notFound = (id: string) =>
    new KeywardError('KW_ERR_NOT_FOUND', { detail: `You have no key with id ${id}.` });

  app.get('/me', { schema }, async (request) => {
    const id = developerId(request);
    const user = await options.users.findById(id);
    if (!user) throw new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: 'This account no longer exists.' });
    return {
      user: { id: user.id, username: user.username, roles: user.roles },
      plan: options.plan,
      maxKeys: options.maxKeys,
      activeKeys: await keys.countActive(id),
    };
  });

  app.get(
    '/keys',
    { schema: { ...schema, response: { 200: Type.Object({ items: Type.Array(KeyView) }) } } },
    async (request) => {
      const now = clock.now();
      return { items: (await keys.list(developerId(request))).map((r) => developerKeyView(r, now)) };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/keys',
    { schema: { ...schema, body: CreateBody } },
    async (request, reply) => {
      const id = developerId(request);
      const user = await options.users.findById(id);
      if (!user)
        throw new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: 'This account no longer exists.' });
      const { record, key } = await keys.create(
        { id, username: user.username },
        request.body.name.trim(),
        actorOf(request),
      );
      reply.code(201).header('cache-control', 'no-store');
      return { ...developerKeyView(record, clock.now()), key };
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/keys/:id/revoke',
    { schema: { ...schema, params: IdParams, response: { 200: KeyView } } },
    async (request) => {
      const record = await keys.revoke(developerId(request), request.params.id, actorOf(request));
      if (!record) throw notFound(request.params.id);
      return developerKeyView(record, clock.now());
    },
  );
}
