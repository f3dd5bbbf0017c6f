/** `GET /metrics`: Prometheus exposition, for callers holding an admin role (SPEC §4). */
import type { FastifyInstance } from 'fastify';
import { createAuthenticator } from '../auth/authenticate.js';
import { requireRoles } from '../authz/roles.js';
import { stageHook } from '../http/stages.js';
import type { AppDependencies } from './app.js';

/** Registers /metrics behind the admin roles. */
export function registerMetricsEndpoint(app: FastifyInstance, deps: AppDependencies): void {
  app.get(
    '/metrics',
    {
      config: { routeName: 'metrics' },
      onRequest: stageHook(
        createAuthenticator({
          schemes: ['apiKey', 'jwt'],
          apiKeys: deps.apiKeys,
          settings: deps.config.apiKeys,
        }),
        requireRoles(deps.config.admin.roles),
      ),
    },
    async (_request, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
}
