/**
 * `GET /openapi.json` and `GET /docs`: the OpenAPI document is generated from the TypeBox
 * schemas the routes already validate with, so it cannot drift from what the gateway accepts;
 * the reference UI (Swagger UI) is served from node_modules, no CDN. The generator must be
 * registered before any route, since @fastify/swagger collects routes as they are added; the
 * two endpoints are a public mount of their own.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { BRAND, LOGO_SVG, WORDMARK_SVG } from '../brand.js';
import { KEYWARD_VERSION as version } from '../package-info.js';
import {
  operationGroup,
  type ProxiedRoute,
  proxiedPaths,
  type ServiceAccess,
  TAGS,
} from './openapi-groups.js';
import { type Mount, publicMount } from './pipeline.js';

export interface OpenApiOptions {
  /** The API-key header, for the security scheme. */
  apiKeyHeader: string;
  /** The proxied routes: listed with their credentials (they forward whatever the upstream speaks). */
  proxyRoutes: readonly ProxiedRoute[];
  /** Each built-in service's credentials, by service name. */
  services: ReadonlyMap<string, ServiceAccess>;
}

/** Registers the generator (call before any route is added). */
export async function registerOpenApiGenerator(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  const proxyRoutes = new Set(options.proxyRoutes.map((r) => r.name));
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyward',
        version,
        description:
          'The built-in services and proxied routes this gateway serves, sign-in, the developer portal and the admin API. Operations list the credentials they accept; those with none are public.',
      },
      tags: TAGS,
      // The proxied routes, which Keyward documents itself (their own routes are hidden below).
      paths: proxiedPaths(options.proxyRoutes),
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: options.apiKeyHeader },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: ({ schema, url, route }) => {
      const name = route.config?.routeName;
      const hide = name !== undefined && proxyRoutes.has(name);
      // A service's root route is registered as `prefix + '/'`; document it as the bare prefix.
      const path = url.length > 1 ? url.replace(/\/$/, '') : url;
      const method = [route.method].flat()[0] ?? 'GET';
      // CORS preflights are answered for the browser, not called by anyone.
      if (hide || method === 'OPTIONS') return { schema: { ...schema, hide: true }, url: path };
      const group = operationGroup(name, String(method), options.services);
      return {
        schema: { ...schema, ...group, ...(schema?.security ? { security: schema.security } : {}) },
        url: path,
      };
    },
  });
}

/** Keyward's colours on Swagger UI's top bar. */
const DOCS_CSS = `.swagger-ui .topbar { background: #111827; padding: 8px 0; }
.swagger-ui .topbar .download-url-wrapper .download-url-button { background: ${BRAND}; }
.swagger-ui .topbar .link img { height: 34px; max-width: none; }
.swagger-ui .info .title small.version-stamp { background: ${BRAND}; }`;

/** Mounts `/openapi.json` and the `/docs` UI: public, no stages. */
export async function registerOpenApiDocs(app: FastifyInstance, mount: Mount): Promise<void> {
  await mount(app, publicMount('docs'), async (scope) => {
    scope.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await scope.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
      logo: { type: 'image/svg+xml', content: Buffer.from(WORDMARK_SVG), href: '/', target: '_self' },
      theme: {
        title: 'Keyward API reference',
        favicon: [
          {
            filename: 'keyward.svg',
            rel: 'icon',
            sizes: 'any',
            type: 'image/svg+xml',
            content: Buffer.from(LOGO_SVG),
          },
        ],
        css: [{ filename: 'keyward.css', content: DOCS_CSS }],
      },
    });
  });
}
