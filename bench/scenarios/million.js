// The 1,000,000-key store: seed it (seed-keys.js), time a cold start to /readyz, load the
// gateway with a different key on every request (so the key cache misses and per-key state
// grows as it would with many customers), measure its peak RSS, then time Keyward's own
// verification of 20,000 distinct keys in a separate process (verify-misses.js). With --soak,
// the same gateway then takes 60 s of paced load over a fixed set of 1,000 keys. Then the same
// store under a memory budget (`server.memory`, the smallest accepted): the same throughput
// round, its peak RSS and its req/s as a ratio of the unbudgeted run (`million.budgeted`).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureLatency } from '../lib/paced.js';
import { measureThroughput } from '../lib/wrk.js';
import { prepareKeyward, startKeyward } from './keyward.js';
import { runSoak } from './soak.js';

const runNode = (script, options, timeoutMs) =>
  JSON.parse(
    execFileSync(process.execPath, [script, JSON.stringify(options)], {
      encoding: 'utf8',
      timeout: timeoutMs,
    }),
  );

/** The budget the budgeted run gets: the smallest `server.memory` Keyward accepts. */
const BUDGET = '192mb';

/**
 * Seeds `count` keys into the migrated store in `dir` (seed-keys.js, in a process of its own),
 * with a sample of their plaintexts in `keysFile`; returns { admin, seconds }.
 */
export function seedStore({ root, benchDir, dir, count, keysFile }, timeoutMs) {
  const options = {
    distDir: join(root, 'dist'),
    dbPath: join(dir, 'keyward.db'),
    count,
    prefix: 'kw',
    plan: 'bench',
    sample: 100_000,
    keysFile,
  };
  return runNode(join(benchDir, 'scenarios/seed-keys.js'), options, timeoutMs);
}

/** Writes a copy of `config` with `server.memory: size` beside it; returns its path. */
export function budgetedConfig(config, size) {
  const file = config.replace(/\.yaml$/, `-${size}.yaml`);
  writeFileSync(file, readFileSync(config, 'utf8').replace('server: { ', `server: { memory: ${size}, `));
  return file;
}

/** The throughput round again, on a gateway started with `server.memory: BUDGET`. */
async function runBudgeted(root, config, keysFile, { tp, nodeArgs, track }) {
  const budgeted = budgetedConfig(config, BUDGET);
  const gateway = await startKeyward(root, budgeted, { nodeArgs });
  track(gateway.proc);
  try {
    const throughput = await measureThroughput(`${gateway.url}/api/hello`, gateway.proc.pid, {
      ...tp,
      keysFile,
    });
    return { budget: BUDGET, throughput, peakRssMb: throughput.peakRssMb };
  } finally {
    await gateway.proc.stop();
  }
}

/** Returns { million, soak? } result entries for the table. */
export async function runMillion({
  root,
  benchDir,
  work,
  upstreamUrl,
  count,
  tp,
  lat,
  soak,
  nodeArgs,
  track,
  log,
}) {
  const dir = join(work, 'million');
  const config = await prepareKeyward(root, dir, upstreamUrl);
  const keysFile = join(dir, 'keys.txt');
  log(`seeding ${count.toLocaleString('en-US')} keys into SQLite`);
  const seeded = seedStore({ root, benchDir, dir, count, keysFile }, 600_000);
  log(`${count.toLocaleString('en-US')} keys: start-up, then every request a different key`);
  const million = { seedSeconds: seeded.seconds };
  const result = { million };
  const gateway = await startKeyward(root, config, { nodeArgs });
  track(gateway.proc);
  try {
    million.startupMs = gateway.startupMs;
    million.throughput = await measureThroughput(`${gateway.url}/api/hello`, gateway.proc.pid, {
      ...tp,
      keysFile,
    });
    million.latency = await measureLatency(`${gateway.url}/api/hello`, gateway.proc.pid, {
      ...lat,
      keysFile,
    });
    if (soak) {
      log('soak: 60 s at 2000 req/s over a fixed set of 1,000 keys, RSS sampled every second');
      const soakKeys = join(dir, 'soak-keys.txt');
      writeFileSync(soakKeys, `${readFileSync(keysFile, 'utf8').split('\n').slice(0, 1000).join('\n')}\n`);
      result.soak = await runSoak(gateway.url, gateway.proc.pid, soakKeys, seeded.admin);
    }
  } finally {
    await gateway.proc.stop();
  }
  log(`the same store under server.memory: ${BUDGET}`);
  million.budgeted = await runBudgeted(root, config, keysFile, { tp, nodeArgs, track });
  million.budgeted.rpsRatio = million.budgeted.throughput.rps / million.throughput.rps;
  log('cache-miss verification on the same store');
  million.verify = runNode(
    join(benchDir, 'scenarios/verify-misses.js'),
    { distDir: join(root, 'dist'), config, keysFile, count: 20_000 },
    120_000,
  );
  return result;
}
