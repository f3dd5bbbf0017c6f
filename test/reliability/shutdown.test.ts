/**
 * SIGTERM under load: a real `keyward start` with 40 proxied requests in flight on kept-alive
 * connections (the upstream takes 600 ms to answer each). Every one of them completes with 200,
 * none is reset, the process exits 0, and new connections are refused once it has stopped.
 */
import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type KeywardProcess, startKeyward } from '../helpers/process-gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let proc: KeywardProcess | undefined;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream?.close());
afterEach(() => proc?.cleanup());

function get(agent: Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('SIGTERM under load: every in-flight request completes, zero resets, exit 0', async () => {
  proc = await startKeyward(
    `routes:\n  - { name: slow, path: /slow/*, auth: [none], upstream: { url: "${upstream.url}", timeout: 10s } }\n`,
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 40 });
  // Warm the connections first, so the in-flight requests ride kept-alive sockets.
  await Promise.all(Array.from({ length: 40 }, () => get(agent, proc!.port, '/slow/status?code=204')));
  const before = upstream.received.length;
  const inFlight = Array.from({ length: 40 }, (_, i) =>
    get(agent, proc!.port, `/slow/slow?ms=600&i=${i}`).then(
      (res) => ({ ok: true as const, ...res }),
      (error: NodeJS.ErrnoException) => ({ ok: false as const, code: error.code ?? String(error) }),
    ),
  );
  await expect.poll(() => upstream.received.length - before, { timeout: 5000, interval: 10 }).toBe(40);
  proc.child.kill('SIGTERM');
  const results = await Promise.all(inFlight);
  const failures = results.filter((r) => !r.ok || r.status !== 200);
  expect(failures).toEqual([]);
  expect(await proc.exited).toBe(0);
  agent.destroy();
  await expect(fetch(`${proc.base}/healthz`)).rejects.toThrow();
}, 60_000);
