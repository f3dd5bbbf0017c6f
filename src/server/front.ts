/**
 * Mounts what people open in a browser: the landing page at `/`, the dashboard at `/ui` and the
 * developer portal at `/portal`, each as the config enables it, handing each the few parts it
 * uses. Sign-in on both shares the refresh tokens and the failed-login throttle of /auth/login.
 */
import type { FastifyInstance } from 'fastify';
import { planViews, routeViews, serviceViews } from '../config/views.js';
import { type Mount, publicMount } from '../http/pipeline.js';
import { SqlQuotaPersistence } from '../limits/persistence.js';
import { registerPortal } from '../portal/index.js';
import type { SessionLogin } from '../ui/cookie-session.js';
import { registerDashboard } from '../ui/index.js';
import { type LandingLink, registerLandingPage } from '../ui/landing.js';
import type { GatewayParts } from './parts.js';

/** Registers the landing page, dashboard and portal. */
export async function registerFront(app: FastifyInstance, mount: Mount, parts: GatewayParts): Promise<void> {
  const { config, store, clock } = parts;
  const login: SessionLogin | null =
    parts.jwt && parts.refreshTokens
      ? {
          users: parts.users,
          refreshTokens: parts.refreshTokens,
          throttle: parts.loginThrottle,
          issuer: parts.jwt.issuer,
          refreshTtlMs: config.jwt.local.refreshTtlMs,
        }
      : null;

  const links: LandingLink[] = [];
  if (config.ui.enabled) {
    links.push({ href: '/ui/', title: 'Dashboard', text: 'Keys, usage, secrets and users, for operators.' });
    await mount(app, publicMount('ui'), (scope) =>
      registerDashboard(scope, { adminRoles: config.admin.roles, adminPath: config.admin.path, login }),
    );
  }
  if (config.portal.enabled) {
    links.push({
      href: '/portal/',
      title: 'Developer portal',
      text: 'Your own API keys, usage and reference.',
    });
    // The limiter's own calendar counters, as the default assembly keeps them in the store.
    const quotaStore = new SqlQuotaPersistence(store.db);
    await registerPortal(app, mount, {
      portal: config.portal,
      store,
      clock,
      keys: parts.keys,
      users: parts.users,
      login,
      views: {
        routes: routeViews(config.routes),
        services: serviceViews(config.services),
        plans: planViews(config.plans),
      },
      quotas: { flush: () => parts.limiter.flush(), load: (keys) => quotaStore.load(keys) },
      flushUsage: () => parts.usage.flush(),
      keyHeader: config.apiKeys.header,
      openapi: () => app.swagger(),
    });
  }
  links.push({
    href: '/docs',
    title: 'API reference',
    text: 'Every endpoint this gateway serves (OpenAPI).',
  });
  const places = config.services.places;
  if (places?.enabled)
    links.push({ href: places.map ?? '/map', title: 'Places map', text: 'The places service on a map.' });
  await mount(app, publicMount('landing'), (scope) => registerLandingPage(scope, links));
}
