// Times Keyward's own key verification (dist/auth/keys/verify.js KeyVerifier.verify) on a store,
// one key at a time: first every key in `keysFile` once (all cache misses: a SHA-256, an
// indexed SQLite lookup, row decoding), then the same keys again at once (cache hits).
// Runs as its own process; argv[2] is JSON { distDir, config, keysFile, count }.
import { readFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';

const o = JSON.parse(process.argv[2]);
const dist = (path) => import(new URL(path, `file://${o.distDir}/`));
const { resolveConfig } = await dist('cli/config-source.js');
const { openStore } = await dist('store/db.js');
const { KeyVerifier } = await dist('auth/keys/verify.js');
const { systemClock } = await dist('clock.js');

const { compiled } = resolveConfig(o.config);
const store = await openStore(compiled.storageUrl, { migrate: false });
const service = new KeyVerifier(store.apiKeys, {
  prefix: compiled.apiKeys.prefix,
  clock: systemClock,
  cacheSize: o.count * 2,
  cacheTtlMs: 60_000,
});
const keys = readFileSync(o.keysFile, 'utf8').split('\n').filter(Boolean).slice(0, o.count);
const caller = { origin: undefined, ip: '127.0.0.1' };

async function pass() {
  const histogram = createHistogram();
  let failures = 0;
  for (const key of keys) {
    const t = process.hrtime.bigint();
    const result = await service.verify(key, caller);
    histogram.record(Number(process.hrtime.bigint() - t) || 1);
    if (!result.ok) failures++;
  }
  const ms = (p) => histogram.percentile(p) / 1e6;
  return { count: histogram.count, failures, p50Ms: ms(50), p99Ms: ms(99), maxMs: histogram.max / 1e6 };
}

const misses = await pass();
const hits = await pass();
await service.close();
await store.close();
process.stdout.write(`${JSON.stringify({ misses, hits })}\n`);
