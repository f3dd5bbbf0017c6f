/**
 * Turns a validated config into the plain runtime settings the server uses, once, at start:
 * durations and sizes become numbers, names are normalized, defaults are resolved. The hot
 * path reads only these objects and never parses config text.
 */
import { compileJwtSettings, type JwtSettings } from '../auth/jwt/settings.js';
import type { LoadedConfig } from './load.js';
import type { KeywardConfig } from './schema.js';
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

export interface CompiledConfig {
  source: LoadedConfig;
  raw: KeywardConfig;
  server: {
    host: string;
    port: number;
    trustProxy: false | string[];
    bodyLimit: number;
    requestTimeoutMs: number;
    shutdownTimeoutMs: number;
  };
  storageUrl: string;
  logLevel: string;
  apiKeys: ApiKeySettings;
  jwt: JwtSettings;
  admin: { path: string; roles: string[] };
}

/** Compiles a loaded config into runtime settings. */
export function compileConfig(loaded: LoadedConfig): CompiledConfig {
  const c = loaded.config;
  const q = c.auth.apiKeys.queryParam;
  return {
    source: loaded,
    raw: c,
    server: {
      host: c.server.host,
      port: c.server.port,
      trustProxy: c.server.trustProxy,
      bodyLimit: sizeBytes(c.server.bodyLimit),
      requestTimeoutMs: durationMs(c.server.requestTimeout),
      shutdownTimeoutMs: durationMs(c.server.shutdownTimeout),
    },
    storageUrl: c.storage.url,
    logLevel: c.log.level,
    apiKeys: {
      prefix: c.auth.apiKeys.prefix,
      header: c.auth.apiKeys.header.toLowerCase(),
      bearer: c.auth.apiKeys.bearer,
      raw: c.auth.apiKeys.raw,
      basic: c.auth.apiKeys.basic,
      queryParam: q === false ? null : q === true ? 'api_key' : q,
    },
    jwt: compileJwtSettings(c),
    admin: { path: c.admin.path.replace(/\/+$/, ''), roles: c.admin.roles },
  };
}
