/**
 * The admin REST API under `admin.path` (default /admin/v1): every route needs an API key or a
 * JWT with one of `admin.roles`, checked before the body is read (strangers learn nothing and
 * upload nothing). No CORS (the dashboard is served from the same origin) and no plan limits,
 * except key creation, which has a stricter built-in limit of its own. Each resource lives in
 * its own file and takes only what it uses.
 */
import type { FastifyInstance } from 'fastify';
import type { SigningKeyRing } from '../auth/jwt/signing-keys.js';
import type { KeyLifecycle } from '../auth/keys/lifecycle.js';
import type { UserService } from '../auth/login/users.js';
import type { Clock } from '../clock.js';
import type { Mount, MountLimits, MountSpec } from '../http/pipeline.js';
import type { InvitationService } from '../portal/invitations.js';
import type { SecretVault } from '../secrets/vault.js';
import type { AuditRepository } from '../store/repositories/audit.js';
import type { UsageRepository } from '../store/repositories/usage.js';
import { registerAuditRoutes } from './audit.js';
import { type ConfigReload, registerConfigRoutes } from './config.js';
import { type GatewayViews, registerGatewayConfigRoutes } from './gateway-config.js';
import { registerInvitationRoutes } from './invitations.js';
import { registerKeyCreateRoute, registerKeyRoutes } from './keys.js';
import { type RouteViewOptions, registerRouteViews } from './routes.js';
import { registerSecretRoutes } from './secrets.js';
import { registerSigningKeyRoutes } from './signing-keys.js';
import { registerUsageRoutes, type UsageRouteOptions } from './usage.js';
import { registerUsageSeriesRoute } from './usage-series.js';
import { registerUserRoutes } from './users.js';

export interface AdminApiOptions {
  path: string;
  roles: readonly string[];
  keys: KeyLifecycle;
  users: UserService;
  vault: SecretVault;
  audit: AuditRepository;
  usage: Omit<UsageRouteOptions, 'clock'> & { rows: Pick<UsageRepository, 'query' | 'series'> };
  routes: RouteViewOptions;
  /** The JWT signing keys, or null when the config uses no JWT. */
  signingKeys: SigningKeyRing | null;
  /** Reloads the config (see server/reload.ts). */
  reload: ConfigReload;
  /** Routes, services and plans as the dashboard shows them. */
  views: GatewayViews;
  invitations: InvitationService;
  clock: Clock;
}

/** Minting keys is how a stolen admin credential would do damage fastest. */
const KEY_CREATION_LIMIT: MountLimits = {
  scope: 'admin-key-create',
  rateLimit: [{ requests: 30, per: 'minute', by: 'key' }],
  onFailure: 'closed',
  plan: false,
};

/** Mounts the admin API. */
export async function registerAdminApi(
  app: FastifyInstance,
  mount: Mount,
  options: AdminApiOptions,
): Promise<void> {
  const { clock } = options;
  const admin: MountSpec = {
    name: 'admin',
    prefix: options.path,
    cors: 'none',
    authenticate: ['apiKey', 'jwt'],
    authorize: options.roles,
    limits: 'none',
  };
  await mount(app, admin, async (scope) => {
    await registerKeyRoutes(scope, { keys: options.keys, clock });
    await registerAuditRoutes(scope, options.audit);
    await registerSecretRoutes(scope, options.vault);
    await registerSigningKeyRoutes(scope, options.signingKeys);
    await registerUsageRoutes(scope, { ...options.usage, clock });
    await registerUserRoutes(scope, options.users);
    await registerConfigRoutes(scope, options.reload);
    await registerRouteViews(scope, options.routes);
    registerUsageSeriesRoute(scope, {
      usage: options.usage.rows,
      flush: () => options.usage.recorder.flush(),
      clock,
    });
    registerGatewayConfigRoutes(scope, options.views);
    registerInvitationRoutes(scope, { invitations: options.invitations, clock });
  });
  await mount(app, { ...admin, limits: KEY_CREATION_LIMIT }, (scope) =>
    registerKeyCreateRoute(scope, { keys: options.keys, clock }),
  );
}
