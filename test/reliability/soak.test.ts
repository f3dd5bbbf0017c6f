/**
 * A bounded soak: a real `keyward start` under a fixed request rate on loopback (open loop: the
 * schedule does not wait for answers) for KEYWARD_SOAK_SECONDS (20 s by default, CI's budget),
 * with a mix of proxied calls, built-in service calls and refused keys. Its resident memory is
 * sampled every second. Passes when nothing failed or answered 5xx and memory shows no growth
 * trend: the median of the last third of the samples is within 15 % (and 24 MB) of the middle
 * third's (the first third is warm-up). p50/p99 latency and the memory series are printed, not
 * asserted: speed goals belong to the benchmarks.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type KeywardProcess, startKeyward } from '../helpers/process-gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const SECONDS = Number(process.env.KEYWARD_SOAK_SECONDS ?? 20);
const RATE = 150; // requests per second
let upstream: TestUpstream;
let proc: KeywardProcess | undefined;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream?.close());
afterEach(() => proc?.cleanup());

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] as number;

test(
  `soak: ${RATE} req/s for ${SECONDS} s — no 5xx, no errors, no memory growth trend`,
  async () => {
    proc = await startKeyward(
      `routes:
  - { name: api, path: /api/*, auth: [apiKey], upstream: { url: "${upstream.url}" } }
services:
  time: { path: /v1/time, auth: [apiKey] }
`,
    );
    const p = proc;
    const created = await p.call('/admin/v1/keys', {
      method: 'POST',
      headers: { 'x-api-key': p.adminKey, 'content-type': 'application/json' },
      body: '{"name":"soak"}',
    });
    const { key } = JSON.parse(created.text) as { key: string };
    p.capture.plant(key, 'api key');
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const targets = [
      { path: '/api/echo?n=1', headers: { 'x-api-key': key }, status: 200 },
      { path: '/v1/time', headers: { 'x-api-key': key }, status: 200 },
      { path: '/v1/time?tz=Europe/Paris', headers: { 'x-api-key': key }, status: 200 },
      { path: '/api/echo', headers: { 'x-api-key': 'kw_not_a_real_key' }, status: 401 },
    ];
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    const errors: string[] = [];
    const one = (i: number) =>
      new Promise<void>((resolve) => {
        const target = targets[i % targets.length] as (typeof targets)[number];
        const started = performance.now();
        const req = request(
          { host: '127.0.0.1', port: p.port, path: target.path, headers: target.headers, agent },
          (res) => {
            res.resume();
            res.on('end', () => {
              latencies.push(performance.now() - started);
              statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
              if (res.statusCode !== target.status) errors.push(`${target.path}: ${res.statusCode}`);
              resolve();
            });
          },
        );
        req.on('error', (error) => {
          errors.push(String(error));
          resolve();
        });
        req.end();
      });

    const memory: number[] = [];
    const pending: Promise<void>[] = [];
    const started = Date.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      // Every 20 ms, send whatever the schedule says is due by now (open loop).
      const tick = setInterval(() => {
        const elapsed = (Date.now() - started) / 1000;
        const due = Math.min(Math.floor(elapsed * RATE), SECONDS * RATE);
        while (sent < due) pending.push(one(sent++));
        if (elapsed >= SECONDS) {
          clearInterval(tick);
          clearInterval(sampler);
          resolve();
        }
      }, 20);
      const sampler = setInterval(() => memory.push(rssMb(p.child.pid as number)), 1000);
    });
    await Promise.all(pending);
    agent.destroy();

    const third = Math.floor(memory.length / 3);
    const middle = median(memory.slice(third, 2 * third));
    const last = median(memory.slice(2 * third));
    console.log(
      `soak: ${sent} requests in ${SECONDS} s, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, ` +
        `RSS MB ${memory.map((m) => m.toFixed(0)).join(' ')}`,
    );
    expect(errors.slice(0, 5)).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(latencies.length).toBe(SECONDS * RATE);
    expect(last - middle).toBeLessThan(Math.max(24, middle * 0.15));
  },
  (SECONDS + 60) * 1000,
);
