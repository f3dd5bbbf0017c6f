#!/usr/bin/env node
// `npm run bench`: starts an upstream, then group by group (scenarios/rows.js: a scenario and
// the baselines it is compared with) their servers, each in its own process on 127.0.0.1, and
// stops them after the group's rounds; measures closed-loop throughput (wrk -t1 -c32, rounds
// alternating within the group, best round kept), /v1/time latency at 1,000 req/s alone and
// beside 4096-bit prime checks, latency at a fixed 2000 req/s (alternating with the direct
// upstream), peak RSS and CPU per request; then WebSockets and the 1,000,000-key store. Prints
// one table of ratios and targets and writes it to bench/results/<timestamp>.json (+ latest.md
// and latest.json; `npm run bench:readme` puts the latest table into the README).
//   --soak     add a 60 s RSS soak (about a minute more)
//   --quick    short runs and 100k keys, to try the bench (not a record)
//   --profile  run Keyward with --cpu-prof; profiles land in bench/results/profiles/<timestamp>/
//   --only=ID,ID  only these rows (and the baselines they are compared with), plus `latency`
//              and `primes-beside` when named; no WebSocket, 1M-key or soak runs: to try a row
//              (e.g. --only=keyward-redis --quick)
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
const { throughputRound } = await import('./lib/wrk.js');
const { waitForQuiet } = await import('./lib/procs.js');
const { evaluateTargets, textTable, markdownTable } = await import('./lib/report.js');
const { prepareServers } = await import('./scenarios/servers.js');
const { rows, selectGroups } = await import('./scenarios/rows.js');
const { runGroup } = await import('./scenarios/groups.js');
const { writeUnknownKeys } = await import('./scenarios/credentials.js');
const { runPrimesBeside } = await import('./scenarios/primes-beside.js');
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

/** Ends an --only run after its throughput groups (no WebSocket, 1M-key or soak runs). */
class OnlyDone extends Error {}

const quiet = async () => {
  quietBudgetMs -= await waitForQuiet(Math.min(QUIET_WAIT_MS, Math.max(0, quietBudgetMs)));
};

try {
  const groups = selectGroups(only);
  const { upstream, key, keys, start } = await prepareServers({ root, benchDir, work, nodeArgs, track, log });
  results.upstream = upstream.kind;
  // 50,000 unknown keys: each comes back after ~2 s at 20k req/s, long after a cached miss expires
  const unknown = await writeUnknownKeys(root, work, 50_000);
  const ctx = { key, keys, unknownKeysFile: unknown.file, probeUnknownKey: unknown.probe };
  for (const group of groups) await runGroup({ group, start, upstream, ctx, tp, quiet, log, scenarios: S });

  if (!only || only.has('primes-beside')) {
    const server = await start('keyward-extra');
    if (server.skipped)
      S['time-beside-primes'] = {
        label: '/v1/time beside 4096-bit prime checks',
        short: 'primes',
        skipped: server.skipped,
      };
    else {
      try {
        await quiet();
        Object.assign(S, await runPrimesBeside({ server, key, lat, log }));
      } finally {
        await server.stop();
      }
    }
  }

  if (!only || only.has('latency')) {
    log('latency at 2000 req/s: direct, nginx key-check, the node floor and Keyward, alternating');
    const nginx = await start('nginx-keycheck');
    // The node floor shows what a paced run costs any Node process on this machine.
    const floor = await start('node-floor');
    const keyward = await start('keyward-proxy');
    try {
      const withKey = { headers: { 'x-api-key': key } };
      const latencyTargets = [
        { id: 'direct', url: `${upstream.url}/hello`, pid: upstream.proc.pid },
        ...[
          ['nginx-keycheck', nginx],
          ['node-floor', floor],
          ['keyward-proxy', keyward],
        ]
          .filter(([, server]) => !server.skipped)
          .map(([id, server]) => ({
            id,
            url: `${server.url}/api/hello`,
            pid: server.proc.pid,
            options: withKey,
          })),
      ];
      // Freshly started servers: JIT and heap growth in their first seconds put stalls of tens
      // to hundreds of ms into a paced run (Keyward's p99 483 → 22 ms over four cold rounds), so
      // each gets a saturating warm-up first, as the throughput groups do.
      for (const t of latencyTargets.slice(1))
        await throughputRound(t.url, t.pid, { ...t.options, seconds: tp.firstWarmup, warmup: 0 });
      await quiet();
      const latency = await alternatingLatency(latencyTargets, lat);
      for (const [id, value] of Object.entries(latency)) {
        if (!S[id]) {
          // a run with --only=latency: the rows' lines, without throughput
          const { server: _s, path: _p, credential: _c, ...meta } = rows.find((r) => r.id === id);
          S[id] = meta;
        }
        if (!S[id].skipped) S[id].latency = value;
      }
    } finally {
      for (const server of [nginx, floor, keyward]) if (!server.skipped) await server.stop();
    }
  }
  if (S.direct?.label) S.direct.label += ` (${upstream.kind})`;
  if (only) throw new OnlyDone();

  await quiet();
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
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
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
