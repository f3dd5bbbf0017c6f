#!/usr/bin/env node
// The 1,000,000-key scenario alone, to chase latency tails and memory: seeds the store once
// (kept in --work between runs), then for each variant starts Keyward, measures latency at a
// fixed rate with a different key per request (alternating with the direct upstream), the
// event-loop delay Keyward reports on /metrics for that run, saturation throughput with
// p50/p99, and peak RSS. Variants: `plain` (no budget) and `budget` (server.memory: 150mb) or
// `budget-200mb` (any size);
// with --base=DIR (a checkout with dist/ and node_modules/ of an earlier commit) also `base` and
// `base-budget`, to compare before and after in one run.
//   node bench/tails.js [--keys=1000000] [--work=DIR] [--variants=plain,budget] [--base=DIR]
//                       [--rate=2000] [--seconds=5] [--rounds=2] [--warmup=10] [--profile]
// Each variant first takes --warmup seconds of saturating load (cold pages of a 400 MB store and
// unoptimized code would otherwise land in the first round), not counted.
// Prints one JSON object; --profile writes CPU profiles to WORK/profiles.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUpstream } from './baselines/upstream.js';
import { measureLatency } from './lib/paced.js';
import { measureThroughput } from './lib/wrk.js';
import { prepareKeyward, startKeyward } from './scenarios/keyward.js';
import { budgetedConfig, seedStore } from './scenarios/million.js';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = join(benchDir, '..');
const opt = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? true];
    }),
);
const count = Number(opt.keys ?? 1_000_000);
const work = opt.work ?? `/tmp/keyward-tails-${count}`;
const variants = String(opt.variants ?? 'plain,budget').split(',');
const rate = Number(opt.rate ?? 2000);
const seconds = Number(opt.seconds ?? 5);
const rounds = Number(opt.rounds ?? 2);
const log = (line) => process.stderr.write(`tails: ${line}\n`);

const upstream = await startUpstream(work);
const dir = join(work, 'million');
const keysFile = join(dir, 'keys.txt');
const adminFile = join(dir, 'admin.txt');
const config = join(dir, 'keyward.yaml');
if (!existsSync(adminFile)) {
  await prepareKeyward(root, dir, upstream.url);
  log(`seeding ${count} keys`);
  writeFileSync(adminFile, seedStore({ root, benchDir, dir, count, keysFile }, 900_000).admin);
}
// The upstream's port changes per run: point the configs at this one.
writeFileSync(config, readFileSync(config, 'utf8').replace(/http:\/\/127\.0\.0\.1:\d+/g, upstream.url));
/** The config with `server.memory: size` (a variant named `budget` is 150mb, `budget-200mb` 200mb). */
function budgetConfig(variant) {
  return budgetedConfig(config, variant.match(/budget-?(\d+mb)?$/)?.[1] ?? '150mb');
}
const admin = readFileSync(adminFile, 'utf8').trim();

async function lag(url) {
  const res = await fetch(`${url}/metrics`, { headers: { 'x-api-key': admin } });
  const text = await res.text();
  const get = (name) => Number(text.match(new RegExp(`^keyward_nodejs_${name} (\\S+)`, 'm'))?.[1]) * 1000;
  return { p99Ms: get('eventloop_lag_p99_seconds'), maxMs: get('eventloop_lag_max_seconds') };
}

const results = { count, rate, variants: {} };
for (const variant of variants) {
  const nodeArgs = opt.profile ? ['--cpu-prof', '--cpu-prof-dir', join(work, 'profiles', variant)] : [];
  const from = variant.startsWith('base') ? opt.base : root;
  const budgeted = variant.includes('budget');
  const gateway = await startKeyward(from, budgeted ? budgetConfig(variant) : config, { nodeArgs });
  const r = { startupMs: gateway.startupMs, latency: [], direct: [] };
  results.variants[variant] = r;
  try {
    const warmup = Number(opt.warmup ?? 10);
    if (warmup > 0)
      await measureThroughput(`${gateway.url}/api/hello`, gateway.proc.pid, {
        seconds: warmup,
        warmup: 0,
        keysFile,
      });
    for (let i = 0; i < rounds; i++) {
      r.direct.push(await measureLatency(`${upstream.url}/hello`, upstream.proc.pid, { rate, seconds }));
      await lag(gateway.url); // resets the server's delay histogram
      const l = await measureLatency(`${gateway.url}/api/hello`, gateway.proc.pid, {
        rate,
        seconds,
        keysFile,
      });
      l.loopDelay = await lag(gateway.url);
      r.latency.push(l);
      log(
        `${variant} ${rate}/s: p50 ${l.p50Ms} p99 ${l.p99Ms} ms (direct ${r.direct.at(-1).p99Ms}), loop ${JSON.stringify(l.loopDelay)}`,
      );
    }
    await lag(gateway.url);
    r.saturation = await measureThroughput(`${gateway.url}/api/hello`, gateway.proc.pid, {
      seconds: seconds * 2,
      warmup: 2,
      keysFile,
    });
    r.saturation.loopDelay = await lag(gateway.url);
    const s = r.saturation;
    log(
      `${variant} saturation: ${Math.round(s.rps)} req/s p50 ${s.p50Ms} p99 ${s.p99Ms} ms, RSS ${Math.round(s.peakRssMb)} MB, loop ${JSON.stringify(s.loopDelay)}`,
    );
  } catch (error) {
    // A gateway that died (out of memory under a budget) is a result, not the end of the run.
    const { exitCode, signalCode } = gateway.proc.child;
    if (exitCode === null && signalCode === null) throw error;
    r.died = { exitCode, signalCode, stderr: gateway.proc.stderr().slice(-1500) };
    log(`${variant} died (${exitCode ?? signalCode}): ${r.died.stderr}`);
  } finally {
    await gateway.proc.stop();
  }
}
await upstream.proc.stop();
const p = results.variants;
for (const [name, v] of Object.entries(p)) {
  const unbudgeted = name.startsWith('base') ? p.base : p.plain;
  if (name.includes('budget') && v.saturation && unbudgeted?.saturation)
    v.rpsRatio = v.saturation.rps / unbudgeted.saturation.rps;
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
