// Runs lib/paced-loader.js in its own process (so the bench's own event loop never skews it)
// while metering the server's process tree.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cpuSeconds, peakRss, processTree, watchOtherLoad } from './procs.js';

const run = promisify(execFile);
const LOADER = fileURLToPath(new URL('./paced-loader.js', import.meta.url));

/** Latency percentiles at a fixed request rate (default 2000 req/s for 5 s after 1 s warm-up). */
export async function measureLatency(url, pid, options = {}) {
  const o = { rate: 2000, seconds: 5, warmup: 1, connections: 64, ...options, url };
  const pids = processTree(pid);
  const cpuBefore = cpuSeconds(pids);
  const otherLoad = watchOtherLoad();
  const { stdout } = await run(process.execPath, [LOADER, JSON.stringify(o)], {
    timeout: (o.seconds + o.warmup + 30) * 1000,
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  const requests = o.rate * (o.seconds + o.warmup);
  result.otherCores = otherLoad();
  result.cpuUsPerReq = ((cpuSeconds(pids) - cpuBefore) * 1e6) / requests;
  result.peakRssMb = peakRss(processTree(pid)) / 2 ** 20;
  return result;
}

/**
 * Alternates fixed-rate runs over several servers (a, b, c, a, b, c, …) so drift in a shared
 * machine's load hits them alike; returns, per target id, its best round (lowest p99: other
 * tenants of a shared machine only ever add latency), with every round's p99 alongside.
 */
export async function alternatingLatency(targets, { rounds = 3, ...options } = {}) {
  const runs = new Map(targets.map((t) => [t.id, []]));
  for (let i = 0; i < rounds; i++) {
    for (const t of targets)
      runs.get(t.id).push(await measureLatency(t.url, t.pid, { ...options, ...t.options }));
  }
  const out = {};
  for (const [id, list] of runs) {
    const best = list.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a));
    out[id] = {
      ...best,
      roundsP99Ms: list.map((r) => r.p99Ms),
      roundsOtherCores: list.map((r) => r.otherCores),
    };
  }
  return out;
}
