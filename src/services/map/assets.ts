/**
 * The map page's static files: Leaflet's own from node_modules/leaflet/dist (no CDN, so the map
 * works offline and no third party sees who looks at it) and the page's script and styles.
 * A fixed list read once at start: nothing a request names can reach the filesystem.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MAP_SCRIPT, MAP_STYLES } from './browser.js';

export interface MapAsset {
  body: Buffer;
  type: string;
}

const LEAFLET_FILES: Record<string, string> = {
  'leaflet.js': 'application/javascript; charset=utf-8',
  'leaflet.css': 'text/css; charset=utf-8',
  'images/marker-icon.png': 'image/png',
  'images/marker-icon-2x.png': 'image/png',
  'images/marker-shadow.png': 'image/png',
  'images/layers.png': 'image/png',
  'images/layers-2x.png': 'image/png',
};

/** Every asset by its path under the assets prefix (e.g. `images/marker-icon.png`). */
export function loadMapAssets(): Map<string, MapAsset> {
  const dist = join(dirname(createRequire(import.meta.url).resolve('leaflet/package.json')), 'dist');
  const assets = new Map<string, MapAsset>();
  for (const [name, type] of Object.entries(LEAFLET_FILES)) {
    assets.set(name, { body: readFileSync(join(dist, name)), type });
  }
  assets.set('map.js', { body: Buffer.from(MAP_SCRIPT), type: 'application/javascript; charset=utf-8' });
  assets.set('map.css', { body: Buffer.from(MAP_STYLES), type: 'text/css; charset=utf-8' });
  return assets;
}
