/**
 * Mounts the built-in services (SPEC §5) that the config enables, each behind its own
 * authentication and role stages, exactly like a configured route.
 */
import type { FastifyInstance } from 'fastify';
import { guardHook } from '../http/guard.js';
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
          guardHook(
            { scope: 'time', schemes: time.auth, roles: time.roles, rateLimit: time.rateLimit },
            deps,
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
