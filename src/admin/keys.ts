/**
 * `/keys`: create, list (filters + cursor paging), get, update, revoke, rotate. Plaintext keys
 * appear only in the create and rotate responses. Creation is its own mount (see index.ts),
 * with a stricter built-in limit.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type KeyLifecycle, KeyStateError } from '../auth/keys/lifecycle.js';
import { parseKeyOptions } from '../auth/keys/options.js';
import { toKeyView } from '../auth/keys/view.js';
import type { Clock } from '../clock.js';
import { DURATION_PATTERN, durationMs } from '../config/units.js';
import { KeywardError } from '../errors.js';
import type { ApiKeyRecord } from '../store/repositories/api-keys.js';
import { actorOf } from './actor.js';

const Role = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$' });
const Metadata = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
  Type.String({ maxLength: 1024 }),
  {
    maxProperties: 50,
  },
);
const Timestamp = Type.String({ format: 'date-time' });

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    roles: Type.Optional(Type.Array(Role, { maxItems: 64 })),
    plan: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), Type.Null()])),
    metadata: Type.Optional(Metadata),
    expiresIn: Type.Optional(Type.String({ pattern: DURATION_PATTERN })),
    expiresAt: Type.Optional(Timestamp),
    uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e12 })),
    origins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100 })),
    ips: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    roles: Type.Optional(Type.Array(Role, { maxItems: 64 })),
    plan: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), Type.Null()])),
    metadata: Type.Optional(Metadata),
    expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    // An empty list (or null) lifts the binding.
    // Null first: with array coercion on, null would otherwise become [""].
    origins: Type.Optional(
      Type.Union([Type.Null(), Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100 })]),
    ),
    ips: Type.Optional(
      Type.Union([Type.Null(), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })]),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    plan: Type.Optional(Type.String({ maxLength: 64 })),
    role: Type.Optional(Type.String({ maxLength: 64 })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'part of the name, an id, or the last 4 characters',
      }),
    ),
    owner: Type.Optional(
      Type.String({ pattern: '^usr_[0-9A-Za-z]{1,40}$', description: 'a portal user id' }),
    ),
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired')]),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ pattern: '^key_[0-9a-z]{12}[0-9A-Za-z]{9}$' }) });
const RotateBody = Type.Union([
  Type.Object(
    { grace: Type.Optional(Type.String({ pattern: DURATION_PATTERN })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

function notFound(id: string): KeywardError {
  return new KeywardError('KW_ERR_NOT_FOUND', { detail: `No API key with id ${id}.` });
}

export interface KeyRouteOptions {
  keys: KeyLifecycle;
  clock: Clock;
}

/** Registers `POST /keys` (mounted with its own limit). */
export async function registerKeyCreateRoute(app: FastifyInstance, options: KeyRouteOptions): Promise<void> {
  const { keys: apiKeys, clock } = options;
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/keys',
    { schema: { body: CreateBody } },
    async (request, reply) => {
      const body = request.body;
      const parsed = parseKeyOptions(
        { expiresIn: body.expiresIn, expiresAt: body.expiresAt, origins: body.origins, ips: body.ips },
        clock.now(),
      );
      if (!parsed.ok)
        throw new KeywardError('KW_ERR_VALIDATION', {
          detail: 'One or more fields are invalid.',
          errors: parsed.errors,
        });
      const { record, key } = await apiKeys.create(
        {
          name: body.name,
          roles: body.roles ?? [],
          plan: body.plan ?? null,
          metadata: body.metadata ?? {},
          expiresAt: parsed.value.expiresAt,
          remainingUses: body.uses ?? null,
          allowedOrigins: parsed.value.origins,
          allowedIps: parsed.value.ips,
        },
        actorOf(request),
      );
      reply.code(201).header('cache-control', 'no-store');
      return { ...toKeyView(record, clock.now()), key };
    },
  );
}

/** Registers the key management routes other than creation. */
export async function registerKeyRoutes(app: FastifyInstance, options: KeyRouteOptions): Promise<void> {
  const { keys: apiKeys, clock } = options;
  const view = (record: ApiKeyRecord) => toKeyView(record, clock.now());

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/keys',
    { schema: { querystring: ListQuery } },
    async (request) => {
      const { q, ...filter } = request.query;
      const { items, nextCursor } = await apiKeys.list({ ...filter, ...(q ? { search: q } : {}) });
      return { items: items.map(view), nextCursor };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/keys/:id',
    { schema: { params: IdParams } },
    async (request) => {
      const record = await apiKeys.get(request.params.id);
      if (!record) throw notFound(request.params.id);
      return view(record);
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateBody> }>(
    '/keys/:id',
    { schema: { params: IdParams, body: UpdateBody } },
    async (request) => {
      const { expiresAt, origins, ips, ...rest } = request.body;
      const bindings = parseKeyOptions({ origins: origins ?? [], ips: ips ?? [] }, clock.now());
      if (!bindings.ok)
        throw new KeywardError('KW_ERR_VALIDATION', {
          detail: 'One or more fields are invalid.',
          errors: bindings.errors,
        });
      const changes = {
        ...rest,
        ...(expiresAt === undefined ? {} : { expiresAt: expiresAt === null ? null : Date.parse(expiresAt) }),
        ...(origins === undefined ? {} : { allowedOrigins: bindings.value.origins }),
        ...(ips === undefined ? {} : { allowedIps: bindings.value.ips }),
      };
      const record = await apiKeys.update(request.params.id, changes, actorOf(request));
      if (!record) throw notFound(request.params.id);
      return view(record);
    },
  );

  const revoke = async (request: FastifyRequest<{ Params: Static<typeof IdParams> }>) => {
    const record = await apiKeys.revoke(request.params.id, actorOf(request));
    if (!record) throw notFound(request.params.id);
    return view(record);
  };
  app.post<{ Params: Static<typeof IdParams> }>('/keys/:id/revoke', { schema: { params: IdParams } }, revoke);
  app.delete<{ Params: Static<typeof IdParams> }>('/keys/:id', { schema: { params: IdParams } }, revoke);

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RotateBody> }>(
    '/keys/:id/rotate',
    { schema: { params: IdParams, body: RotateBody } },
    async (request, reply) => {
      const graceMs = durationMs(request.body?.grace ?? '24h');
      let rotated: Awaited<ReturnType<typeof apiKeys.rotate>>;
      try {
        rotated = await apiKeys.rotate(request.params.id, graceMs, actorOf(request));
      } catch (error) {
        if (error instanceof KeyStateError)
          throw new KeywardError('KW_ERR_CONFLICT', { detail: error.message });
        throw error;
      }
      if (!rotated) throw notFound(request.params.id);
      reply.code(201).header('cache-control', 'no-store');
      return { ...view(rotated.record), key: rotated.key, previous: view(rotated.previous) };
    },
  );
}
