/**
 * `GET {map}`: a public Leaflet map of the places, and its files under `{map}/assets/`. The page
 * needs no credential; it shows places only when reading them is public (see places/access.ts),
 * and otherwise says so instead of asking for a key it would have to keep in the browser.
 */
import type { FastifyInstance } from 'fastify';
import { loadMapAssets } from './assets.js';
import { DEFAULT_TILE_URL, mapPageHeaders, mapPageHtml } from './page.js';

export interface MapOptions {
  /** Where the page is served, e.g. /map. */
  path: string;
  /** The places API it reads, e.g. /v1/places. */
  placesUrl: string;
  tileUrl?: string | undefined;
}

const ASSET_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' };

/** Registers the page and each asset as its own route (hidden from the OpenAPI document). */
export function registerMapRoutes(app: FastifyInstance, options: MapOptions): void {
  const base = options.path.replace(/\/\*?$/, '') || '';
  const tileUrl = options.tileUrl ?? DEFAULT_TILE_URL;
  const page = mapPageHtml({ assets: `${base}/assets`, placesUrl: options.placesUrl, tileUrl });
  const headers = mapPageHeaders(tileUrl);
  const routeOptions = { schema: { hide: true }, config: { routeName: 'map' } };
  app.get(base || '/', routeOptions, async (_request, reply) =>
    reply.headers(headers).type('text/html; charset=utf-8').send(page),
  );
  for (const [name, asset] of loadMapAssets()) {
    app.get(`${base}/assets/${name}`, routeOptions, async (_request, reply) =>
      reply.headers(ASSET_HEADERS).type(asset.type).send(asset.body),
    );
  }
}
