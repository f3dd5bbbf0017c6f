/**
 * The developer portal at `/portal` (when `portal.enabled`): the built page, its cookie
 * sign-in at `/portal/session`, registration, and the self-service API at `/portal/api`, where
 * every route needs a signed-in user's token holding one of `portal.roles` and acts only on
 * that user's own keys and usage.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiKeyService } from '../auth/api-keys.js';
import { createAuthenticator } from '../auth/authenticate.js';
import type { UserService } from '../auth/login/users.js';
import { requireRoles } from '../authz/roles.js';
import type { Clock } from '../clock.js';
import type { ApiKeySettings } from '../config/compile.js';
import type { PortalConfig } from '../config/schema.js';
import { durationMs } from '../config/units.js';
import type { PlanView, RouteView, ServiceView } from '../config/views.js';
import { KeywardError } from '../errors.js';
import { type Stage, stageHook } from '../http/stages.js';
import type { Store } from '../store/db.js';
import { registerCookieSession, type SessionLogin } from '../ui/cookie-session.js';
import { registerStaticApp } from '../ui/static-app.js';
import { DeveloperKeys } from './developer-keys.js';
import { InvitationService } from './invitations.js';
import { registerPortalKeyRoutes } from './key-routes.js';
import type { QuotaReader } from './quota.js';
import { registerRegistrationRoute } from './register.js';
import { registerPortalUsageRoutes } from './usage-routes.js';

export const PORTAL_PATH = '/portal';

export interface PortalOptions {
  portal: PortalConfig;
  store: Store;
  clock: Clock;
  apiKeys: ApiKeyService;
  keySettings: ApiKeySettings;
  users: UserService;
  login: SessionLogin | null;
  views: { routes: RouteView[]; services: ServiceView[]; plans: PlanView[] };
  quotas: QuotaReader;
  flushUsage: () => Promise<void>;
  /** Limits registrations per client address. */
  registerLimit: Stage;
  openapi: () => object;
}

/** Only a signed-in user's own token: not a client-credentials token made from an API key. */
const userTokensOnly: Stage = (request) => {
  if (request.principal?.kind !== 'user')
    throw new KeywardError('KW_ERR_FORBIDDEN', {
      detail: 'The portal API takes a signed-in developer’s token.',
    });
  return undefined;
};

/** Registers the portal. */
export async function registerPortal(app: FastifyInstance, options: PortalOptions): Promise<void> {
  const { portal, store, clock } = options;
  const plan = options.views.plans.find((p) => p.name === portal.plan) ?? null;
  registerStaticApp(app, { name: 'portal', base: PORTAL_PATH, routeName: 'portal' });
  registerCookieSession(app, {
    path: `${PORTAL_PATH}/session`,
    cookieName: 'kw_portal_session',
    roles: portal.roles,
    audience: `one of the roles ${portal.roles.join(', ')}`,
    routeName: 'portal',
    apiBase: `${PORTAL_PATH}/api`,
    login: options.login,
  });
  const keys = new DeveloperKeys(options.apiKeys, store.apiKeys, clock, {
    plan: plan?.name ?? null,
    roles: portal.keyRoles,
    maxKeys: portal.maxKeysPerUser,
    expiryMs: portal.keyExpiry ? durationMs(portal.keyExpiry) : null,
  });
  await app.register(
    async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, routeName: 'portal' };
      });
      registerRegistrationRoute(scope, {
        mode: portal.registration,
        roles: portal.roles,
        users: options.users,
        invitations: new InvitationService(store.invitations, store.audit, clock),
        limit: options.registerLimit,
      });
      await scope.register(async (signedIn) => {
        signedIn.addHook(
          'onRequest',
          stageHook(
            createAuthenticator({
              schemes: ['jwt'],
              apiKeys: options.apiKeys,
              settings: options.keySettings,
            }),
            requireRoles(portal.roles),
            userTokensOnly,
          ),
        );
        registerPortalKeyRoutes(signedIn, {
          keys,
          users: store.users,
          clock,
          plan,
          maxKeys: portal.maxKeysPerUser,
        });
        registerPortalUsageRoutes(signedIn, {
          keys,
          usage: store.usage,
          flushUsage: options.flushUsage,
          quotas: options.quotas,
          clock,
          plan,
          keyRoles: portal.keyRoles,
          routes: options.views.routes,
          services: options.views.services,
          openapi: options.openapi,
        });
      });
    },
    { prefix: `${PORTAL_PATH}/api` },
  );
}
