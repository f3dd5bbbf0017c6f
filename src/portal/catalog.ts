/**
 * What a developer may call with a portal key: the routes and services whose credentials
 * include an API key (or none) and whose roles the portal's key roles meet, each with its
 * operations from the gateway's OpenAPI document. Proxied routes have no schema in Keyward; they
 * are listed with their path, methods and credentials.
 */
import type { RouteView, ServiceView } from '../config/views.js';

/** One operation as the portal's reference shows it. */
export interface CatalogOperation {
  method: string;
  path: string;
  summary: string;
  /** The OpenAPI operation object (parameters, request body, responses), when Keyward has one. */
  spec: Record<string, unknown> | null;
}

/** A route or service open to the developer. */
export interface CatalogEntry {
  kind: 'route' | 'service';
  name: string;
  path: string;
  auth: string[];
  rateLimit: { requests: number; per: string; by?: string }[];
  operations: CatalogOperation[];
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, Record<string, unknown>>>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Whether a key holding `keyRoles` may call something accepting `auth` and needing `roles`. */
export function openTo(
  auth: readonly string[],
  roles: readonly string[],
  keyRoles: readonly string[],
): boolean {
  if (auth.includes('none') && roles.length === 0) return true;
  if (!auth.includes('apiKey')) return false;
  return roles.length === 0 || roles.some((r) => keyRoles.includes(r));
}

function prefixOf(path: string): string {
  return path.replace(/\*$/, '').replace(/\/+$/, '');
}

function serviceOperations(service: ServiceView, doc: OpenApiDocument): CatalogOperation[] {
  const prefix = prefixOf(service.path);
  const operations: CatalogOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (path !== prefix && !path.startsWith(`${prefix}/`) && !path.startsWith(`${prefix}.`)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method) || method === 'head' || method === 'options') continue;
      const summary = String(operation['summary'] ?? operation['description'] ?? '');
      operations.push({ method: method.toUpperCase(), path, summary, spec: operation });
    }
  }
  return operations;
}

/** The catalog for a developer whose keys carry `keyRoles`. */
export function buildCatalog(
  routes: readonly RouteView[],
  services: readonly ServiceView[],
  keyRoles: readonly string[],
  doc: OpenApiDocument,
): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const service of services) {
    if (!openTo(service.auth, service.roles, keyRoles)) continue;
    entries.push({
      kind: 'service',
      name: service.name,
      path: prefixOf(service.path) || '/',
      auth: service.auth,
      rateLimit: service.rateLimit,
      operations: serviceOperations(service, doc),
    });
  }
  for (const route of routes) {
    if (!openTo(route.auth, route.roles, keyRoles)) continue;
    const base = prefixOf(route.path);
    const path = route.path.endsWith('*') ? `${base}/…` : route.path;
    entries.push({
      kind: 'route',
      name: route.name,
      path: base || '/',
      auth: route.auth,
      rateLimit: route.rateLimit,
      operations: route.methods
        .filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
        .map((method) => ({ method, path, summary: `Forwarded to ${route.name}'s upstream`, spec: null })),
    });
  }
  return entries;
}
