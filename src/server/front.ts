/**
 * Mounts what people open in a browser: the landing page at `/`, the dashboard at `/ui` and the
 * developer portal at `/portal`, each as the config enables it, handing each the few things it
 * uses. Sign-in for both shares one refresh-token service and one failed-login throttle.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { JwtRuntime } from '../auth/jwt/runtime.js';
import { RefreshTokenService } from '../auth/login/refresh-tokens.js';
import { MemoryLoginThrottle } from '../auth/login/throttle.js';
import { UserService } from '../auth/login/users.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { planViews, routeViews, serviceViews } from '../config/views.js';
import type { RateLimiter } from '../limits/limiter.js';
import { SqlQuotaPersistence } from '../limits/persistence.js';
import { createLimitStage } from '../limits/stage.js';
import { registerPortal } from '../portal/index.js';
import type { Store } from '../store/db.js';
import type { UsageRecorder } from '../telemetry/usage.js';
import type { SessionLogin } from '../ui/cookie-session.js';
import { registerDashboard } from '../ui/index.js';
import { type LandingLink, registerLandingPage } from '../ui/landing.js';

/** What the front needs from the gateway. */
export interface FrontDependencies {
  config: CompiledConfig;
  store: Store;
  clock: Clock;
  apiKeys: ApiKeyService;
  limiter: RateLimiter;
  usage: UsageRecorder;
}

/** Registers the landing page, dashboard and portal. */
export async function registerFront(
  app: FastifyInstance,
  deps: FrontDependencies,
  jwt: JwtRuntime | null,
): Promise<void> {
  const { config, store, clock } = deps;
  const raw = config.raw;
  const users = new UserService(store, clock);
  const login: SessionLogin | null = jwt
    ? {
        users,
        refreshTokens: new RefreshTokenService(store, config.jwt.local.refreshTtlMs, clock),
        throttle: new MemoryLoginThrottle(clock),
        issuer: jwt.issuer,
        refreshTtlMs: config.jwt.local.refreshTtlMs,
      }
    : null;

  const links: LandingLink[] = [];
  if (raw.ui.enabled) {
    links.push({ href: '/ui/', title: 'Dashboard', text: 'Keys, usage, secrets and users, for operators.' });
    registerDashboard(app, { adminRoles: config.admin.roles, adminPath: config.admin.path, login });
  }
  if (raw.portal.enabled) {
    links.push({
      href: '/portal/',
      title: 'Developer portal',
      text: 'Your own API keys, usage and reference.',
    });
    const quotaStore = new SqlQuotaPersistence(store.db);
    await registerPortal(app, {
      portal: raw.portal,
      store,
      clock,
      apiKeys: deps.apiKeys,
      keySettings: config.apiKeys,
      users,
      login,
      views: { routes: routeViews(raw), services: serviceViews(raw), plans: planViews(raw) },
      quotas: { flush: () => deps.limiter.flush(), load: (keys) => quotaStore.load(keys) },
      flushUsage: () => deps.usage.flush(),
      // Ten accounts an hour from one address is plenty for people and little for a script.
      registerLimit: createLimitStage(
        {
          scope: 'portal-register',
          rateLimit: [{ requests: 10, per: 'hour', by: 'ip' }],
          onFailure: 'closed',
          applyPlan: false,
        },
        deps.limiter,
        {},
      ),
      openapi: () => app.swagger(),
    });
  }
  links.push({
    href: '/docs',
    title: 'API reference',
    text: 'Every endpoint this gateway serves (OpenAPI).',
  });
  const places = raw.services.places;
  if (places?.enabled)
    links.push({
      href: places.map ?? '/map' /* the places service's default */,
      title: 'Places map',
      text: 'The places service on a map.',
    });
  registerLandingPage(app, links);
}
