/**
 * What the dashboard and the portal may show of the config: routes' public side, services and
 * plans with their paths, credentials, roles and limits. Never an upstream or a secret (the
 * admin API's route view, proxy/status.ts, shows upstream hosts). Built once from a validated
 * config.
 */
import type { PlanTable } from './compile.js';
import type { KeywardConfig, LimitPolicyConfig, RouteConfig } from './schema.js';

export type Limit = { requests: number; per: string; by?: string };

/** A configured proxy route as the portal shows it: its public side only. */
export interface RouteView {
  kind: 'route';
  name: string;
  path: string;
  methods: string[];
  auth: string[];
  roles: string[];
  rateLimit: Limit[];
}

/** A built-in service as operators see it. */
export interface ServiceView {
  kind: 'service';
  name: string;
  path: string;
  auth: string[];
  /** Roles needed to call it; for places, the write roles are in `writeRoles`. */
  roles: string[];
  writeRoles: string[] | null;
  rateLimit: Limit[];
  /** Service settings worth showing, e.g. `maxBits`, `map`. */
  settings: Record<string, string | number>;
}

/** A plan and its limits. */
export interface PlanView {
  name: string;
  limits: Limit[];
}

const limits = (list: readonly LimitPolicyConfig[] | undefined): Limit[] =>
  (list ?? []).map((l) => ({ requests: l.requests, per: l.per, ...(l.by ? { by: l.by } : {}) }));

/** Every configured route. */
export function routeViews(routes: readonly RouteConfig[]): RouteView[] {
  return routes.map((r) => ({
    kind: 'route',
    name: r.name,
    path: r.path,
    methods: [...r.methods],
    auth: [...r.auth],
    roles: [...(r.roles ?? [])],
    rateLimit: limits(r.rateLimit),
  }));
}

/** Every enabled built-in service. */
export function serviceViews(services: KeywardConfig['services']): ServiceView[] {
  const views: ServiceView[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (!service?.enabled) continue;
    const roles = service.roles;
    const split = roles !== undefined && !Array.isArray(roles);
    const settings: Record<string, string | number> = {};
    if ('maxBits' in service) settings['maxBits'] = service.maxBits;
    if (name === 'places') settings['map'] = (service as { map?: string }).map ?? '/map';
    views.push({
      kind: 'service',
      name,
      path: service.path,
      auth: [...service.auth],
      roles: split
        ? [...((roles as { read?: string[] }).read ?? [])]
        : [...((roles as string[] | undefined) ?? [])],
      writeRoles: split ? [...((roles as { write?: string[] }).write ?? [])] : null,
      rateLimit: limits(service.rateLimit),
      settings,
    });
  }
  return views;
}

/** Every plan. */
export function planViews(plans: PlanTable): PlanView[] {
  return Object.entries(plans).flatMap(([name, plan]) =>
    plan ? [{ name, limits: limits(plan.limits) }] : [],
  );
}
