/**
 * Mounts the built-in services (SPEC §5) that the config enables, each behind its own
 * authentication and role stages, exactly like a configured route.
 */
import type { FastifyInstance } from 'fastify';
import { createAuthenticator } from '../auth/authenticate.js';
import { requireRoles } from '../authz/roles.js';
import { createLimitStage } from '../limits/stage.js';
import type { AppDependencies } from '../server/app.js';
import { registerPlacesService } from './places/index.js';
import { registerPrimesService } from './primes/routes.js';
import { registerTimeService } from './time.js';

/** Names of the services this build serves; the others are validated but not mounted yet. */
export const SERVED_SERVICES = ['time', 'primes', 'places'] as const;

/** Registers each enabled, implemented service under its configured path. */
export async function registerServices(app: FastifyInstance, deps: AppDependencies): Promise<void> {
  const time = deps.config.raw.services.time;
  if (time?.enabled) {
    await app.register(
      async (scope) => {
        scope.addHook('onRoute', (route) => {
          route.config = { ...route.config, routeName: 'time' };
        });
        scope.addHook(
          'onRequest',
          createAuthenticator({ schemes: time.auth, apiKeys: deps.apiKeys, settings: deps.config.apiKeys }),
        );
        scope.addHook('onRequest', requireRoles(time.roles ?? []));
        scope.addHook(
          'onRequest',
          createLimitStage(
            { scope: 'time', rateLimit: time.rateLimit ?? [], onFailure: 'open' },
            deps.limiter,
            deps.config.raw.plans,
          ),
        );
        registerTimeService(scope, deps.clock);
      },
      { prefix: time.path.replace(/\/\*?$/, '') },
    );
  }
  await registerPrimesService(app, deps);
  await registerPlacesService(app, deps);
}
