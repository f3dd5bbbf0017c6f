/**
 * Serves one built browser app (the dashboard or the portal) from `dist/web/<name>/`: its
 * index.html at `{base}/` under a strict Content-Security-Policy (scripts, styles and requests
 * to this origin only; no inline script or style), and its content-hashed files under
 * `{base}/assets/`, cached for a year. Every file is read once at start: nothing a request
 * names can reach the filesystem. Without a build, the page says how to make one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { KeywardError } from '../errors.js';

/** Where `npm run build` puts the browser apps; the same from src/ui (tests) and dist/ui. */
export const WEB_ROOT = join(import.meta.dirname, '..', '..', 'dist', 'web');

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/** The page's CSP: everything from this origin, nothing inline, no frames, no plugins. */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every page of the dashboard and portal is served with. */
export const PAGE_HEADERS = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const ASSET_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'public, max-age=31536000, immutable',
};

interface Asset {
  body: Buffer;
  type: string;
}

function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name.split('\\').join('/'), { body: readFileSync(join(dir, name)), type });
  }
  return assets;
}

const missingBuild = (name: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyward</title></head>
<body><h1>The ${name} is not built</h1><p>Run <code>npm run build</code>, then restart Keyward.</p></body></html>
`;

export interface StaticAppOptions {
  /** The app's folder name under dist/web, e.g. `ui`. */
  name: string;
  /** Where it is served, e.g. `/ui`. */
  base: string;
  /** Route name in logs and usage. */
  routeName: string;
  /** Read from here instead of dist/web/<name> (tests). */
  dir?: string;
}

/** Registers `{base}` (redirect), `{base}/` and `{base}/assets/*` for one built app. */
export function registerStaticApp(app: FastifyInstance, options: StaticAppOptions): void {
  const dir = options.dir ?? join(WEB_ROOT, options.name);
  const index = existsSync(join(dir, 'index.html'))
    ? readFileSync(join(dir, 'index.html'))
    : Buffer.from(missingBuild(options.name === 'ui' ? 'dashboard' : options.name));
  const assets = readAssets(join(dir, 'assets'));
  const route = { schema: { hide: true }, config: { routeName: options.routeName } };
  // The app's relative asset URLs resolve against `{base}/`, so the bare path redirects there.
  app.get(options.base, route, async (_request, reply) => reply.redirect(`${options.base}/`, 301));
  app.get(`${options.base}/`, route, async (_request, reply) =>
    reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(index),
  );
  app.get<{ Params: { '*': string } }>(`${options.base}/assets/*`, route, async (request, reply) => {
    const asset = assets.get(request.params['*']);
    if (!asset) throw new KeywardError('KW_ERR_NOT_FOUND', { detail: 'No such file.' });
    return reply.headers(ASSET_HEADERS).type(asset.type).send(asset.body);
  });
}
