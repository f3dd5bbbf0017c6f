#!/usr/bin/env node
// `npm run bench:compare -- REF`: this build against another commit, in one run. Both gateways
// serve the same bench config (proxy route with key + limits + usage, and /v1/time) from their
// own store, and wrk rounds alternate between them (A B A B ...), so whatever else the machine
// is doing weighs on both alike. Prints each round, then the median ratios of req/s and of CPU
// per request (this build / REF). A ratio near 1.00 within the spread of the rounds means no
// measurable change.
//   --rounds N     alternating rounds per scenario (default 6)
//   --seconds S    length of one round (default 5)
//   --only NAME    proxy or time (default: both)
//   --log-level L  the gateways' log.level (default warn; info writes an access line per request)
//   --workers N    start both gateways with --workers N (default 1)
//   --redis        give this build's gateway a redis-server of its own (limits shared in Redis)
// REF is built from `git archive` into a temp dir with this checkout's node_modules, so compare
// commits whose dependencies match.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startUpstream } from './baselines/upstream.js';
import { throughputRound } from './lib/wrk.js';
import { createKey, prepareKeyward, startKeyward } from './scenarios/keyward.js';
import { startRedisServer } from './scenarios/redis.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    workers: { type: 'string', default: '1' },
    redis: { type: 'boolean', default: false },
  },
});
const ref = positionals[0];
if (!ref) {
  console.error('usage: npm run bench:compare -- REF [--rounds N] [--seconds S] [--only proxy|time]');
  process.exit(2);
}
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const log = (line) => process.stderr.write(`compare: ${line}\n`);

/** Builds REF's dist/ in a temp dir; returns that dir. */
function buildRef(work) {
  const dir = join(work, 'ref');
  mkdirSync(dir);
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim();
  log(`building ${ref} (${sha}) in ${dir}`);
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${dir}"`], { cwd: root });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  return { dir, sha };
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const work = mkdtempSync(join(tmpdir(), 'keyward-compare-'));
const procs = [];
try {
  if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  const base = buildRef(work);
  const upstream = await startUpstream(work);
  procs.push(upstream.proc);
  const gateways = {};
  const redis = values.redis ? await startRedisServer(work) : null;
  if (redis) procs.push(redis.proc);
  for (const [name, dir] of [
    ['this build', root],
    [`${ref} (${base.sha})`, base.dir],
  ]) {
    const redisUrl = dir === root ? redis?.url : undefined;
    const config = await prepareKeyward(dir, join(work, name.replace(/\W+/g, '-')), upstream.url, {
      logLevel: values['log-level'],
      ...(redisUrl ? { redisUrl } : {}),
    });
    const key = await createKey(dir, config);
    const server = await startKeyward(dir, config, { workers: Number(values.workers) });
    procs.push(server.proc);
    gateways[name] = { ...server, key };
  }
  const names = Object.keys(gateways);
  const scenarios = { proxy: '/api/hello', time: '/v1/time' };
  for (const [scenario, path] of Object.entries(scenarios)) {
    if (values.only && values.only !== scenario) continue;
    const results = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so neither always follows the other's warm caches.
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const g = gateways[name];
        const r = await throughputRound(`${g.url}${path}`, g.proc.pid, {
          seconds,
          warmup: 1,
          headers: { 'x-api-key': g.key },
        });
        if (r.errors > 0) throw new Error(`${name}: ${r.errors} errors in a round`);
        const rps = r.requests / r.seconds;
        const cpuUs = (r.cpuSeconds * 1e6) / r.requests;
        results[name].push({ rps, cpuUs });
        log(
          `${scenario} round ${round + 1} ${name}: ${Math.round(rps)} req/s, ${cpuUs.toFixed(1)} µs CPU/req`,
        );
      }
    }
    const [mine, theirs] = names.map((n) => results[n]);
    const rpsRatios = mine.map((r, i) => r.rps / theirs[i].rps);
    const cpuRatios = mine.map((r, i) => r.cpuUs / theirs[i].cpuUs);
    const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
    console.log(`${scenario}: this build / ${names[1]}`);
    console.log(`  req/s ratio     median ${median(rpsRatios).toFixed(3)}  (rounds: ${fmt(rpsRatios)})`);
    console.log(`  CPU/req ratio   median ${median(cpuRatios).toFixed(3)}  (rounds: ${fmt(cpuRatios)})`);
    console.log(
      `  medians         ${Math.round(median(mine.map((r) => r.rps)))} vs ${Math.round(median(theirs.map((r) => r.rps)))} req/s, ` +
        `${median(mine.map((r) => r.cpuUs)).toFixed(1)} vs ${median(theirs.map((r) => r.cpuUs)).toFixed(1)} µs CPU/req`,
    );
  }
} finally {
  for (const proc of procs.reverse()) await proc.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
