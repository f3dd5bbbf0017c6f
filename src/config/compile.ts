/**
 * Turns a validated config into the plain runtime settings the server uses, once, at start
 * (and again, whole, on reload): durations and sizes become numbers, names are normalized,
 * defaults are resolved. Nothing reads the YAML-shaped config after this; the hot path reads
 * only these objects and never parses config text.
 */
import { isAbsolute, resolve } from 'node:path';
import { compileJwtSettings, type JwtSettings } from './jwt-settings.js';
import type { EnvSubstitution, LoadedConfig, SecretReference } from './load.js';
import type { CorsConfig, KeywardConfig, LimitPolicyConfig, PortalConfig, RouteConfig } from './schema.js';
import { durationMs, sizeBytes } from './units.js';

export interface ApiKeySettings {
  prefix: string;
  /** Lower-cased header name, e.g. `x-api-key`. */
  header: string;
  bearer: boolean;
  raw: boolean;
  basic: boolean;
  /** Query parameter name when keys may travel in the URL, else null. */
  queryParam: string | null;
}

/** Where spans go (OTLP over HTTP), or null when tracing is off. */
export interface TracingSettings {
  endpoint: string;
  serviceName: string;
  sampleRatio: number;
  headers: Readonly<Record<string, string>>;
}

/** Each plan's limits, by plan name. */
export type PlanTable = Readonly<Record<string, { limits: readonly LimitPolicyConfig[] } | undefined>>;

export interface CompiledConfig {
  /** The file the config came from (or `(built-in demo)`), for messages. */
  file: string;
  server: {
    host: string;
    port: number;
    trustProxy: false | string[];
    bodyLimit: number;
    requestTimeoutMs: number;
    shutdownTimeoutMs: number;
    /** `server.memory` in bytes: the budget each process's heap limits are set from; null for V8's own. */
    memoryBytes: number | null;
  };
  storageUrl: string;
  /** `redis.url`, or '' when Redis is not used. */
  redisUrl: string;
  /** `secrets.masterKey` as written (base64), or '' when unset. */
  masterKey: string;
  logLevel: string;
  tracing: TracingSettings | null;
  apiKeys: ApiKeySettings;
  jwt: JwtSettings;
  cors: CorsConfig;
  plans: PlanTable;
  routes: readonly RouteConfig[];
  services: KeywardConfig['services'];
  admin: { path: string; roles: string[] };
  /** The dashboard at /ui. */
  ui: { enabled: boolean };
  /** The developer portal at /portal. */
  portal: PortalConfig;
  /** Every `${secret:NAME}` in the config, with its YAML path. */
  secretRefs: readonly SecretReference[];
  /** Every value taken from the environment, with its YAML path (masked where it is a credential). */
  envValues: readonly EnvSubstitution[];
}

/** A relative SQLite path is relative to the config file, not to wherever the command runs. */
function resolveStorageUrl(url: string, baseDir: string | undefined): string {
  if (!url.startsWith('sqlite:') || baseDir === undefined) return url;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' || isAbsolute(path) ? url : `sqlite:${resolve(baseDir, path)}`;
}

/** Compiles a loaded config into runtime settings. */
export function compileConfig(loaded: LoadedConfig): CompiledConfig {
  const c = loaded.config;
  const q = c.auth.apiKeys.queryParam;
  return {
    file: loaded.file,
    server: {
      host: c.server.host,
      port: c.server.port,
      trustProxy: c.server.trustProxy,
      bodyLimit: sizeBytes(c.server.bodyLimit),
      requestTimeoutMs: durationMs(c.server.requestTimeout),
      shutdownTimeoutMs: durationMs(c.server.shutdownTimeout),
      memoryBytes: c.server.memory === undefined ? null : sizeBytes(c.server.memory),
    },
    storageUrl: resolveStorageUrl(c.storage.url, loaded.baseDir),
    redisUrl: c.redis.url,
    masterKey: c.secrets.masterKey,
    logLevel: c.log.level,
    tracing: c.tracing.endpoint === '' ? null : c.tracing,
    apiKeys: {
      prefix: c.auth.apiKeys.prefix,
      header: c.auth.apiKeys.header.toLowerCase(),
      bearer: c.auth.apiKeys.bearer,
      raw: c.auth.apiKeys.raw,
      basic: c.auth.apiKeys.basic,
      queryParam: q === false ? null : q === true ? 'api_key' : q,
    },
    jwt: compileJwtSettings(c),
    cors: c.cors,
    plans: c.plans,
    routes: c.routes,
    services: c.services,
    admin: { path: c.admin.path.replace(/\/+$/, ''), roles: c.admin.roles },
    ui: c.ui,
    portal: c.portal,
    secretRefs: loaded.secretRefs,
    envValues: loaded.envValues,
  };
}
