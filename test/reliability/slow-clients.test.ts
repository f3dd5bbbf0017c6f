/**
 * Slowloris: clients that trickle their headers or their body are cut near `requestTimeout`
 * (1 s here) with a 408, on parsed routes and proxy routes alike, the upstream call of a proxied
 * trickle is released, and other clients are served normally meanwhile. A response already sent
 * is never followed by a stray 408 on the same connection.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const TIMEOUT_MS = 1000;
let upstream: TestUpstream;
let gw: TestGateway;
let port: number;
let key: string;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { UP: upstream.url },
    yaml: `
server: { requestTimeout: 1s }
routes:
  - { name: open, path: /open/*, auth: [none], upstream: { url: "\${UP}" } }
  - { name: keyed, path: /keyed/*, auth: [apiKey], upstream: { url: "\${UP}" } }
services:
  primes: { path: /v1/primes, auth: [none] }
`,
  });
  key = (await gw.keys.create({ name: 'patient client' }, { id: 'test' })).key;
  port = Number(new URL(await gw.listen()).port);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

interface Trickle {
  /** Everything the gateway wrote, in order. */
  answer: string;
  /** When the gateway closed the connection, ms after the first byte was sent. */
  closedAfterMs: number;
}

/** Sends `head` at once, then `drip` every 200 ms until the gateway closes the connection. */
function trickle(head: string, drip: string): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    const timer = setInterval(() => socket.writable && socket.write(drip), 200);
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after 10 s; got ${JSON.stringify(answer.slice(0, 200))}`));
    }, 10_000);
  });
}

/** Meanwhile, an ordinary client is served: every request answers, each well within the timeout. */
async function othersServedDuring(work: Promise<Trickle>): Promise<Trickle> {
  const latencies: number[] = [];
  let done = false;
  const result = work.finally(() => {
    done = true;
  });
  while (!done) {
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    latencies.push(Date.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(latencies.length).toBeGreaterThan(3);
  expect(Math.max(...latencies)).toBeLessThan(TIMEOUT_MS);
  return result;
}

const cutNearTimeout = (closedAfterMs: number) => {
  expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  // The timeout plus Node's 1 s connection check, with room for a loaded machine.
  expect(closedAfterMs).toBeLessThan(TIMEOUT_MS + 2500);
};

describe('slowloris', () => {
  test.each([
    ['headers, one line at a time', 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'],
    [
      'a parsed JSON body, one byte at a time',
      'POST /v1/primes/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      ' ',
    ],
    [
      'a proxied body with Content-Length, one byte at a time',
      'POST /open/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nx',
      'x',
    ],
    [
      'a proxied chunked body, one chunk at a time',
      'POST /open/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n',
      '1\r\nx\r\n',
    ],
  ])('%s: 408 near requestTimeout, others unaffected', async (_name, head, drip) => {
    const { answer, closedAfterMs } = await othersServedDuring(trickle(head, drip));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"KW_ERR_REQUEST_TIMEOUT"');
    cutNearTimeout(closedAfterMs);
  });

  test('the upstream call of a trickled proxied body is released with it', async () => {
    const before = upstream.abandoned.length;
    await trickle(
      'POST /open/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nx',
      'x',
    );
    await expect.poll(() => upstream.abandoned.length, { timeout: 2000, interval: 20 }).toBe(before + 1);
    expect(upstream.abandoned.at(-1)).toBe('/upload');
  });

  test('an answer sent before the body ended is not followed by a stray 408', async () => {
    // No key: the 401 goes out at once while the body is still trickling in.
    const { answer, closedAfterMs } = await trickle(
      'POST /keyed/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nx',
      'x',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(closedAfterMs).toBeLessThan(TIMEOUT_MS + 2500);
  });

  test('a patient client with a key is served normally', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/keyed/upload`, {
      method: 'POST',
      headers: { 'x-api-key': key },
      body: 'x'.repeat(1000),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { bytes: number }).bytes).toBe(1000);
  });
});
