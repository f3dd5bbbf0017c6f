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
import { KEYWARD_VERSION as version } from '../package-info.js';
import { type Mount, publicMount } from './pipeline.js';

export interface OpenApiOptions {
  /** The API-key header, for the security scheme. */
  apiKeyHeader: string;
  /** Names of the proxied routes: they forward whatever the upstream speaks, so no schema. */
  proxyRoutes: readonly string[];
}

/** Registers the generator (call before any route is added). */
export async function registerOpenApiGenerator(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  const proxyRoutes = new Set(options.proxyRoutes);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyward',
        version,
        description: 'Keyward built-in services, admin API and health endpoints.',
      },
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
      return { schema: hide ? { ...schema, hide: true } : schema, url: path };
    },
  });
}

/** Mounts `/openapi.json` and the `/docs` UI: public, no stages. */
export async function registerOpenApiDocs(app: FastifyInstance, mount: Mount): Promise<void> {
  await mount(app, publicMount('docs'), async (scope) => {
    scope.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await scope.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
    });
  });
}
