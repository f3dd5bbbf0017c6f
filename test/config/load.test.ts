import { describe, expect, test } from 'vitest';
import { compileConfig } from '../../src/config/compile.js';
import { pendingFeatureNotes } from '../../src/config/features.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import { parseDuration, parseSize } from '../../src/config/units.js';

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, 'test.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  throw new Error('expected the config to be rejected');
}

const SPEC_EXAMPLE = `
server: { host: 0.0.0.0, port: 8080, trustProxy: false, bodyLimit: 1mb, requestTimeout: 30s }
storage: { url: "sqlite:./data/keyward.db" }
redis: { url: "\${REDIS_URL:-}" }
secrets: { masterKey: "\${KEYWARD_MASTER_KEY}" }
auth:
  apiKeys: { prefix: kw, header: x-api-key, bearer: true, basic: true, queryParam: false }
  jwt:
    local: { issuer: keyward, algorithm: EdDSA, accessTtl: 15m, refreshTtl: 30d }
    providers:
      - name: auth0
        issuer: https://example.eu.auth0.com/
        audience: https://api.example.com
        jwksUri: https://example.eu.auth0.com/.well-known/jwks.json
        rolesClaim: permissions
cors: { origins: [https://app.example.com], credentials: false, maxAge: 10m }
plans:
  free: { limits: [{ requests: 5, per: day }] }
  pro:  { limits: [{ requests: 20, per: second }, { requests: 100000, per: month }] }
routes:
  - name: weather
    path: /weather/*
    methods: [GET]
    auth: [apiKey, jwt]
    roles: [reader]
    rateLimit: [{ requests: 60, per: minute, by: key }]
    cors: { origins: ["http://localhost:5173"] }
    upstream:
      url: https://api.example-weather.com/v2
      timeout: 10s
      inject: { query: { appid: "\${secret:weather}" } }
      budget: { requests: 1000, per: day }
      cache: { ttl: 60s }
services:
  time:   { path: /v1/time,   auth: [apiKey] }
  primes: { path: /v1/primes, auth: [apiKey], maxBits: 4096, rateLimit: [{ requests: 5, per: day, by: key }] }
  places: { path: /v1/places, auth: [jwt], roles: { write: [editor] }, map: /map }
admin: { path: /admin/v1, roles: [admin] }
`;

describe('config loading', () => {
  test('accepts the full SPEC §2 example and fills defaults', () => {
    const loaded = parseConfig(SPEC_EXAMPLE, 'spec.yaml', { KEYWARD_MASTER_KEY: 'abc' });
    expect(loaded.config.secrets.masterKey).toBe('abc');
    expect(loaded.config.redis.url).toBe('');
    expect(loaded.config.routes[0]?.upstream.retries).toBe(0);
    expect(loaded.secretRefs).toEqual([{ path: 'routes[0].upstream.inject.query.appid', name: 'weather' }]);
    const compiled = compileConfig(loaded);
    expect(compiled.server.bodyLimit).toBe(1024 * 1024);
    expect(compiled.server.requestTimeoutMs).toBe(30_000);
    expect(compiled.apiKeys).toMatchObject({ prefix: 'kw', header: 'x-api-key', queryParam: null });
  });

  test('an empty file is the defaults', () => {
    const compiled = compileConfig(parseConfig('', 'empty.yaml', {}));
    expect(compiled.server.port).toBe(8080);
    expect(compiled.storageUrl).toBe('sqlite:./data/keyward.db');
    expect(compiled.admin).toEqual({ path: '/admin/v1', roles: ['admin'] });
  });

  test('substitutes ${NAME} and ${NAME:-default}, typed when the whole value is a placeholder', () => {
    const yaml =
      'server:\n  port: ${PORT:-9000}\n  host: "h-${HOSTPART}"\nauth:\n  apiKeys:\n    basic: ${BASIC}\n';
    const loaded = parseConfig(yaml, 'env.yaml', { HOSTPART: 'one', BASIC: 'false' });
    expect(loaded.config.server.port).toBe(9000);
    expect(loaded.config.server.host).toBe('h-one');
    expect(loaded.config.auth.apiKeys.basic).toBe(false);
    expect(
      parseConfig(yaml, 'env.yaml', { HOSTPART: 'x', BASIC: 'true', PORT: '1234' }).config.server.port,
    ).toBe(1234);
  });

  test.each([
    ['unknown top-level key', 'bogus: 1\n', 'bogus: unknown key (line 1)'],
    ['unknown nested key', 'server:\n  port: 80\n  colour: red\n', 'server.colour: unknown key (line 3)'],
    [
      'bad duration',
      'routes:\n  - name: w\n    path: /w/*\n    auth: [apiKey]\n    upstream: { url: "https://x.example", timeout: banana }\n',
      'routes[0].upstream.timeout: expected a duration like 10s, got "banana" (line 5)',
    ],
    [
      'bad size',
      'server: { bodyLimit: huge }\n',
      'server.bodyLimit: expected a size like 1mb, got "huge" (line 1)',
    ],
    [
      'bad period',
      'plans:\n  free: { limits: [{ requests: 5, per: fortnight }] }\n',
      'plans.free.limits[0].per: expected one of second, minute, hour, day, month, got "fortnight" (line 2)',
    ],
    [
      'bad auth scheme',
      'services:\n  time: { path: /v1/time, auth: [magic] }\n',
      'services.time.auth[0]: expected one of apiKey, jwt, none, got "magic" (line 2)',
    ],
    [
      'missing required field',
      'routes:\n  - name: w\n    auth: [apiKey]\n    upstream: { url: "https://x.example" }\n',
      'routes[0].path: is required (line 2)',
    ],
    [
      'port out of range',
      'server: { port: 70000 }\n',
      'server.port: expected a port 0-65535, got 70000 (line 1)',
    ],
    [
      'wildcard origin',
      'cors: { origins: ["*"] }\n',
      'cors.origins[0]: expected an exact origin like https://app.example.com (scheme and host, no path, no *), got "*" (line 1)',
    ],
    [
      'trustProxy true',
      'server: { trustProxy: true }\n',
      'server.trustProxy: expected false or a list of CIDR ranges of trusted proxies, got true (line 1)',
    ],
    [
      'storage url',
      'storage: { url: "mysql://x" }\n',
      'storage.url: expected sqlite:PATH or postgres://user:pass@host/db, got "mysql://x" (line 1)',
    ],
    [
      'unset env var',
      'secrets: { masterKey: "${NOPE}" }\n',
      'secrets.masterKey: environment variable NOPE is not set (line 1)',
    ],
    [
      'bad placeholder',
      'server: { host: "${1BAD}" }\n',
      'server.host: invalid placeholder ${1BAD}; use ${NAME} or ${NAME:-default} (line 1)',
    ],
    [
      'YAML syntax error',
      'server: [1,\n',
      '(yaml): Flow sequence in block collection must be sufficiently indented and end with a ] (line 2)',
    ],
    ['duplicate key', 'server: {}\nserver: {}\n', '(yaml): Map keys must be unique (line 2)'],
    ['not a mapping', '- 1\n- 2\n', '(root): expected a mapping of sections like server:, routes:'],
  ])('%s is reported with its path', (_name, yaml, expected) => {
    expect(problemsOf(yaml)).toContain(expected);
  });

  test.each([
    [
      'duplicate route names',
      'routes:\n  - { name: a, path: /a/*, auth: [none], upstream: { url: "http://x" } }\n  - { name: a, path: /b/*, auth: [none], upstream: { url: "http://x" } }\n',
      'routes[1].name: "a" is already the name of routes[0] (line 3)',
    ],
    [
      'overlapping route paths',
      'routes:\n  - { name: a, path: /api/*, auth: [none], upstream: { url: "http://x" } }\n  - { name: b, path: /api/v2/*, auth: [none], upstream: { url: "http://x" } }\n',
      'routes[1].path: overlaps routes[0].path (/api) (line 3)',
    ],
    [
      'a route over the admin API',
      'routes:\n  - { name: a, path: /admin/*, auth: [none], upstream: { url: "http://x" } }\n',
      'routes[0].path: overlaps admin.path (/admin/v1) (line 2)',
    ],
    [
      'a route over a reserved endpoint',
      'routes:\n  - { name: a, path: /healthz, auth: [none], upstream: { url: "http://x" } }\n',
      "routes[0].path: overlaps Keyward's own /healthz (line 2)",
    ],
    [
      'roles on a route nobody authenticates to',
      'routes:\n  - { name: a, path: /a/*, auth: [none], roles: [x], upstream: { url: "http://x" } }\n',
      'routes[0].roles: a route with auth [none] has no caller whose roles could be checked (line 2)',
    ],
    [
      'two services on one path',
      'services:\n  time: { path: /v1/x, auth: [apiKey] }\n  primes: { path: /v1/x, auth: [apiKey] }\n',
      'services.primes.path: overlaps services.time.path (/v1/x) (line 3)',
    ],
    [
      'a service over a reserved endpoint',
      'services:\n  time: { path: /metrics, auth: [apiKey] }\n',
      "services.time.path: overlaps Keyward's own /metrics (line 2)",
    ],
    [
      'jwt without a master key',
      'services:\n  time: { path: /v1/time, auth: [jwt] }\n',
      'services.time.auth: accepts jwt, which needs secrets.masterKey (KEYWARD_MASTER_KEY) to seal the JWT signing keys; run `keyward init` or set it (line 2)',
    ],
  ])('%s is reported', (_name, yaml, expected) => {
    expect(problemsOf(yaml)).toContain(expected);
  });

  test('reports every problem at once, not just the first', () => {
    const problems = problemsOf('server: { port: -1, bodyLimit: x }\nbogus: 1\n');
    expect(problems).toHaveLength(3);
  });

  test('pending features are named, implemented ones are not', () => {
    const notes = pendingFeatureNotes(
      compileConfig(parseConfig(SPEC_EXAMPLE, 'spec.yaml', { KEYWARD_MASTER_KEY: 'abc' })),
    );
    const redis = pendingFeatureNotes(
      compileConfig(parseConfig('redis: { url: "redis://127.0.0.1:6379" }\n', 'spec.yaml', {})),
    );
    // Redis is enforced now (shared limits, throttles and change bus), so it is not a pending note.
    expect(redis).toEqual([]);
    expect(notes.join('\n')).not.toMatch(/plans|rateLimit|routes|cors/);
    expect(
      pendingFeatureNotes(compileConfig(parseConfig('auth: { apiKeys: { prefix: ab } }\n', 'x', {}))),
    ).toEqual([]);
  });
});

describe('units', () => {
  test.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
  ])('duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
  test.each(['', '10', 's', '1.5s', '-1s', '10 s', '10S', '1w'])('not a duration: %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
  test.each([
    ['1mb', 1_048_576],
    ['512kb', 524_288],
    ['100b', 100],
    ['1GB', 1_073_741_824],
  ])('size %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  test.each(['', '1', 'mb', '1.5mb', '1tb'])('not a size: %j', (text) =>
    expect(parseSize(text)).toBeUndefined(),
  );
});
