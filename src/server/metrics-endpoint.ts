/** `GET /metrics`: Prometheus exposition, for callers holding an admin role; no CORS, no limits. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Mount } from '../http/pipeline.js';

/** Mounts /metrics behind the admin roles. */
export async function registerMetricsEndpoint(
  app: FastifyInstance,
  mount: Mount,
  options: { registry: Registry; roles: readonly string[] },
): Promise<void> {
  const spec = {
    name: 'metrics',
    prefix: '',
    cors: 'none',
    authenticate: ['apiKey', 'jwt'],
    authorize: options.roles,
    limits: 'none',
  } as const;
  await mount(app, spec, (scope) => {
    scope.get('/metrics', async (_request, reply) => {
      reply.type(options.registry.contentType);
      return options.registry.metrics();
    });
  });
}
