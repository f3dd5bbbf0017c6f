/**
 * The places service's descriptor: the JSON and CSV APIs under `services.places.path`, as two
 * mounts — reads and writes, each with its own schemes and roles (see access.ts) but one limit
 * scope, so they share counters — and the public map page at `map` (default /map).
 */
import type { CorsPolicy } from '../../http/cors.js';
import { publicMount } from '../../http/pipeline.js';
import { registerMapRoutes } from '../map/routes.js';
import { type ServiceDescriptor, type ServicesConfig, serviceMount } from '../service.js';
import { placesAccess } from './access.js';
import { registerPlaceCsvExport, registerPlaceCsvImport } from './csv-routes.js';
import { registerPlaceReads, registerPlaceWrites } from './routes.js';

export const DEFAULT_MAP_PATH = '/map';

type PlacesSection = NonNullable<ServicesConfig['places']>;

/** The read or write mount: routes sit at absolute paths (`/v1/places` and `/v1/places.csv`). */
function placesMount(section: PlacesSection, cors: CorsPolicy, write: boolean) {
  const access = placesAccess(section);
  const spec = serviceMount(
    'places',
    { ...section, auth: write ? access.writeSchemes : access.readSchemes },
    write ? access.writeRoles : access.readRoles,
    cors,
  );
  return { ...spec, prefix: '' };
}

export const placesService: ServiceDescriptor<'places'> = {
  name: 'places',
  async register(app, section, { mount, cors, places }) {
    const base = section.path.replace(/\/\*?$/, '');
    await mount(app, placesMount(section, cors, false), (scope) => {
      registerPlaceReads(scope, base, places);
      registerPlaceCsvExport(scope, base, places);
    });
    await mount(app, placesMount(section, cors, true), async (scope) => {
      registerPlaceWrites(scope, base, places);
      await registerPlaceCsvImport(scope, base, places);
    });
    // The page itself is public: it shows places only when reading them is (see map/routes.ts).
    await mount(app, publicMount('map'), (scope) =>
      registerMapRoutes(scope, {
        path: section.map ?? DEFAULT_MAP_PATH,
        placesUrl: base,
        tileUrl: section.tileUrl,
      }),
    );
  },
};
