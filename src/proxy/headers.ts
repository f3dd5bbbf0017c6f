/**
 * Header hygiene in both directions. Requests: the caller's credentials (every header the
 * credential transport table names, see auth/credentials.ts), hop-by-hop headers, headers named
 * in `Connection`, spoofable forwarding headers and Host never reach the upstream; injected
 * headers are added afterwards, so nothing the caller sends can remove them.
 * Responses: hop-by-hop headers and (unless allowed) Set-Cookie never reach the caller.
 */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The caller's claims about itself and its connection: Keyward sets its own X-Forwarded-*.
 * Every other spelling of "the client's address" that CDNs and frameworks read (True-Client-IP,
 * CF-Connecting-IP...) is dropped, so an upstream trusting one cannot be told a forged address;
 * so are the path and method overrides some frameworks honour, which would route around the
 * route's own path and methods.
 */
const CALLER_ONLY = new Set([
  'host',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-forwarded-prefix',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'fastly-client-ip',
  'akamai-client-ip',
  'x-cluster-client-ip',
  'x-original-forwarded-for',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-host',
  'x-original-host',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'content-length',
  'expect',
]);

/**
 * Request headers never forwarded: hop-by-hop, forwarding claims and `credentialHeaders` (the
 * transports' headers). Built once per app, so the hot path checks one set.
 */
export function notForwarded(credentialHeaders: Iterable<string>): ReadonlySet<string> {
  return new Set([...HOP_BY_HOP, ...CALLER_ONLY, ...credentialHeaders]);
}
/** Never relayed to the caller: hop-by-hop, and the upstream's request id (Keyward's own wins). */
const NOT_RELAYED = new Set([...HOP_BY_HOP, 'x-request-id']);

/**
 * Extra header names a Connection header lists, or null when it lists none beyond the
 * hop-by-hop ones (the usual `keep-alive` or `close`), so the common case allocates nothing.
 */
function connectionListed(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined || value === 'keep-alive' || value === 'close') return null;
  const listed = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name && !HOP_BY_HOP.has(name)) listed.add(name);
  }
  return listed.size > 0 ? listed : null;
}

export interface ForwardingInfo {
  /** The address of the immediate peer (the client, or the proxy in front of us). */
  peerIp: string;
  /** X-Forwarded-For from a trusted proxy, to extend; undefined when the peer is not trusted. */
  trustedChain: string | undefined;
  proto: string;
  host: string | undefined;
  requestId: string;
}

/** The headers to send upstream, before injection. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  dropped: ReadonlySet<string>,
  forwarding: ForwardingInfo,
): Record<string, string | string[]> {
  const listed = connectionListed(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || dropped.has(name) || name === '__proto__' || listed?.has(name)) continue;
    out[name] = value;
  }
  if (incoming['content-length'] !== undefined && incoming['transfer-encoding'] === undefined) {
    out['content-length'] = incoming['content-length'];
  }
  out['x-forwarded-for'] = forwarding.trustedChain
    ? `${forwarding.trustedChain}, ${forwarding.peerIp}`
    : forwarding.peerIp;
  out['x-forwarded-proto'] = forwarding.proto;
  if (forwarding.host) out['x-forwarded-host'] = forwarding.host;
  out['x-request-id'] = forwarding.requestId;
  return out;
}

/**
 * The upstream's response headers the caller may see, added to `into` (names as undici gives
 * them: lower case).
 */
export function callerResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  allowSetCookie: boolean,
  into: Record<string, string | string[]> = {},
): Record<string, string | string[]> {
  const listed = connectionListed(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (
      value === undefined ||
      NOT_RELAYED.has(name) ||
      name === '__proto__' ||
      (name === 'set-cookie' && !allowSetCookie) ||
      listed?.has(name)
    )
      continue;
    into[name] = value;
  }
  return into;
}
