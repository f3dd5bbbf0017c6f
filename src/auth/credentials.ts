/**
 * Finds the API key a request presents, in whichever transports the config enables:
 * the key header, `Authorization: Bearer K`, raw `Authorization: K` (as the seeds' clients
 * send it), `Authorization: Basic base64(anything:K)`, and the query parameter when enabled.
 * Two different credentials are ambiguous and refused rather than guessed at.
 */
import type { ApiKeySettings } from '../config/compile.js';

export type Transport = 'header' | 'bearer' | 'raw' | 'basic' | 'query';

export type ExtractedCredential =
  | { ok: true; key: string; transport: Transport }
  | { ok: false; reason: 'missing' | 'ambiguous' | 'malformed' };

export interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
  query: unknown;
}

const MAX_KEY_LENGTH = 512;

function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

function fromAuthorization(
  value: string,
  settings: ApiKeySettings,
): { key: string; transport: Transport } | 'malformed' | undefined {
  const space = value.indexOf(' ');
  if (space === -1) return settings.raw ? { key: value, transport: 'raw' } : undefined;
  const scheme = value.slice(0, space).toLowerCase();
  const rest = value.slice(space + 1).trim();
  if (scheme === 'bearer') return settings.bearer ? { key: rest, transport: 'bearer' } : undefined;
  if (scheme === 'basic') {
    if (!settings.basic) return undefined;
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1 || colon === decoded.length - 1) return 'malformed';
    return { key: decoded.slice(colon + 1), transport: 'basic' };
  }
  return undefined;
}

/** Extracts at most one API key from the request. */
export function extractApiKey(source: CredentialSource, settings: ApiKeySettings): ExtractedCredential {
  const found: { key: string; transport: Transport }[] = [];
  const header = single(source.headers[settings.header]);
  if (header === null) return { ok: false, reason: 'ambiguous' };
  if (header !== undefined) found.push({ key: header.trim(), transport: 'header' });

  const authorization = single(source.headers.authorization);
  if (authorization === null) return { ok: false, reason: 'ambiguous' };
  if (authorization !== undefined) {
    const fromAuth = fromAuthorization(authorization.trim(), settings);
    if (fromAuth === 'malformed') return { ok: false, reason: 'malformed' };
    if (fromAuth) found.push(fromAuth);
  }

  if (settings.queryParam !== null && source.query && typeof source.query === 'object') {
    const value = (source.query as Record<string, unknown>)[settings.queryParam];
    if (Array.isArray(value)) return { ok: false, reason: 'ambiguous' };
    if (typeof value === 'string') found.push({ key: value, transport: 'query' });
  }

  const first = found[0];
  if (!first) return { ok: false, reason: 'missing' };
  if (found.some((f) => f.key !== first.key)) return { ok: false, reason: 'ambiguous' };
  if (first.key === '' || first.key.length > MAX_KEY_LENGTH) return { ok: false, reason: 'malformed' };
  return { ok: true, ...first };
}
