/**
 * The admin REST API under `admin.path` (default /admin/v1): every route needs an API key or JWT with
 * one of `admin.roles`. Each resource lives in its own file.
 */
import type { FastifyPluginAsync } from 'fastify';
import { createAuthenticator } from '../auth/authenticate.js';
import { requireRoles } from '../authz/roles.js';
import { stageHook } from '../http/stages.js';
import type { AppDependencies } from '../server/app.js';
import { registerAuditRoutes } from './audit.js';
import { registerKeyRoutes } from './keys.js';
import { registerSecretRoutes } from './secrets.js';
import { registerSigningKeyRoutes } from './signing-keys.js';
import { registerUsageRoutes } from './usage.js';
import { registerUserRoutes } from './users.js';

export const registerAdminApi: FastifyPluginAsync<{ deps: AppDependencies }> = async (app, { deps }) => {
  const authenticate = createAuthenticator({
    // Admins may use a key or a login token (a user with an admin role).
    schemes: ['apiKey', 'jwt'],
    apiKeys: deps.apiKeys,
    settings: deps.config.apiKeys,
  });
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, routeName: 'admin' };
  });
  // Authenticate before the body is read or validated: strangers learn nothing and upload nothing.
  app.addHook('onRequest', stageHook(authenticate, requireRoles(deps.config.admin.roles)));
  await registerKeyRoutes(app, deps);
  await registerAuditRoutes(app, deps);
  await registerSecretRoutes(app, deps);
  await registerSigningKeyRoutes(app);
  await registerUsageRoutes(app, deps);
  await registerUserRoutes(app, deps);
};
