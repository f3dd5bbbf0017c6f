/**
 * The developer portal at `/portal` (when `portal.enabled`): the built page, its cookie
 * sign-in at `/portal/session`, registration, and the self-service API at `/portal/api`, where
 * every route needs a signed-in user's token holding one of `portal.roles` and acts only on
 * that user's own keys and usage.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyLifecycle } from '../auth/keys/lifecycle.js';
import type { UserService } from '../auth/login/users.js';
import type { Clock } from '../clock.js';
import type { PortalConfig } from '../config/schema.js';
import { durationMs } from '../config/units.js';
import type { PlanView, RouteView, ServiceView } from '../config/views.js';
import { KeywardError } from '../errors.js';
import { type Mount, type MountLimits, publicMount } from '../http/pipeline.js';
import { stageHook } from '../stages.js';
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
  store: Pick<Store, 'apiKeys' | 'users' | 'usage' | 'invitations' | 'audit'>;
  clock: Clock;
  keys: KeyLifecycle;
  users: UserService;
  login: SessionLogin | null;
  views: { routes: RouteView[]; services: ServiceView[]; plans: PlanView[] };
  quotas: QuotaReader;
  flushUsage: () => Promise<void>;
  /** The header that carries API keys. */
  keyHeader: string;
  openapi: () => object;
}

/** Ten accounts an hour from one address is plenty for people and little for a script. */
const REGISTRATION_LIMIT: MountLimits = {
  scope: 'portal-register',
  rateLimit: [{ requests: 10, per: 'hour', by: 'ip' }],
  onFailure: 'closed',
  plan: false,
};

/** Only a signed-in user's own token: not a client-credentials token made from an API key. */
const userTokensOnly = stageHook((request) => {
  if (request.principal?.kind !== 'user')
    return new KeywardError('KW_ERR_FORBIDDEN', {
      detail: 'The portal API takes a signed-in developer’s token.',
    });
  return undefined;
});

/** Registers the portal. */
export async function registerPortal(
  app: FastifyInstance,
  mount: Mount,
  options: PortalOptions,
): Promise<void> {
  const { portal, store, clock } = options;
  const plan = options.views.plans.find((p) => p.name === portal.plan) ?? null;
  const api = `${PORTAL_PATH}/api`;
  await mount(app, publicMount('portal'), (scope) => {
    registerStaticApp(scope, { name: 'portal', base: PORTAL_PATH, routeName: 'portal' });
    registerCookieSession(scope, {
      path: `${PORTAL_PATH}/session`,
      cookieName: 'kw_portal_session',
      roles: portal.roles,
      audience: `one of the roles ${portal.roles.join(', ')}`,
      routeName: 'portal',
      apiBase: api,
      login: options.login,
    });
  });
  await mount(app, { ...publicMount('portal', api), limits: REGISTRATION_LIMIT }, (scope) =>
    registerRegistrationRoute(scope, {
      mode: portal.registration,
      roles: portal.roles,
      users: options.users,
      invitations: new InvitationService(store.invitations, store.audit, clock),
    }),
  );
  const keys = new DeveloperKeys(options.keys, store.apiKeys, clock, {
    plan: plan?.name ?? null,
    roles: portal.keyRoles,
    maxKeys: portal.maxKeysPerUser,
    expiryMs: portal.keyExpiry ? durationMs(portal.keyExpiry) : null,
  });
  const signedIn = {
    name: 'portal',
    prefix: api,
    cors: 'none',
    authenticate: ['jwt'],
    authorize: portal.roles,
    limits: 'none',
  } as const;
  await mount(app, signedIn, (scope) => {
    // After the mount's stages (which the mount puts first on each route): the principal is known.
    scope.addHook('onRoute', (route) => {
      const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
      route.onRequest = [...existing, userTokensOnly] as typeof route.onRequest;
    });
    registerPortalKeyRoutes(scope, { keys, users: store.users, clock, plan, maxKeys: portal.maxKeysPerUser });
    registerPortalUsageRoutes(scope, {
      keys,
      usage: store.usage,
      flushUsage: options.flushUsage,
      quotas: options.quotas,
      clock,
      plan,
      keyRoles: portal.keyRoles,
      routes: options.views.routes,
      services: options.views.services,
      keyHeader: options.keyHeader,
      openapi: options.openapi,
    });
  });
}
