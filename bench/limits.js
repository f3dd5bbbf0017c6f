#!/usr/bin/env node
// What a limit decision costs on each backend, without HTTP around it: a request's three
// checks (the bench plan's per-second and per-day limits and a per-minute route limit) decided
// by 32 concurrent callers for a few seconds, in this process (local), through the primary of
// `--workers` over cluster IPC, and in Redis — each once asked per request (limits under 1,000,
// which are never leased) and once leased (the bench's huge limits). Prints decisions a second
// and CPU per decision summed over every process involved (caller, primary, redis-server).
// Run: npm run bench:limits (or npm run build && npx node bench/limits.js [--seconds=3])
import cluster from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, processTree } from './lib/procs.js';

const dist = new URL('../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { LocalLimiter } = await load('limits/backends/local.js');
const { LeasingBackend } = await load('limits/backends/leasing.js');
const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 3);

const HUGE = 1e9;
/** The bench's three checks: huge, so nothing is refused and every count moves. */
const CHECKS = [
  { id: 'plan:bench:0:key', name: 'second', policy: { requests: HUGE, per: 'second' } },
  { id: 'plan:bench:1:key', name: 'day', policy: { requests: HUGE * 1000, per: 'day' } },
  { id: 'route:api:0:key', name: 'minute', policy: { requests: HUGE, per: 'minute' } },
];
const DAY_MS = 86_400_000;
/** The checks as items asking for no lease: the cost of deciding every request at the authority. */
function unleased() {
  const start = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return CHECKS.map((check) => ({
    check,
    want: 0,
    phantom: 0,
    periodStart: start,
    periodEnd: start + DAY_MS,
  }));
}

/** Runs `decide` from 32 concurrent loops for `seconds`; returns decisions/s and CPU µs each. */
async function measure(decide, pids) {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const cpuBefore = cpuSeconds(pids());
  const started = performance.now();
  const loop = async () => {
    while (performance.now() < end) {
      const d = decide();
      if (d instanceof Promise) await d;
      else if (done % 64 === 0) await new Promise((r) => setImmediate(r));
      done++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pids()) - cpuBefore;
  return { perSecond: Math.round(done / elapsed), cpuUsPerDecision: Number(((cpu * 1e6) / done).toFixed(1)) };
}

async function localRows() {
  const limiter = new LocalLimiter();
  return {
    'local (one process)': await measure(
      () => limiter.consume(CHECKS, Date.now()),
      () => [process.pid],
    ),
  };
}

async function primaryRows() {
  const { RpcClient } = await load('ipc/rpc.js');
  const { PrimaryAuthority } = await load('limits/backends/primary.js');
  const rpc = new RpcClient(process);
  const authority = new PrimaryAuthority(rpc);
  const tree = () => processTree(process.ppid);
  const items = unleased();
  const backend = new LeasingBackend({ authority });
  return {
    'primary, asked per request': await measure(() => authority.acquire(items, Date.now()), tree),
    'primary, leased': await measure(() => backend.consume(CHECKS, Date.now()), tree),
  };
}

async function redisRows() {
  const { startRedisServer } = await import('./scenarios/redis.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { RedisConnection } = await load('redis/connection.js');
  const { RedisAuthority } = await load('limits/backends/redis.js');
  const work = mkdtempSync(join(tmpdir(), 'keyward-bench-limits-'));
  const redis = await startRedisServer(work);
  if (!redis) return { redis: 'skipped: redis-server not installed' };
  const connection = new RedisConnection(redis.url);
  try {
    await connection.waitUntilUp(5000);
    const durable = { load: async () => new Map(), add: async () => new Map() };
    const authority = new RedisAuthority({ client: connection.client, isUp: () => connection.up, durable });
    const pids = () => [process.pid, redis.proc.pid];
    const items = unleased();
    const backend = new LeasingBackend({ authority, durable });
    return {
      'redis, asked per request': await measure(() => authority.acquire(items), pids),
      'redis, leased': await measure(() => backend.consume(CHECKS, Date.now()), pids),
    };
  } finally {
    await connection.close();
    await redis.proc.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (cluster.isPrimary) {
  const { primaryLimitHandlers } = await load('limits/backends/primary.js');
  const { RpcServer } = await load('ipc/rpc.js');
  const rows = { ...(await localRows()), ...(await redisRows()) };
  const worker = cluster.fork();
  new RpcServer(
    worker,
    primaryLimitHandlers(new LocalLimiter(), () => Date.now()),
  );
  const fromWorker = await new Promise((resolve) => worker.on('message', (m) => m?.rows && resolve(m.rows)));
  worker.kill();
  console.log(`limit decisions, 3 checks each, 32 concurrent callers, ${seconds} s per row`);
  console.table({ ...rows, ...fromWorker });
  process.exit(0);
} else {
  await sleep(100);
  process.send({ rows: await primaryRows() });
}
