import { describe, expect, test } from 'vitest';
import { extractApiKey } from '../../src/auth/credentials.js';
import type { ApiKeySettings } from '../../src/config/compile.js';

const all: ApiKeySettings = {
  prefix: 'kw',
  header: 'x-api-key',
  bearer: true,
  raw: true,
  basic: true,
  queryParam: 'api_key',
};
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('extractApiKey', () => {
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
    expect(extractApiKey({ headers, query }, all)).toEqual({ ok: true, key: 'K1', transport });
  });

  test.each([
    ['nothing', {}, {}, 'missing'],
    ['two different keys', { 'x-api-key': 'K1', authorization: 'Bearer K2' }, {}, 'ambiguous'],
    ['header and a different query key', { 'x-api-key': 'K1' }, { api_key: 'K2' }, 'ambiguous'],
    ['repeated query parameter', {}, { api_key: ['K1', 'K2'] }, 'ambiguous'],
    ['repeated header', { 'x-api-key': ['K1', 'K1'] }, {}, 'ambiguous'],
    [
      'Basic without a colon',
      { authorization: `Basic ${Buffer.from('K1').toString('base64')}` },
      {},
      'malformed',
    ],
    ['empty key header', { 'x-api-key': '' }, {}, 'malformed'],
    ['oversized key', { 'x-api-key': 'k'.repeat(600) }, {}, 'malformed'],
  ])('%s → %s', (_name, headers, query, reason) => {
    expect(extractApiKey({ headers, query }, all)).toEqual({ ok: false, reason });
  });

  test('disabled transports are ignored', () => {
    const none: ApiKeySettings = { ...all, bearer: false, raw: false, basic: false, queryParam: null };
    expect(extractApiKey({ headers: { authorization: 'Bearer K1' }, query: {} }, none)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(extractApiKey({ headers: { authorization: 'K1' }, query: {} }, none)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(extractApiKey({ headers: {}, query: { api_key: 'K1' } }, none)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  test('a custom header name is honoured', () => {
    const custom = { ...all, header: 'x-token' };
    expect(extractApiKey({ headers: { 'x-token': 'K1' }, query: {} }, custom)).toMatchObject({
      ok: true,
      key: 'K1',
    });
  });
});
