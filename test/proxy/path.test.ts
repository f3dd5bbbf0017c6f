import fc from 'fast-check';
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
    ['/v2', '/items;v=2/x', '/v2/items;v=2/x'],
    ['/v2', '/a;..', '/v2/a;..'],
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
    // Servlet containers drop `;params` before resolving dot segments.
    '/..;/x',
    '/a/..;/..;/x',
    '/%2e%2e;/x',
    '/.;/x',
    '/..;jsessionid=1/x',
    '/..%3b/x',
  ])('escape attempt %j is refused', (tail) => {
    const result = confinePath('/v2', tail);
    expect(result.ok).toBe(false);
  });

  test('any accepted tail stays under the base: no dot segment, no empty segment, nothing undecoded', () => {
    const piece = fc.constantFrom(
      '/',
      '.',
      '..',
      '%2e',
      '%2f',
      '%25',
      '%41',
      '\\',
      'a',
      'B9',
      '-_~',
      '@:',
      '%',
      ';',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const tail = `/${pieces.join('')}`;
        const result = confinePath('/v2', tail);
        if (!result.ok) return;
        expect(result.path === '/v2' || result.path.startsWith('/v2/')).toBe(true);
        const segments = result.path.slice(1).split('/');
        const inner = result.path.endsWith('/') ? segments.slice(0, -1) : segments;
        for (const segment of inner) {
          expect(segment).not.toBe('');
          // What the upstream sees after decoding once, byte by byte.
          const decoded = segment.replace(/%([0-9a-f]{2})/gi, (_, hex) =>
            String.fromCharCode(Number.parseInt(hex, 16)),
          );
          expect(decoded).not.toMatch(/^\.{1,2}$/);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not pass
          expect(decoded).not.toMatch(/[\\/%\u0000-\u001f]/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('any accepted tail stays under the base as a servlet upstream reads it (;params dropped, decoded, \\ as /)', () => {
    const piece = fc.constantFrom(
      '/',
      '.',
      '..',
      ';',
      ';x=1',
      '%2e',
      '%2E',
      '%3b',
      '%2f',
      '%5c',
      '\\',
      'a',
      '%41',
      'b;c',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const result = confinePath('/v2', `/${pieces.join('')}`);
        if (!result.ok) return;
        expect(servletPath(result.path)).toMatch(/^\/v2(\/|$)/);
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * The path a permissive servlet container resolves: `;params` dropped from each segment (before
 * and after decoding, as Tomcat and Jetty differ), percent-decoded once, backslash as a
 * separator, then dot segments resolved.
 */
function servletPath(path: string): string {
  const dropParams = (segment: string) => segment.split(';', 1)[0] as string;
  const decoded = path
    .split('/')
    .map(dropParams)
    .join('/')
    .replace(/%([0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\/g, '/');
  const out: string[] = [];
  for (const segment of decoded.split('/').map(dropParams)) {
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  return `/${out.join('/')}`;
}
