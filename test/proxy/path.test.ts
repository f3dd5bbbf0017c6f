import { describe, expect, test } from 'vitest';
import { confinePath } from '../../src/proxy/path.js';

describe('confinePath', () => {
  test.each([
    ['/v2', '', '/v2'],
    ['/v2', '/', '/v2/'],
    ['/v2', '/weather', '/v2/weather'],
    ['/v2', '/a/b/c', '/v2/a/b/c'],
    ['/v2', '/a/b/', '/v2/a/b/'],
    ['/v2', '/caf%C3%A9', '/v2/caf%C3%A9'],
    ['/v2', '/a%20b', '/v2/a%20b'],
    ['/v2', '//evil.example/x', '/v2/evil.example/x'],
    ['/v2', '/a//b', '/v2/a/b'],
    ['', '/x', '/x'],
    ['', '', '/'],
    ['/v2', '/...', '/v2/...'],
    ['/v2', '/a..b', '/v2/a..b'],
  ])('base %j + tail %j → %j', (base, tail, expected) => {
    expect(confinePath(base, tail)).toEqual({ ok: true, path: expected });
  });

  test.each([
    '/..',
    '/../admin',
    '/a/../../etc/passwd',
    '/.',
    '/./x',
    '/%2e%2e/admin',
    '/%2E%2E/admin',
    '/.%2e/admin',
    '/%2e./admin',
    '/%2e',
    '/a%2fb',
    '/a%2F..%2Fb',
    '/..%2f',
    '/%252e%252e/admin',
    '/%25%32%65',
    '/a\\..\\b',
    '/a%5c..%5cb',
    '/a%00b',
    '/a%0d%0aHost:%20evil',
    '/a%',
    '/a%zz',
    '/a%1',
  ])('escape attempt %j is refused', (tail) => {
    const result = confinePath('/v2', tail);
    expect(result.ok).toBe(false);
  });
});
