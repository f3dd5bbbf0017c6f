/**
 * The places JSON API: list as GeoJSON, create, update, delete. Reads and writes are registered
 * separately, because they are mounted with different requirements (access.ts); every input
 * goes through fields.ts, storage through the places repository.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
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

const tags = ['places'];

/** Registers GET `base` on a scope with no prefix. */
export function registerPlaceReads(app: FastifyInstance, base: string, places: PlaceRepository): void {
  app.get(
    base,
    {
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
}

/** Registers POST `base` and PATCH/DELETE `base/:id` on a scope with no prefix. */
export function registerPlaceWrites(app: FastifyInstance, base: string, places: PlaceRepository): void {
  app.post(
    base,
    {
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
    { schema: { summary: 'Delete a place', tags, params: PlaceParams } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof PlaceParams>;
      if (!(await places.remove(id))) throw noSuchPlace();
      return reply.code(204).send();
    },
  );
}
