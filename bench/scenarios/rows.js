// The throughput rows of `npm run bench` and the groups they are measured in. A group is a
// scenario with the baselines it is compared with: its servers are started before its rounds
// and stopped after, and its rounds alternate between its rows, so every ratio compares
// servers measured in the same minutes with nothing else of the bench running. A row measured
// in several groups (keyward-proxy is the baseline of most Keyward variants) gets its table
// line from the first group it ran in; later groups measure it again as the companion of the
// rows compared with it there.

/** The rows a target compares a row with besides its baseline (measured in the same group). */
const TARGET_COMPANIONS = {
  'keyward-proxy': ['express', 'node-floor'],
  'keyward-workers2': ['node-floor-workers2'],
};

/**
 * id, label, short name, role, server, path, credential, baseline (the row the table compares
 * it with), expected status. Credentials: `key` (the bench key), `jwt`, `tiny` (a key on the
 * 1-request-a-day plan), `unknown` (a different well-formed unknown key per request), none.
 */
const ROWS = [
  ['direct', 'direct upstream', 'direct', 'baseline', 'upstream', '/hello'],
  ['direct-1mb', 'direct upstream, 1 MiB', 'direct 1 MiB', 'baseline', 'upstream', '/1mb'],
  [
    'nginx-keycheck',
    'nginx key-check proxy',
    'nginx key-check',
    'baseline',
    'nginx-keycheck',
    '/api/hello',
    'key',
    'direct',
  ],
  [
    'nginx-keycheck-1mb',
    'nginx key-check proxy, 1 MiB',
    'nginx 1 MiB',
    'baseline',
    'nginx-keycheck',
    '/api/1mb',
    'key',
    'direct-1mb',
  ],
  [
    'express',
    'Express 5 + http-proxy-middleware + express-rate-limit',
    'Express',
    'baseline',
    'express',
    '/api/hello',
    'key',
    'direct',
  ],
  ['fastify-hello', 'bare Fastify hello world', 'Fastify hello', 'baseline', 'fastify-hello', '/'],
  [
    'fastify-undici',
    'minimal Fastify + undici proxy, hashed key (reference)',
    'minimal proxy',
    'reference',
    'fastify-undici',
    '/api/hello',
    'key',
    'nginx-keycheck',
  ],
  [
    'node-floor',
    'node floor: bare node:http + undici Pool, hashed key',
    'node floor',
    'baseline',
    'node-floor',
    '/api/hello',
    'key',
    'nginx-keycheck',
  ],
  [
    'node-floor-workers2',
    'node floor in 2 node:cluster workers (what a second worker gives on this machine)',
    'node floor ×2',
    'baseline',
    'node-floor-workers2',
    '/api/hello',
    'key',
    'node-floor',
  ],
  [
    'keyward-proxy',
    'Keyward proxy: API key + rate limit + usage (log.level warn)',
    'Keyward API key',
    'keyward',
    'keyward-proxy',
    '/api/hello',
    'key',
    'nginx-keycheck',
  ],
  [
    'keyward-jwt',
    'Keyward proxy: RS256 provider JWT + rate limit',
    'Keyward JWT',
    'keyward',
    'keyward-jwt',
    '/jwt/hello',
    'jwt',
    'keyward-proxy',
  ],
  [
    'keyward-info',
    'Keyward proxy, log.level info (an access line per request, to a file)',
    'Keyward info log',
    'keyward',
    'keyward-info',
    '/api/hello',
    'key',
    'keyward-proxy',
  ],
  [
    'keyward-401',
    'Keyward proxy route refusing unknown keys (401, a different key each time)',
    'Keyward 401',
    'keyward',
    'keyward-extra',
    '/api/hello',
    'unknown',
    'keyward-proxy',
    401,
  ],
  [
    'keyward-403',
    'Keyward proxy route refusing a key without the role (403)',
    'Keyward 403',
    'keyward',
    'keyward-extra',
    '/locked/hello',
    'key',
    'keyward-proxy',
    403,
  ],
  [
    'keyward-429',
    'Keyward proxy route refusing a key over its plan (429)',
    'Keyward 429',
    'keyward',
    'keyward-extra',
    '/api/hello',
    'tiny',
    'keyward-proxy',
    429,
  ],
  [
    'keyward-time',
    'Keyward /v1/time: API key + rate limit',
    'Keyward time',
    'keyward',
    'keyward-time',
    '/v1/time',
    'key',
    'fastify-hello',
  ],
  [
    'keyward-1mb',
    'Keyward proxy, 1 MiB response',
    'Keyward 1 MiB',
    'keyward',
    'keyward-1mb',
    '/api/1mb',
    'key',
    'nginx-keycheck-1mb',
  ],
  [
    'keyward-workers2',
    'Keyward proxy, --workers 2, limits shared through the primary',
    'Keyward 2 workers',
    'keyward',
    'keyward-workers2',
    '/api/hello',
    'key',
    'keyward-proxy',
  ],
  [
    'keyward-redis',
    'Keyward proxy, limits shared in Redis',
    'Keyward Redis',
    'keyward',
    'keyward-redis',
    '/api/hello',
    'key',
    'keyward-proxy',
  ],
].map(([id, label, short, role, server, path, credential = null, baseline, expect = 200]) => ({
  // the other rows a target compares this one with, besides its baseline
  targets: TARGET_COMPANIONS[id] ?? [],
  id,
  label,
  short,
  role,
  server,
  path,
  credential,
  baseline,
  expect,
}));

/** Every row, in table order. */
export const rows = ROWS;

/** Throughput groups, in the order they run; each lists its rows (baselines included). */
export const groups = [
  {
    name: 'proxy',
    rows: ['direct', 'nginx-keycheck', 'express', 'fastify-undici', 'node-floor', 'keyward-proxy'],
  },
  { name: '1 MiB', rows: ['direct-1mb', 'nginx-keycheck-1mb', 'keyward-1mb'] },
  { name: 'time', rows: ['fastify-hello', 'keyward-time'] },
  { name: 'rejections', rows: ['keyward-proxy', 'keyward-401', 'keyward-403', 'keyward-429'] },
  { name: 'access log', rows: ['keyward-proxy', 'keyward-info'] },
  { name: 'JWT', rows: ['keyward-proxy', 'keyward-jwt'] },
  { name: '--workers 2', rows: ['keyward-proxy', 'keyward-workers2', 'node-floor', 'node-floor-workers2'] },
  { name: 'Redis', rows: ['keyward-proxy', 'keyward-redis'] },
];

/** Ids --only accepts besides the rows: the runs that are not throughput groups. */
export const extraRuns = ['latency', 'primes-beside'];

/**
 * The groups to run: all, or with `only` (a set of ids) the groups holding a selected row not
 * already measured in an earlier group, each cut down to its selected rows and their baselines.
 */
export function selectGroups(only) {
  if (!only) return groups.map((g) => ({ ...g, rows: g.rows.map(row) }));
  const known = [...ROWS.map((r) => r.id), ...extraRuns];
  const unknown = [...only].filter((id) => !known.includes(id));
  if (unknown.length > 0)
    throw new Error(`--only: no row ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const selected = [];
  const seen = new Set();
  for (const g of groups) {
    const picked = g.rows.filter((id) => only.has(id));
    if (picked.every((id) => seen.has(id))) continue;
    for (const id of picked) seen.add(id);
    const keep = new Set(picked);
    for (const r of g.rows.map(row)) if (r.targets.some((id) => keep.has(id))) keep.add(r.id);
    // a Set visits what is added while it is walked: companions' baselines join too
    for (const id of keep)
      for (const other of [row(id).baseline, ...row(id).targets]) if (g.rows.includes(other)) keep.add(other);
    selected.push({ ...g, rows: g.rows.filter((id) => keep.has(id)).map(row) });
  }
  return selected;
}

function row(id) {
  return ROWS.find((r) => r.id === id);
}
