// Keyward under test: writes a bench config (a huge plan so nothing is refused, a proxy route
// with its own limit, /v1/time with key + limit; usage recording is always on; optionally a
// route only a role may call, a plan of one request a day and the primes service), migrates
// the store and creates keys with the CLI, then starts `dist/cli/main.js start` and waits for
// /readyz.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProcess, waitForHttp } from '../lib/procs.js';

const run = promisify(execFile);
const HUGE = 1_000_000_000;

/**
 * The YAML config for a store in `dir` proxying `/api/*` to `upstreamUrl` (limits in Redis with
 * `redisUrl`). `rejections` adds the plan `tiny` (1 request a day) and `/locked/*`, a copy of
 * the proxy route that only the role `ops` may call; `primes` adds the primes service.
 */
export function benchConfig(dir, upstreamUrl, { logLevel = 'warn', jwt, redisUrl, rejections, primes } = {}) {
  const providers = jwt
    ? `
  jwt:
    providers:
      - { name: bench, issuer: "${jwt.issuer}", audience: "${jwt.audience}", jwksUri: "${jwt.jwksUri}", algorithms: [RS256] }`
    : '';
  const jwtRoute = jwt
    ? `
  - name: api-jwt
    path: /jwt/*
    methods: [GET]
    auth: [jwt]
    rateLimit: [{ requests: ${HUGE}, per: minute, by: user }]
    upstream: { url: "${upstreamUrl}", timeout: 10s }`
    : '';
  const lockedRoute = rejections
    ? `
  - name: api-locked
    path: /locked/*
    methods: [GET]
    auth: [apiKey]
    roles: [ops]
    rateLimit: [{ requests: ${HUGE}, per: minute, by: key }]
    upstream: { url: "${upstreamUrl}", timeout: 10s }`
    : '';
  const tinyPlan = rejections ? '\n  tiny: { limits: [{ requests: 1, per: day }] }' : '';
  const primesService = primes ? `\n  primes: { path: /v1/primes, auth: [apiKey], maxBits: 4096 }` : '';
  // JWT signing keys are sealed with the master key, so a JWT config needs one
  const secrets = jwt ? `secrets: { masterKey: "${randomBytes(32).toString('base64')}" }\n` : '';
  return `server: { host: 127.0.0.1, port: 8080 }
storage: { url: "sqlite:${join(dir, 'keyward.db')}" }
${redisUrl ? `redis: { url: "${redisUrl}" }\n` : ''}${secrets}log: { level: ${logLevel} }
auth:
  apiKeys: { prefix: kw }${providers}
plans:
  bench: { limits: [{ requests: ${HUGE}, per: second }, { requests: ${HUGE * 1000}, per: day }] }${tinyPlan}
routes:
  - name: api
    path: /api/*
    methods: [GET]
    auth: [apiKey]
    rateLimit: [{ requests: ${HUGE}, per: minute, by: key }]
    upstream: { url: "${upstreamUrl}", timeout: 10s }${jwtRoute}${lockedRoute}
services:
  time: { path: /v1/time, auth: [apiKey], rateLimit: [{ requests: ${HUGE}, per: minute }] }${primesService}
admin: { path: /admin/v1, roles: [admin] }
`;
}

async function cli(root, args) {
  const { stdout } = await run(process.execPath, [join(root, 'dist/cli/main.js'), ...args], {
    cwd: root,
    timeout: 60_000,
  });
  return stdout;
}

/** Creates `dir` with config (`file`, default keyward.yaml) and migrated store; returns the config path. */
export async function prepareKeyward(root, dir, upstreamUrl, options = {}) {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, options.file ?? 'keyward.yaml');
  writeFileSync(config, benchConfig(dir, upstreamUrl, options));
  await cli(root, ['migrate', '--config', config]);
  return config;
}

/** A new key on `plan` (default the bench plan), created through `keyward keys create --json`. */
export async function createKey(root, config, name = 'bench', plan = 'bench') {
  const out = await cli(root, [
    'keys',
    'create',
    '--name',
    name,
    '--plan',
    plan,
    '--json',
    '--config',
    config,
  ]);
  return JSON.parse(out).key;
}

/** `keyward check`'s notes about config it validates but does not enforce yet. */
export async function pendingNotes(root, config) {
  const { stdout, stderr } = await run(
    process.execPath,
    [join(root, 'dist/cli/main.js'), 'check', '--config', config],
    {
      cwd: root,
      timeout: 60_000,
    },
  );
  return `${stdout}${stderr}`.split('\n').filter((line) => /validated, but/.test(line));
}

/**
 * Starts the gateway; resolves with { url, proc, startupMs } once /readyz answers 200. Its
 * stdout (the log) goes to `stdout` (a file descriptor), else nowhere.
 */
export async function startKeyward(root, config, { workers = 1, nodeArgs = [], env, stdout } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const proc = startProcess(
    process.execPath,
    [
      ...nodeArgs,
      join(root, 'dist/cli/main.js'),
      'start',
      '--config',
      config,
      '--port',
      String(port),
      '--workers',
      String(workers),
    ],
    { cwd: root, env, stdout },
  );
  await waitForHttp(`${url}/readyz`, proc, { timeoutMs: 60_000, intervalMs: 2 });
  return { url, proc, startupMs: performance.now() - started };
}
