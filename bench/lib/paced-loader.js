// Open-loop loader (wrk2-style), run as its own process: sends GETs at a fixed rate whatever
// the answers do, so a stalled server is charged for the requests it delays (no coordinated
// omission). Reports latency from when each request was handed to the pool (p50Ms, p99Ms: a
// request queued behind a busy connection still counts its wait) and, as `corrected`, from when
// it was due — which also includes this VM's timer jitter (setInterval(1) is late by ~3 ms at
// p99 here), so the first is the one compared. Prints one JSON line and exits.
// argv[2]: {"url","rate","seconds","warmup","connections","headers","keysFile","keyHeader"}
import { readFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { Pool } from 'undici';

const o = JSON.parse(process.argv[2]);
const url = new URL(o.url);
const pool = new Pool(url.origin, { connections: o.connections ?? 64, pipelining: 1 });
const keys = o.keysFile ? readFileSync(o.keysFile, 'utf8').split('\n').filter(Boolean) : null;
const histogram = createHistogram(); // from when each request was due (wrk2's corrected latency)
const service = createHistogram(); // from when it was handed to the connection pool
const path = url.pathname + url.search;
const intervalMs = 1000 / o.rate;
const measuredFrom = (o.warmup ?? 1) * 1000;
const total = Math.round(o.rate * ((o.warmup ?? 1) + o.seconds));
let issued = 0;
let finished = 0;
let errors = 0;
let keyIndex = 0;

function send(dueAt) {
  const sentAt = performance.now();
  const headers = { ...o.headers };
  if (keys) headers[o.keyHeader ?? 'x-api-key'] = keys[keyIndex++ % keys.length];
  pool.request({ path, method: 'GET', headers }).then(
    async (res) => {
      await res.body.dump({ limit: Number.POSITIVE_INFINITY });
      done(dueAt, sentAt, res.statusCode < 200 || res.statusCode >= 400);
    },
    () => done(dueAt, sentAt, true),
  );
}

function done(dueAt, sentAt, failed) {
  const now = performance.now();
  if (failed) errors++;
  if (dueAt - start >= measuredFrom) {
    histogram.record(Math.max(1, Math.round((now - dueAt) * 1e6)));
    service.record(Math.max(1, Math.round((now - sentAt) * 1e6)));
  }
  if (++finished === total) report();
}

function report() {
  const ms = (h, p) => h.percentile(p) / 1e6;
  process.stdout.write(
    `${JSON.stringify({
      rate: o.rate,
      requests: histogram.count,
      errors,
      p50Ms: ms(service, 50),
      p90Ms: ms(service, 90),
      p99Ms: ms(service, 99),
      p999Ms: ms(service, 99.9),
      maxMs: service.max / 1e6,
      corrected: { p50Ms: ms(histogram, 50), p99Ms: ms(histogram, 99), maxMs: histogram.max / 1e6 },
    })}\n`,
  );
  pool.close().finally(() => process.exit(0));
}

const start = performance.now();
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
  while (issued < due) send(start + issued++ * intervalMs);
  if (issued === total) clearInterval(timer);
}, 1);
// Never outlive the run by much, whatever the server does.
setTimeout(
  () => {
    process.stderr.write(`paced loader: ${total - finished} requests still open at the deadline\n`);
    report();
  },
  ((o.warmup ?? 1) + o.seconds + 15) * 1000,
).unref();
