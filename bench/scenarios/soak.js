// A bounded soak: 60 s of paced load (2000 req/s over a fixed working set of keys) while the
// gateway's RSS is sampled every second and, through /metrics (admin key), its V8 heap and
// external memory every 2 s. A leak shows as a steady slope after warm-up; slopes are
// least-squares fits over the samples after the first 15 s, in MB per minute.
import { measureLatency } from '../lib/paced.js';
import { currentRss, processTree } from '../lib/procs.js';

const SECONDS = 60;
const SKIP = 15;
/** The allowed RSS slope: 2 MB/min (120 MB an hour) is within allocator noise over 45 s; a leak is not. */
export const SOAK_LIMIT_MB_PER_MIN = 2;

function slopePerMinute(points) {
  const steady = points.filter(([t]) => t >= SKIP);
  if (steady.length < 3) return null;
  const n = steady.length;
  const mx = steady.reduce((s, p) => s + p[0], 0) / n;
  const my = steady.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of steady) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return (num / den) * 60;
}

const METRICS = {
  heapUsedMb: 'keyward_nodejs_heap_size_used_bytes',
  externalMb: 'keyward_nodejs_external_memory_bytes',
};

async function sampleMetrics(url, adminKey) {
  try {
    const text = await (await fetch(`${url}/metrics`, { headers: { 'x-api-key': adminKey } })).text();
    const out = {};
    for (const [name, metric] of Object.entries(METRICS)) {
      const match = new RegExp(`^${metric}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text);
      if (match) out[name] = Number(match[1]) / 2 ** 20;
    }
    return out;
  } catch {
    return {};
  }
}

/** Runs the soak against `url` served by `pid`; returns samples and fitted slopes. */
export async function runSoak(url, pid, keysFile, adminKey) {
  const pids = processTree(pid);
  const started = performance.now();
  const rss = [];
  const heap = [];
  const external = [];
  const round = (x) => Math.round(x * 10) / 10;
  let tick = 0;
  const timer = setInterval(async () => {
    const t = (performance.now() - started) / 1000;
    rss.push([round(t), round(currentRss(pids) / 2 ** 20)]);
    if (adminKey && tick++ % 2 === 0) {
      const m = await sampleMetrics(url, adminKey);
      if (m.heapUsedMb !== undefined) heap.push([round(t), round(m.heapUsedMb)]);
      if (m.externalMb !== undefined) external.push([round(t), round(m.externalMb)]);
    }
  }, 1000);
  const latency = await measureLatency(`${url}/api/hello`, pid, {
    rate: 2000,
    seconds: SECONDS,
    warmup: 0,
    keysFile,
  });
  clearInterval(timer);
  const steady = rss.filter(([t]) => t >= SKIP);
  return {
    latency,
    samples: { rss, heapUsed: heap, external },
    rssFirstMb: steady[0]?.[1],
    rssLastMb: steady.at(-1)?.[1],
    slopeMbPerMin: slopePerMinute(rss),
    heapUsedSlopeMbPerMin: slopePerMinute(heap),
    externalSlopeMbPerMin: slopePerMinute(external),
    limitMbPerMin: SOAK_LIMIT_MB_PER_MIN,
  };
}
