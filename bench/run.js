#!/usr/bin/env node
// `npm run bench`: starts an upstream, the baselines and Keyward, each in its own process on
// 127.0.0.1; measures closed-loop throughput (wrk -t1 -c32, rounds alternating between
// scenarios, best round kept), latency at a fixed 2000 req/s (alternating with the direct
// upstream), peak RSS and CPU per request; then the 1,000,000-key store. Prints one table of
// ratios and targets and writes it to bench/results/<timestamp>.json (+ latest.md).
//   --soak     add a 60 s RSS soak (about a minute more)
//   --quick    short runs and 100k keys, to try the bench (not a record)
//   --profile  run Keyward with --cpu-prof; profiles land in bench/results/profiles/<timestamp>/
//   --only=ID,ID  only these throughput scenarios (and the baselines they are compared with), no
//              latency, 1M-key or soak runs: to try one row (e.g. --only=keyward-redis --quick)
// The WebSocket rows alone: `node bench/scenarios/websocket.js [--quick]`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const argv = process.argv.slice(2);
const args = new Set(argv.filter((a) => !a.startsWith('--only=')));
const quick = args.has('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',').filter(Boolean)) : null;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

if (!existsSync(join(benchDir, 'node_modules'))) {
  console.error('bench: installing the bench dependencies (npm ci --prefix bench)');
  execFileSync('npm', ['ci', '--prefix', benchDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; `npm run bench` builds it first (or run `npm run build`)');
  process.exit(1);
}
try {
  execFileSync('wrk', ['-v'], { stdio: 'ignore' });
} catch (error) {
  if (error.code === 'ENOENT') {
    console.error('bench: wrk is required (Debian/Ubuntu: apt-get install -y wrk nginx)');
    process.exit(1);
  } // `wrk -v` exits 1 after printing its version
}

const { alternatingLatency } = await import('./lib/paced.js');
const { waitForQuiet } = await import('./lib/procs.js');
const { throughputRound, summarizeRounds } = await import('./lib/wrk.js');
const { evaluateTargets, textTable, markdownTable } = await import('./lib/report.js');
const { startServers } = await import('./scenarios/servers.js');
const { runMillion } = await import('./scenarios/million.js');
const { runWebSocket } = await import('./scenarios/websocket.js');

const tp = quick
  ? { seconds: 2, warmup: 1, firstWarmup: 1, rounds: 1 }
  : { seconds: 5, warmup: 1, firstWarmup: 3, rounds: 3 };
const lat = quick ? { seconds: 2, warmup: 0.5, rounds: 1 } : { seconds: 4, warmup: 0.5, rounds: 4 };
const KEYS = quick ? 100_000 : 1_000_000;
// Before each throughput round, wait up to 10 s for other processes to quiet down (90 s in all)
const QUIET_WAIT_MS = 10_000;
let quietBudgetMs = quick ? 0 : 90_000;
const work = mkdtempSync(join(tmpdir(), 'keyward-bench-'));
const resultsDir = join(benchDir, 'results');
const profileDir = join(resultsDir, 'profiles', stamp);
const nodeArgs = args.has('--profile') ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
const live = new Set();
const track = (proc) => live.add(proc);
const log = (line) => process.stderr.write(`bench: ${line}\n`);

async function cleanup() {
  await Promise.all([...live].map((p) => p.stop(5000)));
  rmSync(work, { recursive: true, force: true });
}
process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
process.once('SIGTERM', () => cleanup().finally(() => process.exit(143)));

const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    loadavgAtStart: loadavg()[0],
  },
  options: {
    quick,
    soak: args.has('--soak'),
    throughput: { tool: 'wrk', threads: 1, connections: 32, ...tp },
    latency: { rate: 2000, ...lat },
    keys: KEYS,
  },
  scenarios: {},
};
const S = results.scenarios;

/** Ends an --only run after its throughput rounds (no latency, 1M-key or soak runs). */
class OnlyDone extends Error {}

/** The scenario ids in `ids` and the baselines they are compared with. */
function withBaselines(ids, list) {
  const keep = new Set(ids);
  for (const s of list) if (ids.has(s.id) && s.baseline) keep.add(s.baseline);
  return keep;
}

/** The servers an --only run needs: each selected scenario's own and its baseline's (ids name servers here). */
function selectedServers(ids) {
  const baselines = {
    'keyward-redis': 'keyward-proxy',
    'keyward-workers2': 'keyward-proxy',
    'keyward-jwt': 'keyward-proxy',
    'keyward-proxy': 'nginx-keycheck',
    'keyward-time': 'fastify-hello',
    'keyward-1mb': 'nginx-keycheck',
    'fastify-undici': 'nginx-keycheck',
    express: 'direct',
    'nginx-keycheck': 'direct',
  };
  const servers = new Set(ids);
  for (const id of ids) if (baselines[id]) servers.add(baselines[id]);
  return servers;
}

try {
  const { upstream, key, servers, jwt } = await startServers({
    root,
    benchDir,
    work,
    nodeArgs,
    track,
    log,
    only: only && selectedServers(only),
  });
  results.upstream = upstream.kind;
  const withKey = { headers: { 'x-api-key': key } };
  const withJwt = jwt ? { headers: { authorization: `Bearer ${jwt.token}` } } : {};
  // id, label, short name, role, server, path, request options, baseline shown in the table
  const list = [
    ['direct', `direct upstream (${upstream.kind})`, 'direct', 'baseline', 'upstream', '/hello', {}],
    ['direct-1mb', 'direct upstream, 1 MiB', 'direct 1 MiB', 'baseline', 'upstream', '/1mb', {}],
    [
      'nginx-keycheck',
      'nginx key-check proxy',
      'nginx key-check',
      'baseline',
      'nginx-keycheck',
      '/api/hello',
      withKey,
      'direct',
    ],
    [
      'nginx-keycheck-1mb',
      'nginx key-check proxy, 1 MiB',
      'nginx 1 MiB',
      'baseline',
      'nginx-keycheck',
      '/api/1mb',
      withKey,
      'direct-1mb',
    ],
    [
      'express',
      'Express 5 + http-proxy-middleware + express-rate-limit',
      'Express',
      'baseline',
      'express',
      '/api/hello',
      withKey,
      'direct',
    ],
    ['fastify-hello', 'bare Fastify hello world', 'Fastify hello', 'baseline', 'fastify-hello', '/', {}],
    [
      'fastify-undici',
      'minimal Fastify + undici proxy, hashed key (reference)',
      'minimal proxy',
      'reference',
      'fastify-undici',
      '/api/hello',
      withKey,
      'nginx-keycheck',
    ],
    [
      'keyward-proxy',
      'Keyward proxy: API key + rate limit + usage',
      'Keyward API key',
      'keyward',
      'keyward-proxy',
      '/api/hello',
      withKey,
      'nginx-keycheck',
    ],
    [
      'keyward-jwt',
      'Keyward proxy: RS256 provider JWT + rate limit',
      'Keyward JWT',
      'keyward',
      'keyward-jwt',
      '/jwt/hello',
      withJwt,
      'keyward-proxy',
    ],
    [
      'keyward-time',
      'Keyward /v1/time: API key + rate limit',
      'Keyward time',
      'keyward',
      'keyward-time',
      '/v1/time',
      withKey,
      'fastify-hello',
    ],
    [
      'keyward-1mb',
      'Keyward proxy, 1 MiB response',
      'Keyward 1 MiB',
      'keyward',
      'keyward-1mb',
      '/api/1mb',
      withKey,
      'nginx-keycheck-1mb',
    ],
    [
      'keyward-workers2',
      'Keyward proxy, --workers 2, limits shared through the primary',
      'Keyward 2 workers',
      'keyward',
      'keyward-workers2',
      '/api/hello',
      withKey,
      'keyward-proxy',
    ],
    [
      'keyward-redis',
      'Keyward proxy, limits shared in Redis',
      'Keyward Redis',
      'keyward',
      'keyward-redis',
      '/api/hello',
      withKey,
      'keyward-proxy',
    ],
  ].map(([id, label, short, role, server, path, options, baseline]) => ({
    id,
    label,
    short,
    role,
    server,
    path,
    options,
    baseline,
  }));

  if (only) {
    const keep = withBaselines(only, list);
    list.splice(0, list.length, ...list.filter((s) => keep.has(s.id)));
  }
  const rounds = new Map(list.map((s) => [s.id, []]));
  for (let round = 0; round < tp.rounds; round++) {
    for (const s of list) {
      const server = servers[s.server];
      if (server.skipped) continue;
      log(`round ${round + 1}/${tp.rounds}: ${s.label}`);
      quietBudgetMs -= await waitForQuiet(Math.min(QUIET_WAIT_MS, Math.max(0, quietBudgetMs)));
      // fresh processes need more than 1 s to warm up (JIT, pools): longer before their first round
      const warmup = round === 0 ? tp.firstWarmup : tp.warmup;
      try {
        const url = `${server.url}${s.path}`;
        rounds.get(s.id).push(await throughputRound(url, server.proc.pid, { ...tp, warmup, ...s.options }));
      } catch (error) {
        console.error(error);
      }
    }
  }
  for (const s of list) {
    const { server: name, path: _p, options: _o, ...meta } = s;
    const server = servers[name];
    const done = rounds.get(s.id);
    S[s.id] = server.skipped
      ? { ...meta, skipped: server.skipped }
      : done.length === 0
        ? { ...meta, skipped: 'failed (see the log)' }
        : { ...meta, throughput: summarizeRounds(done, server.proc.pid) };
  }

  if (only) throw new OnlyDone();
  log('latency at 2000 req/s: direct, nginx key-check and Keyward, alternating');
  const latencyTargets = [
    { id: 'direct', url: `${upstream.url}/hello`, pid: upstream.proc.pid },
    ['nginx-keycheck', '/api/hello'],
    ['keyward-proxy', '/api/hello'],
  ]
    .map((t) =>
      Array.isArray(t)
        ? servers[t[0]].skipped
          ? null
          : { id: t[0], url: `${servers[t[0]].url}${t[1]}`, pid: servers[t[0]].proc.pid, options: withKey }
        : t,
    )
    .filter(Boolean);
  quietBudgetMs -= await waitForQuiet(Math.min(QUIET_WAIT_MS, Math.max(0, quietBudgetMs)));
  const latency = await alternatingLatency(latencyTargets, lat);
  for (const [id, value] of Object.entries(latency)) if (S[id] && !S[id].skipped) S[id].latency = value;

  await Promise.all(Object.values(servers).map((s) => s.proc && s !== upstream && s.proc.stop()));
  await jwt?.close();

  quietBudgetMs -= await waitForQuiet(Math.min(QUIET_WAIT_MS, Math.max(0, quietBudgetMs)));
  Object.assign(S, await runWebSocket({ root, benchDir, work, nodeArgs, track, log, quick }));

  const million = await runMillion({
    root,
    benchDir,
    work,
    upstreamUrl: upstream.url,
    count: KEYS,
    tp,
    lat,
    soak: args.has('--soak'),
    nodeArgs,
    track,
    log,
  });
  S['million-keys'] = {
    label: `${KEYS.toLocaleString('en-US')} keys in SQLite, a different key on every request`,
    short: '1M keys',
    role: 'keyward',
    baseline: 'keyward-proxy',
    ...million.million,
  };
  if (million.soak)
    S.soak = {
      label: 'soak: 60 s at 2000 req/s over 1,000 keys',
      short: 'soak',
      role: 'keyward',
      ...million.soak,
    };
} catch (error) {
  if (!(error instanceof OnlyDone)) throw error;
} finally {
  await cleanup();
}

results.machine.loadavgAtEnd = loadavg()[0];
results.machine.quietWaitSeconds = Math.round((quick ? 0 : 90_000 - quietBudgetMs) / 1000);
const checks = evaluateTargets(results);
results.targets = checks;
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${stamp}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.md'), `${markdownTable(results, checks)}\n`);
const m = results.machine;
console.log(
  `\nKeyward bench — ${results.date} — ${m.cpus} × ${m.cpuModel}, node ${m.node}, upstream ${results.upstream}, ` +
    `load average ${m.loadavgAtStart.toFixed(2)} → ${m.loadavgAtEnd.toFixed(2)}, waited ${m.quietWaitSeconds} s for quiet` +
    `${quick ? ' — QUICK RUN, not a record' : ''}\n`,
);
console.log(textTable(results, checks));
console.log(
  '\nother load: cores kept busy by processes outside the bench during the reported round ' +
    '(a shared machine; rounds are alternated and the best one is kept).',
);
const count = (v) => checks.filter((c) => c.pass === v).length;
console.log(`\n${count(true)} targets pass, ${count(false)} fail, ${count(null)} skipped.`);
console.log(`results: ${file}${nodeArgs.length ? `\nprofiles: ${profileDir}` : ''}`);
