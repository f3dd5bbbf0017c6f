/**
 * The places JSON API (SPEC §5): list as GeoJSON, create, update, delete. Reads and writes are
 * guarded separately (access.ts); every input goes through fields.ts, storage through the
 * places repository.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { type FieldError, KeywardError } from '../../errors.js';
import type { PlaceRepository } from '../../store/repositories/places.js';
import { checkPlaceFields, type FieldProblem } from './fields.js';
import {
  GEOJSON_CONTENT_TYPE,
  PlaceCollection,
  PlaceFeature,
  toFeature,
  toFeatureCollection,
} from './geojson.js';
import { CreatePlaceBody, PlaceParams, UpdatePlaceBody } from './schemas.js';

export interface PlaceGuards {
  read: onRequestHookHandler;
  write: onRequestHookHandler;
}

/** A 422 naming each bad field as `body.<field>`. */
export function invalidPlace(problems: readonly FieldProblem[]): KeywardError {
  const errors: FieldError[] = problems.map((p) => ({ path: `body.${p.field}`, message: p.message }));
  return new KeywardError('KW_ERR_VALIDATION', {
    detail: `Invalid place: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`,
    errors,
  });
}

function noSuchPlace(): KeywardError {
  return new KeywardError('KW_ERR_NOT_FOUND', { detail: 'No place has this id.' });
}

/** Registers GET/POST `base` and PATCH/DELETE `base/:id` on a scope with no prefix. */
export function registerPlaceRoutes(
  app: FastifyInstance,
  base: string,
  places: PlaceRepository,
  guards: PlaceGuards,
): void {
  const tags = ['places'];
  app.get(
    base,
    {
      onRequest: guards.read,
      schema: {
        summary: 'All places, as a GeoJSON FeatureCollection',
        tags,
        response: { 200: PlaceCollection },
      },
    },
    async (_request, reply) => {
      reply.type(GEOJSON_CONTENT_TYPE);
      return toFeatureCollection(await places.list());
    },
  );

  app.post(
    base,
    {
      onRequest: guards.write,
      schema: { summary: 'Add a place', tags, body: CreatePlaceBody, response: { 201: PlaceFeature } },
    },
    async (request, reply) => {
      const checked = checkPlaceFields(request.body as Static<typeof CreatePlaceBody>, false);
      if (!checked.ok) throw invalidPlace(checked.problems);
      const place = await places.create(checked.value as Required<typeof checked.value>);
      reply.code(201).type(GEOJSON_CONTENT_TYPE).header('location', `${base}/${place.id}`);
      return toFeature(place);
    },
  );

  app.patch(
    `${base}/:id`,
    {
      onRequest: guards.write,
      schema: {
        summary: 'Change some fields of a place',
        tags,
        params: PlaceParams,
        body: UpdatePlaceBody,
        response: { 200: PlaceFeature },
      },
    },
    async (request, reply) => {
      const { id } = request.params as Static<typeof PlaceParams>;
      const checked = checkPlaceFields(request.body as Static<typeof UpdatePlaceBody>, true);
      if (!checked.ok) throw invalidPlace(checked.problems);
      const place = await places.update(id, checked.value);
      if (!place) throw noSuchPlace();
      reply.type(GEOJSON_CONTENT_TYPE);
      return toFeature(place);
    },
  );

  app.delete(
    `${base}/:id`,
    { onRequest: guards.write, schema: { summary: 'Delete a place', tags, params: PlaceParams } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof PlaceParams>;
      if (!(await places.remove(id))) throw noSuchPlace();
      return reply.code(204).send();
    },
  );
}
