#!/usr/bin/env node
// Profiles one Keyward scenario: starts the upstream and `dist/cli/main.js start` under
// `node --cpu-prof`, drives it with wrk for `--seconds` (default 10), stops it gracefully (the
// profile is written at exit) and prints the top self-time functions (profile-summary.js).
// Usage: npm run build && node bench/profile.js proxy|time|1mb|million [--seconds N] [--keys N] [--redis]
// (--redis: limits shared in a redis-server of its own)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUpstream } from './baselines/upstream.js';
import { throughputRound } from './lib/wrk.js';
import { createKey, prepareKeyward, startKeyward } from './scenarios/keyward.js';
import { startRedisServer } from './scenarios/redis.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const scenario = argv[0] ?? 'proxy';
const seconds = option('--seconds', 10);
const paths = { proxy: '/api/hello', time: '/v1/time', '1mb': '/api/1mb', million: '/api/hello' };
if (!paths[scenario]) {
  console.error('usage: node bench/profile.js proxy|time|1mb|million [--seconds N] [--keys N]');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'keyward-profile-'));
const profiles = join(
  benchDir,
  'results',
  'profiles',
  `${scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
);
const upstream = await startUpstream(work);
let gateway;
const redis = argv.includes('--redis') ? await startRedisServer(work) : null;
try {
  const config = await prepareKeyward(root, join(work, 'kw'), upstream.url, {
    ...(redis ? { redisUrl: redis.url } : {}),
  });
  const options = {};
  if (scenario === 'million') {
    const keysFile = join(work, 'keys.txt');
    const count = option('--keys', 1_000_000);
    const seedOptions = {
      distDir: join(root, 'dist'),
      dbPath: join(work, 'kw', 'keyward.db'),
      count,
      prefix: 'kw',
      plan: 'bench',
      sample: 100_000,
      keysFile,
    };
    execFileSync(process.execPath, [join(benchDir, 'scenarios/seed-keys.js'), JSON.stringify(seedOptions)], {
      stdio: 'ignore',
    });
    options.keysFile = keysFile;
  } else {
    options.headers = { 'x-api-key': await createKey(root, config) };
  }
  gateway = await startKeyward(root, config, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profiles] });
  const round = await throughputRound(`${gateway.url}${paths[scenario]}`, gateway.proc.pid, {
    seconds,
    warmup: 2,
    ...options,
  });
  console.log(
    `${scenario}: ${Math.round(round.requests / round.seconds)} req/s, ${round.errors} errors, ` +
      `${((round.cpuSeconds * 1e6) / round.requests).toFixed(1)} µs CPU/request`,
  );
  await gateway.proc.stop(15_000);
} finally {
  await gateway?.proc.stop();
  await upstream.proc.stop();
  await redis?.proc.stop();
  rmSync(work, { recursive: true, force: true });
}
const files = readdirSync(profiles)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(profiles, f));
execFileSync(process.execPath, [join(benchDir, 'profile-summary.js'), ...files, '--top', '30'], {
  stdio: 'inherit',
});
