/**
 * `GET /`: a small landing page linking what this gateway has enabled — the dashboard, the
 * developer portal, the API reference and the places map — instead of a 404. Its one inline
 * stylesheet is allowed by its SHA-256 in the CSP, so no inline script or style runs otherwise.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BRAND, LOGO_SVG } from '../brand.js';
import { escapeHtml } from '../services/map/page.js';

export interface LandingLink {
  href: string;
  title: string;
  text: string;
}

const STYLE = `:root{color-scheme:light dark;--fg:#111827;--muted:#4b5563;--bg:#f8fafc;--card:#fff;--line:#e5e7eb}
@media (prefers-color-scheme:dark){:root{--fg:#f3f4f6;--muted:#9ca3af;--bg:#0b1020;--card:#111827;--line:#1f2937}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:760px;margin:0 auto;padding:56px 20px}header{display:flex;gap:16px;align-items:center;margin-bottom:8px}
header svg{width:48px;height:48px}h1{font-size:28px;margin:0}p.lead{color:var(--muted);margin:0 0 32px}
ul{list-style:none;margin:0;padding:0;display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(220px,1fr))}
a.card{display:block;padding:18px 20px;border:1px solid var(--line);border-radius:12px;background:var(--card);color:inherit;text-decoration:none}
a.card:hover,a.card:focus-visible{border-color:${BRAND};outline:none;box-shadow:0 0 0 3px ${BRAND}33}
a.card strong{display:block;color:${BRAND};margin-bottom:4px}a.card span{color:var(--muted);font-size:14px}
footer{margin-top:40px;color:var(--muted);font-size:13px}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

const HEADERS = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The page's HTML for these links. */
export function landingHtml(links: readonly LandingLink[]): string {
  const items = links
    .map(
      (l) =>
        `<li><a class="card" href="${escapeHtml(l.href)}"><strong>${escapeHtml(l.title)}</strong><span>${escapeHtml(l.text)}</span></a></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyward</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>${LOGO_SVG}<h1>Keyward</h1></header>
<p class="lead">API gateway: keys, tokens, roles, rate limits and upstream secrets in one place.</p>
<ul>
${items}
</ul>
<footer>Health: <a href="/healthz">/healthz</a> · OpenAPI: <a href="/openapi.json">/openapi.json</a></footer>
</main>
</body>
</html>
`;
}

/** Registers `GET /`. */
export function registerLandingPage(app: FastifyInstance, links: readonly LandingLink[]): void {
  const page = landingHtml(links);
  app.get('/', { schema: { hide: true }, config: { routeName: 'landing' } }, async (_request, reply) =>
    reply.headers(HEADERS).type('text/html; charset=utf-8').send(page),
  );
}
