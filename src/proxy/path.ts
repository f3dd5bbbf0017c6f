/**
 * Path confinement: the forwarded path is the route's upstream base path plus the caller's
 * tail, and nothing in the tail may climb out of the base or name another host. Dot segments
 * (plain or percent-encoded), encoded slashes and backslashes, double encoding, NULs and
 * control characters are refused outright rather than "fixed", because each is a sign of a
 * traversal attempt and any normalization we picked could differ from the upstream's.
 * A segment is judged as Tomcat, Jetty and Spring read it too: they drop `;params` (matrix or
 * path parameters, `..;jsessionid=1`) before resolving dot segments, so `..;x` is a `..`.
 */

export type ConfinedPath = { ok: true; path: string } | { ok: false; reason: string };

// %2f %5c (encoded / and \), %25 (an encoded %, i.e. double encoding), %00 and other controls.
const FORBIDDEN_ESCAPE = /%(2f|5c|25|0[0-9a-f]|1[0-9a-f]|7f)/i;
/** A dot segment, also with `;params` (raw or as `%3b`) that servlet containers strip first. */
const DOT_SEGMENT = /^(\.|%2e){1,2}($|;|%3b)/i;
const PERCENT_WELL_FORMED = /%(?![0-9a-f]{2})/i;
// One or more non-empty segments of unreserved and sub-delimiter characters, none starting with
// a dot: no escapes, no dot segments, no `//` — the common case, which needs no rewriting.
const PLAIN_TAIL = /^(?:\/[A-Za-z0-9_~!$&'()*+,;=:@-][A-Za-z0-9._~!$&'()*+,;=:@-]*)+\/?$/;

/**
 * Joins `base` (the upstream URL's path, no trailing slash) and the raw, still-encoded tail
 * after the route prefix. The tail is forwarded in its encoded form, so the upstream decodes it
 * exactly once, as it would for a direct call.
 */
export function confinePath(base: string, rawTail: string): ConfinedPath {
  if (PLAIN_TAIL.test(rawTail)) return { ok: true, path: base + rawTail };
  if (rawTail.includes('\\')) return { ok: false, reason: 'backslash in path' };
  if (PERCENT_WELL_FORMED.test(rawTail)) return { ok: false, reason: 'malformed percent-encoding' };
  if (FORBIDDEN_ESCAPE.test(rawTail))
    return { ok: false, reason: 'encoded slash, backslash, percent or control character' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(rawTail)) return { ok: false, reason: 'control character in path' };
  const segments = rawTail.split('/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (DOT_SEGMENT.test(segment)) return { ok: false, reason: 'dot segment in path' };
    // Empty segments (from `//` anywhere, including leading) collapse: `//evil.example/x` stays a path.
    if (segment !== '') kept.push(segment);
  }
  const trailingSlash = rawTail.endsWith('/') && kept.length > 0;
  const tail = kept.join('/');
  const path = tail === '' ? base || '/' : `${base}/${tail}${trailingSlash ? '/' : ''}`;
  return { ok: true, path: rawTail === '/' && base !== '' ? `${base}/` : path };
}
