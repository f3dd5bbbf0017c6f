import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { compileCredentialTransports } from '../../src/auth/credentials.js';
import type { ApiKeySettings } from '../../src/config/compile.js';
import { notForwarded, upstreamRequestHeaders } from '../../src/proxy/headers.js';
import { createLogger } from '../../src/telemetry/logger.js';

const all: ApiKeySettings = {
  prefix: 'kw',
  header: 'x-api-key',
  bearer: true,
  raw: true,
  basic: true,
  queryParam: 'api_key',
};
const none: ApiKeySettings = { ...all, bearer: false, raw: false, basic: false, queryParam: null };
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const extract = (settings: ApiKeySettings, headers: Record<string, string | string[]>, query: object = {}) =>
  compileCredentialTransports(settings).extract({ headers, query });

describe('extraction', () => {
  test.each([
    ['X-Api-Key header', { 'x-api-key': 'K1' }, {}, 'header'],
    ['Bearer', { authorization: 'Bearer K1' }, {}, 'bearer'],
    ['bearer scheme is case-insensitive', { authorization: 'bearer K1' }, {}, 'bearer'],
    ['raw Authorization (requests-style)', { authorization: 'K1' }, {}, 'raw'],
    ['Basic with key as password', { authorization: basic('anything', 'K1') }, {}, 'basic'],
    ['Basic with empty user', { authorization: basic('', 'K1') }, {}, 'basic'],
    ['query parameter when enabled', {}, { api_key: 'K1' }, 'query'],
    ['same key twice is fine', { 'x-api-key': 'K1', authorization: 'Bearer K1' }, {}, 'header'],
  ])('%s', (_name, headers, query, transport) => {
    expect(extract(all, headers, query)).toEqual({ ok: true, key: 'K1', transport });
  });

  test.each([
    ['nothing', {}, {}, 'missing'],
    ['two different keys', { 'x-api-key': 'K1', authorization: 'Bearer K2' }, {}, 'ambiguous'],
    ['header and a different query key', { 'x-api-key': 'K1' }, { api_key: 'K2' }, 'ambiguous'],
    ['repeated query parameter', {}, { api_key: ['K1', 'K2'] }, 'ambiguous'],
    ['repeated header', { 'x-api-key': ['K1', 'K1'] }, {}, 'ambiguous'],
    ['repeated Authorization', { authorization: ['Bearer K1', 'Bearer K1'] }, {}, 'ambiguous'],
    [
      'Basic without a colon',
      { authorization: `Basic ${Buffer.from('K1').toString('base64')}` },
      {},
      'malformed',
    ],
    ['empty key header', { 'x-api-key': '' }, {}, 'malformed'],
    ['oversized key', { 'x-api-key': 'k'.repeat(600) }, {}, 'malformed'],
  ])('%s → %s', (_name, headers, query, reason) => {
    expect(extract(all, headers, query)).toEqual({ ok: false, reason });
  });

  test('a custom header name is honoured', () => {
    expect(extract({ ...all, header: 'x-token' }, { 'x-token': 'K1' })).toMatchObject({
      ok: true,
      key: 'K1',
    });
  });

  test('a key beside Authorization is noticed only in the transports that are on', () => {
    const on = compileCredentialTransports(all);
    const off = compileCredentialTransports(none);
    expect(on.keyBesideAuthorization({ headers: {}, query: { api_key: 'K' } })).toBe(true);
    expect(off.keyBesideAuthorization({ headers: {}, query: { api_key: 'K' } })).toBe(false);
    expect(off.keyBesideAuthorization({ headers: { 'x-api-key': 'K' }, query: {} })).toBe(true);
    expect(on.keyBesideAuthorization({ headers: { authorization: 'Bearer K' }, query: {} })).toBe(false);
  });
});

/** Every log line a logger with these transports' redaction writes for one request. */
function loggedLine(settings: ApiKeySettings, url: string, headers: Record<string, string>): string {
  const transports = compileCredentialTransports(settings);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _e, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'info', redactedHeaders: transports.redactedHeaders, destination });
  logger.info({ url: transports.redactUrl(url), req: { headers } }, 'request');
  return lines.join('');
}

const forwarding = {
  peerIp: '10.0.0.7',
  trustedChain: undefined,
  proto: 'https',
  host: 'gw',
  requestId: 'r',
};
const KEY = 'kw_SECRETKEYVALUE123';

/**
 * Each transport, on and off, three ways: is the key extracted, is it kept from the upstream,
 * is it kept from the log line. Off means never read, but still stripped and redacted (except a
 * custom query name, which is then the caller's own parameter like any other).
 */
describe.each([
  // name, settings, headers, query, read when on, read when off
  ['key header', {}, { 'x-api-key': KEY }, '', true, true],
  ['custom key header', { header: 'x-token' }, { 'x-token': KEY }, '', true, true],
  ['default key header beside a custom one', { header: 'x-token' }, { 'x-api-key': KEY }, '', false, false],
  ['bearer', {}, { authorization: `Bearer ${KEY}` }, '', true, false],
  ['raw Authorization', {}, { authorization: KEY }, '', true, false],
  ['basic', {}, { authorization: basic('user', KEY) }, '', true, false],
  ['query parameter', {}, {}, `api_key=${KEY}`, true, false],
  ['custom query parameter', { queryParam: 'token' }, {}, `token=${KEY}`, true, false],
] as const)('%s', (_name, overrides, headers, query, readOn, readOff) => {
  const url = `/weather/today?city=x${query ? `&${query}` : ''}`;
  const queryObject = Object.fromEntries(new URLSearchParams(query));

  test.each([
    ['on', { ...all, ...overrides }, readOn],
    ['off', { ...none, ...overrides, queryParam: null }, readOff],
  ] as const)('switched %s', (state, settings, read) => {
    const transports = compileCredentialTransports(settings);
    const result = transports.extract({ headers, query: queryObject });
    if (read) expect(result).toMatchObject({ ok: true, key: KEY });
    else expect(result).toEqual({ ok: false, reason: 'missing' });

    const upstream = upstreamRequestHeaders(
      { ...headers, accept: '*/*' },
      notForwarded(transports.strippedHeaders),
      forwarding,
    );
    expect(JSON.stringify(upstream)).not.toContain(KEY);
    for (const name of Object.keys(queryObject)) {
      const callersOwn = state === 'off' && name !== 'api_key';
      expect(transports.strippedQueryParams.has(name)).toBe(!callersOwn);
    }

    const line = loggedLine(settings, url, { ...headers });
    expect(line).not.toContain(KEY);
    expect(line).toContain('city=x');
  });
});

describe('URLs in logs', () => {
  test.each([
    ['/v1/time?api_key=K9', '/v1/time?api_key=[redacted]'],
    ['/v1/time?apiKey=K9&x=1', '/v1/time?apiKey=[redacted]&x=1'],
    ['/v1/time?KEY=K9', '/v1/time?KEY=[redacted]'],
    ['/v1/time?access_token=K9', '/v1/time?access_token=[redacted]'],
    ['/v1/time?api%5Fkey=K9', '/v1/time?api%5Fkey=[redacted]'],
    ['/v1/time?city=K9', '/v1/time?city=K9'],
    ['/v1/time', '/v1/time'],
  ])('%s is logged as %s, whatever the query transport', (url, logged) => {
    expect(compileCredentialTransports(none).redactUrl(url)).toBe(logged);
    expect(compileCredentialTransports(all).redactUrl(url)).toBe(logged);
  });

  test('a configured parameter name is redacted too', () => {
    expect(compileCredentialTransports({ ...all, queryParam: 'sig' }).redactUrl('/a?sig=K9')).toBe(
      '/a?sig=[redacted]',
    );
  });
});
