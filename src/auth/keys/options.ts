/**
 * Validation of the key options the CLI and the admin API share: expiry (relative or absolute),
 * allowed origins and allowed client ranges. One implementation, so both reject the same input
 * with the same words.
 */

import { parseCidr } from '../../cidr.js';
import { parseDuration } from '../../config/units.js';
import type { FieldError } from '../../errors.js';

export interface RawKeyOptions {
  expiresIn?: string | undefined;
  expiresAt?: string | undefined;
  origins?: readonly string[] | undefined;
  ips?: readonly string[] | undefined;
}

export interface KeyOptions {
  expiresAt: number | null;
  origins: string[] | null;
  ips: string[] | null;
}

/** `https://app.example.com` exactly: scheme, host and optional port; nothing else. */
export function normalizeOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.origin !== text.replace(/\/$/, '')) return null;
  return url.origin;
}

/** Validates and normalizes; every bad field is reported, not just the first. */
export function parseKeyOptions(
  raw: RawKeyOptions,
  now: number,
): { ok: true; value: KeyOptions } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  let expiresAt: number | null = null;
  if (raw.expiresIn !== undefined && raw.expiresAt !== undefined) {
    errors.push({ path: 'expiresIn', message: 'give expiresIn or expiresAt, not both' });
  } else if (raw.expiresIn !== undefined) {
    const ms = parseDuration(raw.expiresIn);
    if (ms === undefined || ms <= 0)
      errors.push({ path: 'expiresIn', message: 'expected a duration like 30d' });
    else expiresAt = now + ms;
  } else if (raw.expiresAt !== undefined) {
    const at = Date.parse(raw.expiresAt);
    if (Number.isNaN(at)) errors.push({ path: 'expiresAt', message: 'expected an ISO 8601 time' });
    else if (at <= now) errors.push({ path: 'expiresAt', message: 'must be in the future' });
    else expiresAt = at;
  }
  const origins: string[] = [];
  (raw.origins ?? []).forEach((o, i) => {
    const origin = normalizeOrigin(o);
    if (origin === null)
      errors.push({
        path: `origins[${i}]`,
        message: `expected an exact origin like https://app.example.com, got "${o.slice(0, 100)}"`,
      });
    else origins.push(origin);
  });
  const ips: string[] = [];
  (raw.ips ?? []).forEach((r, i) => {
    const cidr = parseCidr(r);
    if (cidr === null)
      errors.push({
        path: `ips[${i}]`,
        message: `expected an IP address or CIDR range, got "${r.slice(0, 64)}"`,
      });
    else ips.push(`${cidr.address}/${cidr.prefix}`);
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { expiresAt, origins: origins.length ? origins : null, ips: ips.length ? ips : null },
  };
}
