/**
 * How the OpenAPI document groups and secures Keyward's operations: a tag per kind of endpoint
 * (services, proxied routes, auth, admin, portal, gateway), the credentials each operation
 * really accepts (none for health and sign-in; a service's own `auth`), and an entry per
 * proxied route's path and method with its credentials — the upstream's own schema is not
 * Keyward's to publish.
 */
import type { AuthScheme } from '../auth/authenticate.js';
import type { KeywardConfig } from '../config/schema.js';

/** The tags, in the order the reference shows them. */
export const TAGS = [
  { name: 'services', description: 'Built-in services.' },
  {
    name: 'proxied routes',
    description: 'Configured routes, forwarded to their upstream with its credentials added.',
  },
  { name: 'auth', description: 'Sign-in and tokens.' },
  { name: 'portal', description: 'The developer portal: a signed-in developer’s own keys and usage.' },
  { name: 'admin', description: 'The admin API (admin role).' },
  { name: 'gateway', description: 'Health and metrics.' },
];

type Security = Record<string, string[]>[];

/** The OpenAPI security requirement for a list of accepted schemes (`none` makes it optional). */
export function securityFor(schemes: readonly AuthScheme[]): Security {
  const security: Security = [];
  if (schemes.includes('apiKey')) security.push({ apiKey: [] });
  if (schemes.includes('jwt') || schemes.includes('apiKey')) security.push({ bearer: [] });
  if (schemes.includes('none')) security.push({});
  return security;
}

const TAG_OF: Record<string, string> = {
  admin: 'admin',
  auth: 'auth',
  jwks: 'auth',
  ui: 'auth',
  portal: 'portal',
  healthz: 'gateway',
  readyz: 'gateway',
  health: 'gateway',
  metrics: 'gateway',
};

/** Names whose operations need no credential at all. */
const PUBLIC = new Set(['auth', 'jwks', 'ui', 'healthz', 'readyz', 'health']);

export interface ServiceAccess {
  auth: readonly AuthScheme[];
  /** Whether reads need no credential (places with no read roles). */
  publicRead?: boolean;
}

/** Tags and security for one operation of the route or service `name`. */
export function operationGroup(
  name: string | undefined,
  method: string,
  services: ReadonlyMap<string, ServiceAccess>,
): { tags: string[]; security?: Security } {
  if (name === undefined) return { tags: ['gateway'] };
  const service = services.get(name);
  if (service) {
    const read = method === 'GET' || method === 'HEAD';
    const schemes: readonly AuthScheme[] =
      read && service.publicRead && !service.auth.includes('none') ? [...service.auth, 'none'] : service.auth;
    return { tags: ['services'], security: securityFor(schemes) };
  }
  const tag = TAG_OF[name] ?? 'gateway';
  return PUBLIC.has(name) ? { tags: [tag], security: [] } : { tags: [tag] };
}

export interface ProxiedRoute {
  name: string;
  path: string;
  methods: readonly string[];
  auth: readonly AuthScheme[];
}

/** The OpenAPI `paths` entries of the proxied routes. */
export function proxiedPaths(routes: readonly ProxiedRoute[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const wildcard = route.path.endsWith('*');
    const base = route.path.replace(/\*$/, '').replace(/\/+$/, '');
    const url = wildcard ? `${base}/{path}` : route.path;
    const item: Record<string, unknown> = paths[url] ?? {};
    for (const method of route.methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      item[method.toLowerCase()] = {
        tags: ['proxied routes'],
        operationId: `${route.name}-${method.toLowerCase()}`,
        summary: `${route.name}: forwarded to its upstream`,
        description:
          'Keyward checks the credential, roles and limits, then forwards the request to the route’s upstream (within its base path) with the upstream’s own credentials added. The answer is the upstream’s, or a problem+json error from Keyward.',
        security: securityFor(route.auth),
        ...(wildcard
          ? {
              parameters: [
                {
                  name: 'path',
                  in: 'path',
                  required: true,
                  description: 'the rest of the path, forwarded to the upstream',
                  schema: { type: 'string' },
                },
              ],
            }
          : {}),
        responses: { default: { description: 'The upstream’s answer, or a Keyward error (problem+json).' } },
      };
    }
    paths[url] = item;
  }
  return paths;
}

/** Each enabled service's credentials, from the config's `services` section. */
export function serviceAccess(services: KeywardConfig['services']): Map<string, ServiceAccess> {
  const access = new Map<string, ServiceAccess>();
  for (const [name, service] of Object.entries(services)) {
    if (!service?.enabled) continue;
    const roles = service.roles;
    // Places with no read roles are readable without a credential (services/places/access.ts).
    const readRoles = Array.isArray(roles) ? roles : ((roles as { read?: string[] } | undefined)?.read ?? []);
    access.set(name, { auth: service.auth, publicRead: name === 'places' && readRoles.length === 0 });
  }
  return access;
}
