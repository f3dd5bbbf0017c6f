import { describe, expect, test } from 'vitest';
import { callerResponseHeaders, notForwarded, upstreamRequestHeaders } from '../../src/proxy/headers.js';

const dropped = notForwarded(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

const forwarding = {
  peerIp: '10.0.0.7',
  trustedChain: undefined,
  proto: 'https',
  host: 'gw.example',
  requestId: 'req-1',
};

/**
 * Headers as parsers build them: a `__proto__` header is an own property, not the prototype.
 * Repeated, its value is an array, which an assignment would install as the prototype.
 */
function withProtoHeader(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  Object.defineProperty(headers, '__proto__', {
    value: ['polluted', 'twice'],
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return headers;
}

describe('header hygiene', () => {
  test('towards the upstream: credentials, hop-by-hop and Connection-listed names are dropped', () => {
    const out = upstreamRequestHeaders(
      {
        'x-api-key': 'kw_secret',
        authorization: 'Bearer t',
        cookie: 'a=b',
        connection: 'keep-alive, x-private',
        'x-private': 'drop me',
        'keep-alive': 'timeout=5',
        accept: 'application/json',
        'x-forwarded-for': '6.6.6.6',
      },
      dropped,
      forwarding,
    );
    expect(out).toEqual({
      accept: 'application/json',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'gw.example',
      'x-request-id': 'req-1',
    });
  });

  test('towards the caller: hop-by-hop, Connection-listed, cookies and the upstream request id are dropped', () => {
    const upstream = {
      connection: 'close, x-internal',
      'x-internal': 'drop me',
      'transfer-encoding': 'chunked',
      'set-cookie': 'session=1',
      'x-request-id': 'upstream-id',
      'content-type': 'application/json',
    };
    expect(callerResponseHeaders(upstream, false)).toEqual({ 'content-type': 'application/json' });
    expect(callerResponseHeaders(upstream, true)).toEqual({
      'set-cookie': 'session=1',
      'content-type': 'application/json',
    });
    expect(callerResponseHeaders({ connection: 'keep-alive', etag: '"1"' }, false)).toEqual({ etag: '"1"' });
  });

  test('a header named __proto__ is never copied (it would replace the object prototype)', () => {
    const toCaller = callerResponseHeaders(withProtoHeader({ etag: '"1"' }), false);
    expect(Object.getPrototypeOf(toCaller)).toBe(Object.prototype);
    expect(Object.keys(toCaller)).toEqual(['etag']);
    const toUpstream = upstreamRequestHeaders(withProtoHeader({ accept: '*/*' }), dropped, forwarding);
    expect(Object.getPrototypeOf(toUpstream)).toBe(Object.prototype);
    expect(Object.hasOwn(toUpstream, '__proto__')).toBe(false);
  });
});
