/**
 * Request schemas of the places API, for Fastify's validation and the OpenAPI document. Field
 * values carry no `type` keyword on purpose: the app's Ajv coerces types (null would become 0,
 * true would become 1), so fields.ts checks the values and names exactly what is wrong.
 */
import { Type } from '@sinclair/typebox';

const Name = Type.Unknown({
  description: 'Plain text, 1–200 characters after trimming; no control characters. Never rendered as HTML.',
  examples: ['São José'],
});
const Latitude = Type.Unknown({
  description: 'Degrees north, -90 to 90: a number or a decimal string.',
  examples: ['-27.597724533718875', 47.0911],
});
const Longitude = Type.Unknown({
  description: 'Degrees east, -180 to 180: a number or a decimal string.',
  examples: ['-48.61495221317449', 15.4758],
});

export const CreatePlaceBody = Type.Object(
  { name: Name, latitude: Latitude, longitude: Longitude },
  { additionalProperties: false },
);

export const UpdatePlaceBody = Type.Object(
  { name: Type.Optional(Name), latitude: Type.Optional(Latitude), longitude: Type.Optional(Longitude) },
  { additionalProperties: false, minProperties: 1 },
);

export const PlaceParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const CsvImportQuery = Type.Object(
  {
    mode: Type.Union([Type.Literal('append'), Type.Literal('replace')], {
      default: 'append',
      description: 'append adds the rows; replace swaps every existing place for them, in one transaction.',
    }),
  },
  { additionalProperties: false },
);

export const CsvImportReply = Type.Object({
  imported: Type.Integer({ description: 'Places created from the file.' }),
  removed: Type.Integer({ description: 'Places deleted first (mode=replace).' }),
});
