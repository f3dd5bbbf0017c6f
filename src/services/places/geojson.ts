/**
 * Places as GeoJSON (RFC 7946): each a Point Feature with `[longitude, latitude]` coordinates
 * (GeoJSON's order, the reverse of how people say them) and `{ id, name }` properties. The
 * TypeBox schemas double as the response serializers and the OpenAPI description.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Place } from '../../store/repositories/places.js';

export const GEOJSON_CONTENT_TYPE = 'application/geo+json; charset=utf-8';

export const PlaceFeature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Object({
    type: Type.Literal('Point'),
    coordinates: Type.Array(Type.Number(), {
      minItems: 2,
      maxItems: 2,
      description: '[longitude, latitude] in degrees (GeoJSON order)',
    }),
  }),
  properties: Type.Object({ id: Type.String(), name: Type.String() }),
});

export const PlaceCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(PlaceFeature),
});

/** One place as a GeoJSON Point Feature. */
export function toFeature(place: Place): Static<typeof PlaceFeature> {
  return {
    type: 'Feature',
    id: place.id,
    geometry: { type: 'Point', coordinates: [place.longitude, place.latitude] },
    properties: { id: place.id, name: place.name },
  };
}

/** Places as a GeoJSON FeatureCollection. */
export function toFeatureCollection(places: readonly Place[]): Static<typeof PlaceCollection> {
  return { type: 'FeatureCollection', features: places.map(toFeature) };
}
