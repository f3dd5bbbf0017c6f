/**
 * The `auth.jwt` section compiled once at start: durations in ms, audiences as lists, and the
 * decision whether this config needs JWT at all (so a config without it starts with no master key).
 */
import type { KeywardConfig } from './schema.js';
import { durationMs } from './units.js';

export type LocalAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'PS256';

export interface ProviderSettings {
  name: string;
  issuer: string;
  audience: string[];
  jwksUri: string;
  rolesClaim: string;
  algorithms: string[];
  clockSkewMs: number;
  /** Longest token lifetime accepted (exp from now, or from iat). */
  maxTokenLifetimeMs: number;
}

export interface JwtSettings {
  /** True when the master key is set or any route or service accepts `jwt`. */
  enabled: boolean;
  /** Where the config first asks for JWT, for error messages (`routes[2].auth`, `services.time.auth`). */
  firstUse: string;
  local: { issuer: string; algorithm: LocalAlgorithm; accessTtlMs: number; refreshTtlMs: number };
  providers: ProviderSettings[];
}

/** Whether the config uses JWT: a master key is set, or a route or enabled service accepts `jwt`. */
export function jwtNeeded(config: KeywardConfig): boolean {
  if (config.secrets.masterKey !== '') return true;
  if (config.routes.some((r) => r.auth.includes('jwt'))) return true;
  return Object.values(config.services).some((s) => s?.enabled && s.auth.includes('jwt'));
}

function firstJwtUse(config: KeywardConfig): string {
  const index = config.routes.findIndex((r) => r.auth.includes('jwt'));
  if (index >= 0) return `routes[${index}].auth`;
  const service = Object.entries(config.services).find(([, s]) => s?.enabled && s.auth.includes('jwt'));
  return service ? `services.${service[0]}.auth` : 'the config';
}

/** Compiles `auth.jwt` into runtime settings. */
export function compileJwtSettings(config: KeywardConfig): JwtSettings {
  const { local, providers } = config.auth.jwt;
  return {
    enabled: jwtNeeded(config),
    firstUse: firstJwtUse(config),
    local: {
      issuer: local.issuer,
      algorithm: local.algorithm as LocalAlgorithm,
      accessTtlMs: durationMs(local.accessTtl),
      refreshTtlMs: durationMs(local.refreshTtl),
    },
    providers: providers.map((p) => ({
      name: p.name,
      issuer: p.issuer,
      audience: Array.isArray(p.audience) ? p.audience : [p.audience],
      jwksUri: p.jwksUri,
      rolesClaim: p.rolesClaim,
      algorithms: p.algorithms,
      clockSkewMs: durationMs(p.clockSkew),
      maxTokenLifetimeMs: durationMs(p.maxTokenLifetime),
    })),
  };
}
