/**
 * Credential transports, as one table: every way a caller can present an API key — the key
 * header, `Authorization: Bearer K`, raw `Authorization: K`, `Authorization: Basic
 * base64(anything:K)`, and the query parameter — is a row that says how to read it and where it
 * travels. From the rows, compiled once per config, come the four things that must agree:
 * extraction, the presence check beside a bearer JWT, stripping before the upstream, and
 * redaction in logs. A row switched off in the config is never read, but its headers are still
 * stripped and its parameter names still redacted, so a key sent the wrong way cannot leak.
 * Adding a transport is adding a row.
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

/** What a row read: a key, nothing, or a reason to refuse the request. */
type Reading = string | undefined | 'ambiguous' | 'malformed';

/** `Authorization` split once per request: a lower-cased scheme ('' when none) and the rest. */
type ParsedAuthorization = { scheme: string; rest: string } | 'ambiguous' | undefined;

interface TransportRow {
  transport: Transport;
  enabled(settings: ApiKeySettings): boolean;
  /** Reads this transport's key from the request. */
  read(source: CredentialSource, settings: ApiKeySettings, auth: ParsedAuthorization): Reading;
  /** Whether it travels in Authorization (where a bearer JWT also travels). */
  inAuthorization: boolean;
  /** Headers that carry it, whether or not it is enabled: stripped and redacted. */
  headers(settings: ApiKeySettings): readonly string[];
  /** Query parameters that carry it, whether or not it is enabled: stripped and redacted. */
  queryParams(settings: ApiKeySettings): readonly string[];
}

const MAX_KEY_LENGTH = 512;

/** The one value of a header, null when it was sent more than once. */
function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

function parseAuthorization(source: CredentialSource): ParsedAuthorization {
  const value = single(source.headers.authorization);
  if (value === null) return 'ambiguous';
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  if (space === -1) return { scheme: '', rest: trimmed };
  return { scheme: trimmed.slice(0, space).toLowerCase(), rest: trimmed.slice(space + 1).trim() };
}

/** The credential in Authorization when it uses `scheme` ('' for none). */
function withScheme(auth: ParsedAuthorization, scheme: string): Reading {
  if (auth === 'ambiguous') return 'ambiguous';
  return auth?.scheme === scheme ? auth.rest : undefined;
}

function queryValue(source: CredentialSource, name: string): unknown {
  const query = source.query;
  return query !== null && typeof query === 'object' ? (query as Record<string, unknown>)[name] : undefined;
}

/**
 * Parameter names that often carry keys. They are always redacted from logged URLs, even where
 * the query transport is off, because a caller may send a key there anyway.
 */
const KEY_LIKE_PARAMS = ['api_key', 'apikey', 'api-key', 'key', 'access_token', 'token'];

/** Headers that carry a caller's credentials whatever the config: never forwarded, never logged. */
const CALLER_CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/** The transport table. */
const TRANSPORTS: readonly TransportRow[] = [
  {
    transport: 'header',
    enabled: () => true,
    read: (source, settings) => {
      const value = single(source.headers[settings.header]);
      if (value === null) return 'ambiguous';
      return value?.trim();
    },
    inAuthorization: false,
    // The default name too, so a key sent as X-Api-Key never reaches an upstream or a log.
    headers: (settings) => [...new Set([settings.header, 'x-api-key'])],
    queryParams: () => [],
  },
  {
    transport: 'bearer',
    enabled: (settings) => settings.bearer,
    read: (_source, _settings, auth) => withScheme(auth, 'bearer'),
    inAuthorization: true,
    headers: () => ['authorization'],
    queryParams: () => [],
  },
  {
    transport: 'raw',
    enabled: (settings) => settings.raw,
    read: (_source, _settings, auth) => withScheme(auth, ''),
    inAuthorization: true,
    headers: () => ['authorization'],
    queryParams: () => [],
  },
  {
    transport: 'basic',
    enabled: (settings) => settings.basic,
    read: (_source, _settings, auth) => {
      const found = withScheme(auth, 'basic');
      if (found === undefined || found === 'ambiguous') return found;
      const decoded = Buffer.from(found, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1 || colon === decoded.length - 1) return 'malformed';
      return decoded.slice(colon + 1);
    },
    inAuthorization: true,
    headers: () => ['authorization'],
    queryParams: () => [],
  },
  {
    transport: 'query',
    enabled: (settings) => settings.queryParam !== null,
    read: (source, settings) => {
      const value = queryValue(source, settings.queryParam as string);
      if (Array.isArray(value)) return 'ambiguous';
      return typeof value === 'string' ? value : undefined;
    },
    inAuthorization: false,
    headers: () => [],
    // Off, the default name is still stripped: a key sent there anyway never reaches the upstream.
    queryParams: (settings) => [settings.queryParam ?? 'api_key'],
  },
];

/** The transports of one config, compiled: what authentication, the proxy and the logger use. */
export interface CredentialTransports {
  /** Extracts at most one API key; two different ones are ambiguous, never guessed between. */
  extract(source: CredentialSource): ExtractedCredential;
  /** Whether an API key travels outside Authorization (so beside a bearer JWT it is ambiguous). */
  keyBesideAuthorization(source: CredentialSource): boolean;
  /** Removes an enabled query transport's key from a parsed query, before handlers see it. */
  removeFromQuery(query: unknown): void;
  /** Request headers never forwarded upstream (lower case). */
  readonly strippedHeaders: ReadonlySet<string>;
  /** Query parameters never forwarded upstream (the query transport's, even when it is off). */
  readonly strippedQueryParams: ReadonlySet<string>;
  /** Header names censored in logs (lower case). */
  readonly redactedHeaders: readonly string[];
  /** The URL as it may be logged: values of key-carrying parameters replaced. */
  redactUrl(url: string): string;
}

/** Compiles the transport table for the config's `auth.apiKeys` settings. */
export function compileCredentialTransports(settings: ApiKeySettings): CredentialTransports {
  const enabled = TRANSPORTS.filter((t) => t.enabled(settings));
  const besideAuthorization = enabled.filter((t) => !t.inAuthorization);
  const strippedHeaders = new Set([
    ...CALLER_CREDENTIAL_HEADERS,
    ...TRANSPORTS.flatMap((t) => t.headers(settings)),
  ]);
  const strippedQueryParams = new Set(TRANSPORTS.flatMap((t) => t.queryParams(settings)));
  const readQueryParams = enabled.flatMap((t) => t.queryParams(settings));
  const redactedParams = new Set([...KEY_LIKE_PARAMS, ...strippedQueryParams].map((p) => p.toLowerCase()));
  const redactedHeaders = [...new Set([...strippedHeaders, 'set-cookie'])];

  return {
    extract(source) {
      const auth = parseAuthorization(source);
      let found: { key: string; transport: Transport } | undefined;
      for (const row of enabled) {
        const reading = row.read(source, settings, auth);
        if (reading === undefined) continue;
        if (reading === 'ambiguous' || reading === 'malformed') return { ok: false, reason: reading };
        if (found === undefined) found = { key: reading, transport: row.transport };
        else if (found.key !== reading) return { ok: false, reason: 'ambiguous' };
      }
      if (found === undefined) return { ok: false, reason: 'missing' };
      if (found.key === '' || found.key.length > MAX_KEY_LENGTH) return { ok: false, reason: 'malformed' };
      return { ok: true, ...found };
    },
    keyBesideAuthorization(source) {
      return besideAuthorization.some((row) => row.read(source, settings, undefined) !== undefined);
    },
    removeFromQuery(query) {
      if (query === null || typeof query !== 'object') return;
      for (const name of readQueryParams) delete (query as Record<string, unknown>)[name];
    },
    strippedHeaders,
    strippedQueryParams,
    redactedHeaders,
    redactUrl: (url) => redactQuery(url, redactedParams),
  };
}

/** Replaces the values of `names` (compared in lower case) in a URL's query string. */
function redactQuery(url: string, names: ReadonlySet<string>): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  let changed = false;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq === -1 ? part : part.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' ')).toLowerCase();
      } catch {
        name = rawName.toLowerCase();
      }
      if (!names.has(name) || eq === -1) return part;
      changed = true;
      return `${rawName}=[redacted]`;
    });
  return changed ? `${url.slice(0, q)}?${parts.join('&')}` : url;
}
