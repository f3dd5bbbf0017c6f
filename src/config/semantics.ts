/**
 * Checks the schema cannot express: unique route names, route paths that would shadow each
 * other or Keyward's own endpoints, and role requirements no caller could ever meet.
 */
import type { ConfigProblem } from './problems.js';
import type { KeywardConfig } from './schema.js';
import { sizeBytes } from './units.js';
import { upstreamProblems } from './upstream-semantics.js';

const RESERVED = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/docs',
  '/openapi.json',
  '/.well-known',
  '/auth',
  '/oauth',
  '/ui',
  '/portal',
];

function prefixOf(path: string): string {
  return path.replace(/\*$/, '').replace(/\/+$/, '');
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`) || a === '' || b === '';
}

/**
 * The smallest `server.memory` a gateway fits in: ~108 MB outside V8's heap, 16 MB of young
 * generation and at least 64 MB of old (with 128 MB in all it ran out of memory under load).
 */
export const MIN_MEMORY_BYTES = 192 * 2 ** 20;

/** Cross-field problems in a schema-valid config. */
export function semanticProblems(config: KeywardConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const mounted: { path: string; prefix: string }[] = [];
  // Admin, services and maps must not shadow Keyward's own endpoints or each other either.
  const mount = (path: string, prefix: string) => {
    const reserved = RESERVED.find((r) => overlaps(prefix, r));
    if (reserved) problems.push({ path, message: `overlaps Keyward's own ${reserved}` });
    const clash = mounted.find((m) => overlaps(prefix, m.prefix));
    if (clash) problems.push({ path, message: `overlaps ${clash.path} (${clash.prefix || '/'})` });
    mounted.push({ path, prefix });
  };
  mount('admin.path', prefixOf(config.admin.path));
  for (const [name, service] of Object.entries(config.services)) {
    if (!service?.enabled) continue;
    mount(`services.${name}.path`, prefixOf(service.path));
    // The places map is served at /map unless configured elsewhere (services/places/index.ts).
    const map = (service as { map?: string }).map ?? (name === 'places' ? '/map' : undefined);
    if (map) mount(`services.${name}.map`, prefixOf(map));
  }
  const names = new Map<string, number>();
  config.routes.forEach((route, i) => {
    const first = names.get(route.name);
    if (first !== undefined)
      problems.push({
        path: `routes[${i}].name`,
        message: `"${route.name}" is already the name of routes[${first}]`,
      });
    else names.set(route.name, i);
    mount(`routes[${i}].path`, prefixOf(route.path));
    problems.push(...upstreamProblems(route, i));
    if (route.auth.length === 1 && route.auth[0] === 'none' && route.roles?.length) {
      problems.push({
        path: `routes[${i}].roles`,
        message: 'a route with auth [none] has no caller whose roles could be checked',
      });
    }
  });
  if (config.server.memory !== undefined && sizeBytes(config.server.memory) < MIN_MEMORY_BYTES) {
    problems.push({ path: 'server.memory', message: 'is below 192mb, too little for a gateway process' });
  }
  problems.push(...portalProblems(config));
  if (config.secrets.masterKey === '') {
    const route = config.routes.findIndex((r) => r.auth.includes('jwt'));
    const service = Object.entries(config.services).find(
      ([, svc]) => svc?.enabled && svc.auth.includes('jwt'),
    );
    const where = route !== -1 ? `routes[${route}].auth` : service ? `services.${service[0]}.auth` : null;
    if (where) {
      problems.push({
        path: where,
        message:
          'accepts jwt, which needs secrets.masterKey (KEYWARD_MASTER_KEY) to seal the JWT signing keys; run `keyward init` or set it',
      });
    }
  }
  return problems;
}

/** The portal signs developers in with JWT and gives their keys a configured plan. */
function portalProblems(config: KeywardConfig): ConfigProblem[] {
  const { portal } = config;
  if (!portal.enabled) return [];
  const problems: ConfigProblem[] = [];
  if (config.secrets.masterKey === '')
    problems.push({
      path: 'portal.enabled',
      message:
        'the portal signs developers in with JWT, which needs secrets.masterKey (KEYWARD_MASTER_KEY); run `keyward init` or set it',
    });
  if (portal.plan !== undefined && !(portal.plan in config.plans))
    problems.push({ path: 'portal.plan', message: `no plan named "${portal.plan}" in plans` });
  for (const field of ['roles', 'keyRoles'] as const) {
    const admin = portal[field].find((r) => config.admin.roles.includes(r));
    if (admin !== undefined)
      problems.push({
        path: `portal.${field}`,
        message: `"${admin}" is an admin role: developers serving themselves would become admins`,
      });
  }
  return problems;
}
