/**
 * Mounts the places service (SPEC §5) and its map: the JSON and CSV APIs under
 * `services.places.path`, guarded per operation (read or write, see access.ts) with the
 * service's credential schemes and rate limits, and the public map page at `map` (default /map).
 */
import type { FastifyInstance } from 'fastify';
import type { AuthScheme } from '../../auth/authenticate.js';
import { guardHook } from '../../http/guard.js';
import type { AppDependencies } from '../../server/app.js';
import { registerMapRoutes } from '../map/routes.js';
import { placesAccess } from './access.js';
import { registerPlaceCsvRoutes } from './csv-routes.js';
import { type PlaceGuards, registerPlaceRoutes } from './routes.js';

export const DEFAULT_MAP_PATH = '/map';

/** Registers the places API and map page when the config enables places. */
export async function registerPlacesService(app: FastifyInstance, deps: AppDependencies): Promise<void> {
  const places = deps.config.raw.services.places;
  if (!places?.enabled) return;
  const access = placesAccess(places);
  // Read and write guards share one set of limits: their stages use the same scope.
  const guard = (schemes: readonly AuthScheme[], roles: readonly string[]) =>
    guardHook({ scope: 'places', schemes, roles, rateLimit: places.rateLimit }, deps);
  const guards: PlaceGuards = {
    read: guard(access.readSchemes, access.readRoles),
    write: guard(access.writeSchemes, access.writeRoles),
  };
  const base = places.path.replace(/\/\*?$/, '');
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, routeName: route.config?.routeName ?? 'places' };
    });
    registerPlaceRoutes(scope, base, deps.store.places, guards);
    await registerPlaceCsvRoutes(scope, base, deps.store.places, guards);
    registerMapRoutes(scope, {
      path: places.map ?? DEFAULT_MAP_PATH,
      placesUrl: base,
      tileUrl: places.tileUrl,
    });
  });
}
