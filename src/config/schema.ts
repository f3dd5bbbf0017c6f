/**
 * The whole config file as one TypeBox schema: it gives the TypeScript types, the runtime
 * validation behind `keyward check`, and the defaults. Every object rejects unknown keys.
 * `errorMessage` is the wording `keyward check` prints for that node.
 */
import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

/** An object that rejects unknown keys, the rule for every config section. */
function Strict<T extends TProperties>(properties: T, options: { default?: unknown } = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

const Duration = (defaultValue?: string) =>
  Type.String({
    pattern: DURATION_PATTERN,
    errorMessage: 'expected a duration like 10s',
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });

const Size = (defaultValue?: string) =>
  Type.String({
    pattern: SIZE_PATTERN,
    errorMessage: 'expected a size like 1mb',
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });

const Name = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  errorMessage: 'expected a name of lowercase letters, digits, - and _',
});

const Role = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$',
  errorMessage: 'expected a role name (letters, digits, : . _ -)',
});
const Roles = Type.Array(Role, { maxItems: 64 });

const Origin = Type.String({
  pattern: '^https?://[^/\\s*]+$',
  errorMessage: 'expected an exact origin like https://app.example.com (scheme and host, no path, no *)',
});

const Cidr = Type.String({
  pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$',
  errorMessage: 'expected an IP address or CIDR range like 10.0.0.0/8',
});

const PublicPath = Type.String({
  pattern: "^/[A-Za-z0-9._~!$&'()+,;=:@/-]*(\\*)?$",
  errorMessage: 'expected a path starting with /, optionally ending in *',
});

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month'] as const;
const Period = Type.Union(
  PERIODS.map((p) => Type.Literal(p)),
  { errorMessage: `expected one of ${PERIODS.join(', ')}` },
);

export const LIMIT_SUBJECTS = ['key', 'user', 'ip', 'route'] as const;
const LimitPolicy = Strict({
  requests: Type.Integer({ minimum: 1, errorMessage: 'expected a whole number of requests ≥ 1' }),
  per: Period,
  by: Type.Optional(
    Type.Union(
      LIMIT_SUBJECTS.map((s) => Type.Literal(s)),
      { errorMessage: `expected one of ${LIMIT_SUBJECTS.join(', ')}` },
    ),
  ),
});
const RateLimit = Type.Array(LimitPolicy, { maxItems: 16 });

export const AUTH_SCHEMES = ['apiKey', 'jwt', 'none'] as const;
const AuthSchemes = Type.Array(
  Type.Union(
    AUTH_SCHEMES.map((s) => Type.Literal(s)),
    { errorMessage: `expected one of ${AUTH_SCHEMES.join(', ')}` },
  ),
  { minItems: 1, uniqueItems: true },
);

const HttpMethod = Type.Union(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => Type.Literal(m)),
  { errorMessage: 'expected an HTTP method like GET or POST' },
);

const Cors = Strict({
  origins: Type.Array(Origin, { default: [] }),
  credentials: Type.Boolean({ default: false }),
  maxAge: Duration('10m'),
  headers: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9-]+$' }))),
  exposeHeaders: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9-]+$' }))),
});

const Template = Type.String({ maxLength: 4096 });

const UpstreamUrl = Type.String({ pattern: '^https?://[^\\s]+$', errorMessage: 'expected an http(s) URL' });

/** One of several hosts serving the same API; `weight` is its share of requests. */
const Target = Strict({
  url: UpstreamUrl,
  weight: Type.Integer({ minimum: 1, maximum: 1000, default: 1, errorMessage: 'expected a weight 1-1000' }),
});

const Count = (defaultValue: number, max = 1000) =>
  Type.Integer({
    minimum: 1,
    maximum: max,
    default: defaultValue,
    errorMessage: `expected a whole number 1-${max}`,
  });

/** Passive (from live traffic) and active (polled) health of each target. */
const HealthCheck = Strict({
  passive: Type.Optional(Strict({ failures: Count(3), window: Duration('10s'), cooldown: Duration('30s') })),
  active: Type.Optional(
    Strict({
      path: Type.String({ pattern: '^/[^\\s]*$', errorMessage: 'expected a path starting with /' }),
      interval: Duration('10s'),
      timeout: Duration('2s'),
      healthyAfter: Count(1, 100),
      unhealthyAfter: Count(2, 100),
    }),
  ),
});

const CircuitBreaker = Strict({ failures: Count(5), openFor: Duration('30s') });

const WebSocketLimits = Strict({
  maxConnections: Count(10_000, 1_000_000),
  // No default: without it, a key may hold up to maxConnections.
  maxConnectionsPerKey: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1_000_000, errorMessage: 'expected a whole number 1-1000000' }),
  ),
  idleTimeout: Duration('10m'),
  maxMessageSize: Size('1mb'),
});

export const BALANCING = ['round-robin', 'least-pending'] as const;

const Upstream = Strict({
  url: Type.Optional(UpstreamUrl),
  targets: Type.Optional(Type.Array(Target, { minItems: 1, maxItems: 64 })),
  balancing: Type.Union(
    BALANCING.map((b) => Type.Literal(b)),
    { default: 'round-robin', errorMessage: `expected one of ${BALANCING.join(', ')}` },
  ),
  healthCheck: Type.Optional(HealthCheck),
  circuitBreaker: Type.Optional(CircuitBreaker),
  websocket: Type.Union([Type.Boolean(), WebSocketLimits], {
    default: false,
    errorMessage:
      'expected true, false or { maxConnections, maxConnectionsPerKey, idleTimeout, maxMessageSize }',
  }),
  streamIdleTimeout: Type.Optional(Duration()),
  timeout: Duration('30s'),
  connectTimeout: Duration('10s'),
  inject: Type.Optional(
    Strict({
      header: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Template)),
      query: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9._~-]+$' }), Template)),
    }),
  ),
  budget: Type.Optional(Strict({ requests: Type.Integer({ minimum: 1 }), per: Period })),
  cache: Type.Optional(Strict({ ttl: Duration(), perPrincipal: Type.Boolean({ default: false }) })),
  retries: Type.Integer({ minimum: 0, maximum: 5, default: 0 }),
  allowSetCookie: Type.Boolean({ default: false }),
  maxResponseSize: Type.Optional(Size()),
});

const Route = Strict({
  name: Name,
  path: PublicPath,
  methods: Type.Array(HttpMethod, { default: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] }),
  auth: AuthSchemes,
  roles: Type.Optional(Roles),
  rateLimit: Type.Optional(RateLimit),
  onLimiterFailure: Type.Union([Type.Literal('open'), Type.Literal('closed')], {
    default: 'open',
    errorMessage: 'expected open or closed',
  }),
  cors: Type.Optional(Cors),
  upstream: Upstream,
});

const ServiceBase = {
  enabled: Type.Boolean({ default: true }),
  path: PublicPath,
  auth: AuthSchemes,
  roles: Type.Optional(Roles),
  rateLimit: Type.Optional(RateLimit),
};

const ReadWriteRoles = Strict({ read: Type.Optional(Roles), write: Type.Optional(Roles) });

const Services = Strict({
  time: Type.Optional(Strict({ ...ServiceBase })),
  primes: Type.Optional(
    Strict({ ...ServiceBase, maxBits: Type.Integer({ minimum: 2, maximum: 65536, default: 4096 }) }),
  ),
  places: Type.Optional(
    Strict({
      ...ServiceBase,
      roles: Type.Optional(
        Type.Union([Roles, ReadWriteRoles], { errorMessage: 'expected a role list or { read, write }' }),
      ),
      map: Type.Optional(PublicPath),
      // The host ends up in the map page's CSP, so it must be a plain host (or `{s}.` subdomains).
      tileUrl: Type.Optional(
        Type.String({
          pattern: '^https?://(\\{s\\}\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?/[^\\s"\'<>]*$',
          errorMessage:
            'expected an http(s) tile URL template like https://tile.openstreetmap.org/{z}/{x}/{y}.png',
        }),
      ),
    }),
  ),
});

const Provider = Strict({
  name: Name,
  issuer: Type.String({ minLength: 1 }),
  audience: Type.Union([
    Type.String({ minLength: 1 }),
    Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  ]),
  jwksUri: Type.String({ pattern: '^https?://[^\\s]+$', errorMessage: 'expected an http(s) URL' }),
  rolesClaim: Type.String({ default: 'permissions' }),
  algorithms: Type.Array(Type.String({ pattern: '^(RS|PS|ES)(256|384|512)$|^EdDSA$' }), {
    default: ['RS256'],
    minItems: 1,
  }),
  clockSkew: Duration('30s'),
  // Auth0's default access-token lifetime; `exp: 1e300` would otherwise be a token that never expires.
  maxTokenLifetime: Duration('24h'),
});

/** The developer portal: who may sign in or sign up, and what their self-made keys get. */
const Portal = Strict(
  {
    enabled: Type.Boolean({ default: false }),
    registration: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('off')], {
      default: 'off',
      errorMessage: 'expected open, invite or off',
    }),
    roles: Type.Array(Role, { default: ['developer'], minItems: 1, maxItems: 16 }),
    plan: Type.Optional(Name),
    keyRoles: Type.Array(Role, { default: [], maxItems: 64 }),
    maxKeysPerUser: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 5,
      errorMessage: 'expected a whole number 1-100',
    }),
    keyExpiry: Type.Optional(Duration()),
  },
  { default: {} },
);

export const ConfigSchema = Strict({
  server: Strict(
    {
      host: Type.String({ default: '0.0.0.0' }),
      port: Type.Integer({
        minimum: 0,
        maximum: 65535,
        default: 8080,
        errorMessage: 'expected a port 0-65535',
      }),
      trustProxy: Type.Union([Type.Literal(false), Type.Array(Cidr)], {
        default: false,
        errorMessage: 'expected false or a list of CIDR ranges of trusted proxies',
      }),
      bodyLimit: Size('1mb'),
      requestTimeout: Duration('30s'),
      shutdownTimeout: Duration('10s'),
      // Memory budget per process: Keyward starts its runtime with heap limits that fit it.
      memory: Type.Optional(Size()),
    },
    { default: {} },
  ),
  storage: Strict(
    {
      url: Type.String({
        pattern: '^(sqlite:.+|postgres(ql)?://.+)$',
        errorMessage: 'expected sqlite:PATH or postgres://user:pass@host/db',
        default: 'sqlite:./data/keyward.db',
      }),
    },
    { default: {} },
  ),
  redis: Strict({ url: Type.String({ default: '' }) }, { default: {} }),
  secrets: Strict({ masterKey: Type.String({ default: '' }) }, { default: {} }),
  tracing: Strict(
    {
      // OTLP over HTTP: the collector's traces URL. Empty: no spans are made at all.
      endpoint: Type.String({
        pattern: '^$|^https?://[^\\s]+$',
        default: '',
        errorMessage: 'expected an OTLP/HTTP traces URL like http://collector:4318/v1/traces, or empty',
      }),
      serviceName: Type.String({ minLength: 1, maxLength: 100, default: 'keyward' }),
      sampleRatio: Type.Number({
        minimum: 0,
        maximum: 1,
        default: 1,
        errorMessage: 'expected a fraction of traces to keep, from 0 to 1',
      }),
      headers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String({ maxLength: 4096 }), {
        default: {},
      }),
    },
    { default: {} },
  ),
  log: Strict(
    {
      level: Type.Union(
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
        { default: 'info', errorMessage: 'expected a log level like info or debug' },
      ),
    },
    { default: {} },
  ),
  auth: Strict(
    {
      apiKeys: Strict(
        {
          prefix: Type.String({
            pattern: '^[a-z][a-z0-9]{0,15}$',
            default: 'kw',
            errorMessage: 'expected 1-16 lowercase letters or digits',
          }),
          header: Type.String({ pattern: '^[A-Za-z0-9-]+$', default: 'x-api-key' }),
          bearer: Type.Boolean({ default: true }),
          raw: Type.Boolean({ default: true }),
          basic: Type.Boolean({ default: true }),
          queryParam: Type.Union([Type.Boolean(), Type.String({ pattern: '^[A-Za-z0-9_-]+$' })], {
            default: false,
            errorMessage: 'expected false, true (api_key) or a parameter name',
          }),
        },
        { default: {} },
      ),
      jwt: Strict(
        {
          local: Strict(
            {
              issuer: Type.String({ default: 'keyward' }),
              algorithm: Type.Union(
                ['EdDSA', 'ES256', 'RS256', 'PS256'].map((a) => Type.Literal(a)),
                { default: 'EdDSA', errorMessage: 'expected EdDSA, ES256, RS256 or PS256' },
              ),
              accessTtl: Duration('15m'),
              refreshTtl: Duration('30d'),
            },
            { default: {} },
          ),
          providers: Type.Array(Provider, { default: [] }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  cors: Strict(Cors.properties, { default: {} }),
  plans: Type.Record(Name, Strict({ limits: Type.Array(LimitPolicy, { maxItems: 16 }) }), { default: {} }),
  routes: Type.Array(Route, { default: [] }),
  services: Strict(Services.properties, { default: {} }),
  admin: Strict(
    {
      path: Type.String({ ...PublicPath, default: '/admin/v1' }),
      roles: Type.Array(Role, { default: ['admin'], maxItems: 64 }),
    },
    { default: {} },
  ),
  ui: Strict({ enabled: Type.Boolean({ default: true }) }, { default: {} }),
  portal: Portal,
});

export type KeywardConfig = Static<typeof ConfigSchema>;
export type RouteConfig = KeywardConfig['routes'][number];
export type LimitPolicyConfig = Static<typeof LimitPolicy>;
export type CorsConfig = Static<typeof Cors>;
export type UpstreamConfig = RouteConfig['upstream'];
export type PortalConfig = KeywardConfig['portal'];
