/**
 * `GET /portal/api/usage`, `GET /portal/api/quota`, `GET /portal/api/catalog`: the developer's
 * own usage (their keys only, chosen on the server), what is left of their plan's quotas, and
 * the routes and services their keys may call with their reference.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { PlanView, RouteView, ServiceView } from '../config/views.js';
import { KeywardError } from '../errors.js';
import type { Period } from '../limits/policy.js';
import type { UsageRepository } from '../store/repositories/usage.js';
import { type UsageWindow, usageSeries, WindowSchema } from '../telemetry/usage-series.js';
import { buildCatalog } from './catalog.js';
import type { DeveloperKeys } from './developer-keys.js';
import { developerId } from './key-routes.js';
import { type QuotaReader, quotaStatus } from './quota.js';

export interface PortalUsageRouteOptions {
  keys: DeveloperKeys;
  usage: Pick<UsageRepository, 'series'>;
  flushUsage: () => Promise<void>;
  quotas: QuotaReader;
  clock: Clock;
  plan: PlanView | null;
  keyRoles: readonly string[];
  routes: readonly RouteView[];
  services: readonly ServiceView[];
  /** The header that carries API keys (`auth.apiKeys.header`), for the page's try-it form. */
  keyHeader: string;
  /** The gateway's OpenAPI document (read when first asked, once every route is known). */
  openapi: () => object;
}

const UsageQuery = Type.Object(
  { window: WindowSchema, key: Type.Optional(Type.String({ pattern: '^key_[0-9a-z]{12}[0-9A-Za-z]{9}$' })) },
  { additionalProperties: false },
);

/** Registers the usage, quota and catalog routes (inside the portal's authenticated scope). */
export function registerPortalUsageRoutes(app: FastifyInstance, options: PortalUsageRouteOptions): void {
  const { keys, clock } = options;
  const schema = { tags: ['portal'] };

  app.get<{ Querystring: Static<typeof UsageQuery> }>(
    '/usage',
    { schema: { ...schema, querystring: UsageQuery } },
    async (request) => {
      const owner = developerId(request);
      const { window, key } = request.query;
      let principals: string[];
      if (key) {
        if (!(await keys.find(owner, key)))
          throw new KeywardError('KW_ERR_NOT_FOUND', { detail: `You have no key with id ${key}.` });
        principals = [key];
      } else principals = (await keys.list(owner)).map((r) => r.id);
      await options.flushUsage();
      return usageSeries(options.usage, { window: window as UsageWindow, now: clock.now(), principals });
    },
  );

  app.get('/quota', { schema }, async (request) => {
    const owner = developerId(request);
    const now = clock.now();
    const active = (await keys.list(owner)).filter((r) => r.revokedAt === null);
    const byPlan = new Map<string, string[]>();
    for (const r of active) if (r.plan) byPlan.set(r.plan, [...(byPlan.get(r.plan) ?? []), r.id]);
    const items: { id: string; name: string; plan: string | null; limits: unknown[] }[] = [];
    const plan = options.plan;
    const statuses =
      plan && byPlan.has(plan.name)
        ? await quotaStatus(
            options.quotas,
            plan.name,
            plan.limits.map((l) => ({ ...l, per: l.per as Period })),
            byPlan.get(plan.name)!,
            now,
          )
        : new Map();
    for (const r of active)
      items.push({ id: r.id, name: r.name, plan: r.plan, limits: statuses.get(r.id) ?? [] });
    return { plan, items };
  });

  let catalog: ReturnType<typeof buildCatalog> | undefined;
  app.get('/catalog', { schema }, async () => {
    catalog ??= buildCatalog(options.routes, options.services, options.keyRoles, options.openapi());
    return { keyHeader: options.keyHeader, items: catalog };
  });
}
