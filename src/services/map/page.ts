/**
 * The map page's HTML and its security headers. The page holds no script of its own: settings
 * travel in data-* attributes (HTML-escaped) and the CSP allows scripts from Keyward only, so
 * even a name that slipped into the markup could not run.
 */

export const DEFAULT_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

export interface MapPageOptions {
  /** Where map.js, map.css and Leaflet's files are served, e.g. /map/assets. */
  assets: string;
  /** The places API the page fetches, e.g. /v1/places. */
  placesUrl: string;
  tileUrl: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for an HTML attribute value or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * The CSP source for the tile server, e.g. `https://tile.openstreetmap.org`, or
 * `https://*.tile.openstreetmap.org` for a `{s}.` subdomain template. Throws on a URL whose
 * host cannot be written as a CSP source (the config schema already refuses those).
 */
export function tileSource(tileUrl: string): string {
  const match = /^(https?):\/\/([^/?#]+)\//i.exec(tileUrl);
  const host = match?.[2]?.replace(/^\{s\}\./, '*.');
  if (!match || !host || !/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw new Error(`services.places.tileUrl: cannot derive the tile host from ${JSON.stringify(tileUrl)}`);
  }
  return `${match[1]!.toLowerCase()}://${host.toLowerCase()}`;
}

/** The headers the page is served with: a strict CSP plus the usual hardening. */
export function mapPageHeaders(tileUrl: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // data: for the 1×1 placeholder Leaflet swaps in for tiles it unloads.
    `img-src 'self' data: ${tileSource(tileUrl)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    // Not no-referrer: OpenStreetMap's tile policy asks web maps to send a Referer.
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cache-control': 'no-cache',
  };
}

/** The page itself. */
export function mapPageHtml(options: MapPageOptions): string {
  const a = escapeHtml(options.assets);
  const osm = /^https?:\/\/([a-z{}]+\.)*openstreetmap\.org\//i.test(options.tileUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Places</title>
<link rel="stylesheet" href="${a}/leaflet.css">
<link rel="stylesheet" href="${a}/map.css">
</head>
<body>
<div id="map" data-places-url="${escapeHtml(options.placesUrl)}" data-tiles="${escapeHtml(options.tileUrl)}" data-attribution="${osm ? 'osm' : ''}"></div>
<p id="status" role="status">Loading places…</p>
<p id="tiles-notice" role="alert" hidden>The map tiles could not be loaded (offline, or the tile server is unreachable). The places are still shown.</p>
<script src="${a}/leaflet.js"></script>
<script src="${a}/map.js"></script>
</body>
</html>
`;
}
