// Closed-loop throughput with wrk (1 thread, 32 connections): a short warm-up run, then the
// measured run while the server's process tree is metered through /proc.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cpuSeconds, peakRss, processTree, watchOtherLoad } from './procs.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./wrk-summary.lua', import.meta.url));

async function wrk(url, { seconds, connections = 32, headers, keysFile, keyHeader }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', SCRIPT];
  for (const [name, value] of Object.entries(headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const { stdout } = await run('wrk', args, {
    env: { ...process.env, BENCH_KEYS_FILE: keysFile ?? '', BENCH_KEY_HEADER: keyHeader ?? 'x-api-key' },
    timeout: (seconds + 30) * 1000,
    maxBuffer: 1 << 20,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  return JSON.parse(line.slice('BENCH_JSON '.length));
}

/** One round against `url` served by the process tree under `pid`: warm-up, then measure. */
export async function throughputRound(url, pid, { seconds = 8, warmup = 2, ...options } = {}) {
  if (warmup > 0) await wrk(url, { ...options, seconds: warmup });
  const pids = processTree(pid);
  const cpuBefore = cpuSeconds(pids);
  const otherLoad = watchOtherLoad();
  const r = await wrk(url, { ...options, seconds });
  return {
    otherCores: otherLoad(),
    seconds: r.durationUs / 1e6,
    requests: r.requests,
    bytes: r.bytes,
    errors: r.connectErrors + r.readErrors + r.writeErrors + r.statusErrors + r.timeouts,
    statusErrors: r.statusErrors, // responses with a status of 400 or more (wrk's "Non-2xx or 3xx")
    cpuSeconds: cpuSeconds(pids) - cpuBefore,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
  };
}

/**
 * Folds rounds into one result: the best round's req/s and latency (other tenants of a shared
 * machine only ever slow a round down), CPU per request over all rounds, the tree's peak RSS.
 */
export function summarizeRounds(rounds, pid) {
  const best = rounds.reduce((a, b) => (b.requests / b.seconds > a.requests / a.seconds ? b : a));
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const cpu = rounds.reduce((s, r) => s + r.cpuSeconds, 0);
  return {
    rps: best.requests / best.seconds,
    roundsRps: rounds.map((r) => Math.round(r.requests / r.seconds)),
    otherCores: best.otherCores,
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    requests,
    statusErrors: rounds.reduce((s, r) => s + r.statusErrors, 0),
    mbPerSec: best.bytes / best.seconds / 2 ** 20,
    p50Ms: best.p50Ms,
    p99Ms: best.p99Ms,
    cpuUsPerReq: requests > 0 ? (cpu * 1e6) / requests : null,
    peakRssMb: peakRss(processTree(pid)) / 2 ** 20,
  };
}

/** A single measured round, summarized (for one-off scenarios). */
export async function measureThroughput(url, pid, options) {
  return summarizeRounds([await throughputRound(url, pid, options)], pid);
}
