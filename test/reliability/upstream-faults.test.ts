/**
 * Upstreams that fail: one that accepts the connection and never answers is 504 at the route's
 * timeout (1 s), one that answers its headers and then hangs mid-body is cut at the timeout, one
 * that refuses connections is 502 at once — and while they hang, other routes answer normally.
 * (A flapping upstream and its circuit breaker are tested in test/proxy/targets.test.ts.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let blackhole: Server;
const held: Socket[] = [];
let gw: TestGateway;
let base: string;

beforeAll(async () => {
  upstream = await startUpstream();
  // Accepts connections, reads requests, never writes a byte.
  blackhole = createServer((socket) => {
    held.push(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const hole = `http://127.0.0.1:${(blackhole.address() as { port: number }).port}`;
  const closedPort = await freePort();
  gw = await createTestGateway({
    env: { UP: upstream.url, HOLE: hole, CLOSED: `http://127.0.0.1:${closedPort}` },
    yaml: `
routes:
  - { name: hanging, path: /hanging/*, auth: [none], upstream: { url: "\${HOLE}", timeout: 1s } }
  - { name: stalling, path: /stalling/*, auth: [none], upstream: { url: "\${UP}", timeout: 1s } }
  - { name: refused, path: /refused/*, auth: [none], upstream: { url: "\${CLOSED}", timeout: 1s } }
  - { name: healthy, path: /healthy/*, auth: [none], upstream: { url: "\${UP}" } }
`,
  });
  base = await gw.listen();
});
afterAll(async () => {
  await gw?.close();
  for (const socket of held) socket.destroy();
  blackhole?.close();
  await upstream?.close();
});

async function timedFetch(path: string) {
  const started = Date.now();
  const res = await fetch(`${base}${path}`);
  const text = await res.text().catch(() => null);
  return { status: res.status, text, ms: Date.now() - started };
}

describe('upstream faults', () => {
  test('an upstream that never answers is 504 at the timeout, while others are served', async () => {
    const hanging = timedFetch('/hanging/x');
    const others: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await timedFetch('/healthy/echo');
      expect(res.status).toBe(200);
      others.push(res.ms);
    }
    const result = await hanging;
    expect(result.status).toBe(504);
    expect(JSON.parse(result.text ?? '{}').code).toBe('KW_ERR_UPSTREAM_TIMEOUT');
    expect(result.ms).toBeGreaterThanOrEqual(950);
    expect(result.ms).toBeLessThan(3000);
    expect(Math.max(...others)).toBeLessThan(900);
  });

  test('an upstream that stalls mid-body is cut at the timeout, not held open', async () => {
    const result = await timedFetch('/stalling/stall');
    expect(result.status).toBe(200);
    // The body was cut: the client saw an aborted stream, not a complete one.
    expect(result.text).toBeNull();
    expect(result.ms).toBeLessThan(3000);
  });

  test('a refused connection is 502 at once', async () => {
    const result = await timedFetch('/refused/x');
    expect(result.status).toBe(502);
    expect(JSON.parse(result.text ?? '{}').code).toBe('KW_ERR_UPSTREAM_FAILED');
    expect(result.ms).toBeLessThan(900);
  });
});
