/**
 * Header hygiene in both directions. Requests: the caller's credentials, hop-by-hop headers,
 * headers named in `Connection`, spoofable forwarding headers and Host never reach the upstream;
 * injected headers are added afterwards, so nothing the caller sends can remove them.
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

const CALLER_ONLY = new Set([
  'host',
  'authorization',
  'cookie',
  'x-api-key',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
  'content-length',
  'expect',
]);

function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const listed = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
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
  apiKeyHeader: string,
  forwarding: ForwardingInfo,
): Record<string, string | string[]> {
  const listed = connectionListed(incoming);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      CALLER_ONLY.has(name) ||
      listed.has(name) ||
      name === apiKeyHeader
    )
      continue;
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

/** The upstream's response headers the caller may see. */
export function callerResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  allowSetCookie: boolean,
): Record<string, string | string[]> {
  const listed = new Set<string>();
  const connection = upstream.connection;
  for (const part of (Array.isArray(connection) ? connection.join(',') : (connection ?? '')).split(',')) {
    if (part.trim()) listed.add(part.trim().toLowerCase());
  }
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    if (lower === 'set-cookie' && !allowSetCookie) continue;
    // Keyward's own request id wins; the upstream's is kept under its own name.
    if (lower === 'x-request-id') continue;
    out[lower] = value;
  }
  return out;
}
