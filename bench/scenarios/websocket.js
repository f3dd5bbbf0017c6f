// WebSocket rows: messages/s echoed through Keyward (API key checked at the upgrade, frames
// relayed both ways) against the same echo upstream called directly, in alternating rounds of
// one run; then Keyward's memory per open idle WebSocket, from its RSS with 5,000 of them open
// (each also holds its upstream socket). Run alone with `node bench/scenarios/websocket.js
// [--quick]` (after `npm run build`) to check these rows without the whole bench.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort, startProcess, watchOtherLoad } from '../lib/procs.js';
import { createKey, startKeyward } from './keyward.js';

const HUGE = 1_000_000_000;
const CONNECTIONS = 32;
const IN_FLIGHT = 4;
const IDLE_SOCKETS = 5000;
const MESSAGE = Buffer.alloc(64, 'm');

function wsConfig(dir, upstreamUrl) {
  return `server: { host: 127.0.0.1, port: 8080 }
storage: { url: "sqlite:${join(dir, 'keyward.db')}" }
log: { level: warn }
plans:
  bench: { limits: [{ requests: ${HUGE}, per: second }] }
routes:
  - name: ws
    path: /ws/*
    methods: [GET]
    auth: [apiKey]
    upstream: { url: "${upstreamUrl}", websocket: { maxConnections: 20000, idleTimeout: 1h } }
`;
}

function connect(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body}`)));
    });
  });
}

/** Echoed messages per second over `seconds`, CONNECTIONS sockets with IN_FLIGHT messages each. */
async function echoRate(url, headers, seconds) {
  const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(url, headers)));
  let echoed = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on('message', () => {
      echoed++;
      if (running) ws.send(MESSAGE);
    });
  }
  for (const ws of sockets) for (let i = 0; i < IN_FLIGHT; i++) ws.send(MESSAGE);
  await sleep(500); // warm-up
  const start = echoed;
  const started = performance.now();
  await sleep(seconds * 1000);
  const rate = ((echoed - start) * 1000) / (performance.now() - started);
  running = false;
  await Promise.all(sockets.map((ws) => new Promise((r) => ws.once('close', r) && ws.close())));
  return rate;
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Keyward's RSS growth per open idle WebSocket, in KiB. */
async function memoryPerSocket(url, headers, pid, log) {
  const warm = await Promise.all(Array.from({ length: 50 }, () => connect(url, headers)));
  for (const ws of warm) ws.close();
  await sleep(1000);
  const before = rssMb(pid);
  const sockets = [];
  for (let i = 0; i < IDLE_SOCKETS; i += 250) {
    sockets.push(...(await Promise.all(Array.from({ length: 250 }, () => connect(url, headers)))));
  }
  log(`${sockets.length} idle WebSockets open`);
  await sleep(2000);
  const after = rssMb(pid);
  for (const ws of sockets) ws.terminate();
  return { before, after, perSocketKb: ((after - before) * 1024) / sockets.length };
}

/** Runs the WebSocket rows; returns scenario entries for bench/run.js. */
export async function runWebSocket({ root, benchDir, work, nodeArgs = [], track = () => {}, log, quick }) {
  const port = await freePort();
  const upstream = startProcess(
    process.execPath,
    [join(benchDir, 'baselines', 'ws-upstream.js'), String(port)],
    {
      cwd: benchDir,
    },
  );
  track(upstream);
  const direct = `ws://127.0.0.1:${port}/echo`;
  for (let i = 0; ; i++) {
    try {
      (await connect(direct, {})).close();
      break;
    } catch (error) {
      if (i > 200) throw error;
      await sleep(20);
    }
  }
  const dir = join(work, 'keyward-ws');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'keyward.yaml');
  writeFileSync(config, wsConfig(dir, `http://127.0.0.1:${port}`));
  const key = await createKey(root, config);
  const keyward = await startKeyward(root, config, { nodeArgs });
  track(keyward.proc);
  const through = `${keyward.url.replace('http:', 'ws:')}/ws/echo`;
  const headers = { 'x-api-key': key };
  const seconds = quick ? 2 : 5;
  const rounds = quick ? 1 : 3;
  const best = { direct: 0, keyward: 0 };
  const otherLoad = watchOtherLoad(); // over all echo rounds: they alternate, so both sides share it
  try {
    for (let round = 1; round <= rounds; round++) {
      log(`websocket round ${round}/${rounds}: direct, then through Keyward`);
      best.direct = Math.max(best.direct, await echoRate(direct, {}, seconds));
      best.keyward = Math.max(best.keyward, await echoRate(through, headers, seconds));
    }
    const otherCores = otherLoad();
    log(`websocket memory: ${IDLE_SOCKETS} idle sockets through Keyward`);
    const memory = await memoryPerSocket(through, headers, keyward.proc.pid, log);
    return {
      'websocket-direct': {
        label: 'WebSocket echo upstream, direct (messages/s)',
        short: 'WS direct',
        role: 'baseline',
        throughput: { rps: best.direct, otherCores },
      },
      'keyward-websocket': {
        label: 'Keyward WebSocket: API key at upgrade, frames relayed (messages/s)',
        short: 'Keyward WS',
        role: 'keyward',
        baseline: 'websocket-direct',
        throughput: { rps: best.keyward, otherCores },
      },
      'keyward-websocket-idle': {
        label: `Keyward, ${IDLE_SOCKETS.toLocaleString('en-US')} idle WebSockets`,
        short: 'WS idle',
        role: 'keyward',
        note: `${memory.perSocketKb.toFixed(1)} KiB RSS per socket (${memory.before.toFixed(0)} → ${memory.after.toFixed(0)} MB)`,
        latency: { peakRssMb: memory.after },
      },
    };
  } finally {
    await keyward.proc.stop();
    await upstream.stop();
  }
}

// Alone: print the rows.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const work = mkdtempSync(join(tmpdir(), 'keyward-bench-ws-'));
  try {
    const rows = await runWebSocket({
      root: dirname(benchDir),
      benchDir,
      work,
      log: (line) => process.stderr.write(`bench: ${line}\n`),
      quick: process.argv.includes('--quick'),
    });
    for (const [id, row] of Object.entries(rows))
      console.log(id, row.throughput ? `${Math.round(row.throughput.rps)} msg/s` : row.note);
    const ratio = rows['keyward-websocket'].throughput.rps / rows['websocket-direct'].throughput.rps;
    console.log(`ratio ${ratio.toFixed(2)} (target ≥ 0.5) — noise on a busy machine`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
