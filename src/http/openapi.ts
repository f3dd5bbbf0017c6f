/**
 * `GET /openapi.json` and `GET /docs` (SPEC §4): the OpenAPI document is generated from the
 * TypeBox schemas the routes already validate with, so it cannot drift from what the gateway
 * accepts; the reference UI (Swagger UI) is served from node_modules, no CDN. Must be registered
 * before any route, since @fastify/swagger collects routes as they are added.
 */
import { createRequire } from 'node:module';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { CompiledConfig } from '../config/compile.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Registers the generator, `/openapi.json` and the `/docs` UI. */
export async function registerOpenApi(app: FastifyInstance, config: CompiledConfig): Promise<void> {
  // Proxy routes forward whatever the upstream speaks; Keyward has no schema to publish for them.
  const proxyRoutes = new Set(config.raw.routes.map((r) => r.name));
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
          apiKey: { type: 'apiKey', in: 'header', name: config.apiKeys.header },
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
  const docs = { schema: { hide: true }, config: { routeName: 'docs' } };
  app.get('/openapi.json', docs, async () => app.swagger());
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, routeName: 'docs' };
    });
    await scope.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
    });
  });
}
