/**
 * Streams through the proxy with a real Server-Sent Events upstream. The long test takes about
 * 45 s on purpose (an event every 10 s, longer than every timeout but the stream's own idle
 * limit); the others run beside it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const SECRET = 'sse_live_7c6b5a4f3e2d1c0b';
const MASTER = randomBytes(32).toString('base64');
let upstream: Server;
let upstreamUrl: string;
/** Paths whose response the caller abandoned before it ended. */
const abandoned: string[] = [];
let gw: TestGateway;
let port: number;

/** SSE: `/events?every=MS&count=N` sends N events MS apart (each echoes the token, split over two writes), then ends. */
function sse(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://u');
  const every = Number(url.searchParams.get('every'));
  const count = Number(url.searchParams.get('count'));
  const token = url.searchParams.get('token') ?? '';
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders(); // as SSE servers do: the headers now, the first event later
  res.on('close', () => {
    if (!res.writableFinished) abandoned.push(url.pathname);
  });
  let sent = 0;
  const timer = setInterval(() => {
    sent++;
    // The token straddles two writes, so masking must work across chunks.
    res.write(`id: ${sent}\ndata: tick ${sent} token=${token.slice(0, 7)}`);
    setTimeout(() => {
      res.write(`${token.slice(7)}\n\n`);
      if (sent === count) {
        clearInterval(timer);
        setTimeout(() => res.end(), every / 2);
      }
    }, 20);
  }, every);
  res.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://u').pathname;
    if (path === '/events' || path === '/abandon') return sse(req, res);
    if (path === '/stall') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      return; // then nothing, ever
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await createTestGateway({
    env: { MK: MASTER, UP: upstreamUrl },
    yaml: `
secrets: { masterKey: "\${MK}" }
server: { requestTimeout: 2s }
routes:
  - name: live
    path: /live/*
    methods: [GET]
    auth: [apiKey]
    upstream:
      url: "\${UP}"
      timeout: 3s
      streamIdleTimeout: 15s
      inject: { query: { token: "\${secret:sse}" } }
  - name: impatient
    path: /impatient/*
    methods: [GET]
    auth: [apiKey]
    upstream: { url: "\${UP}", timeout: 5s, streamIdleTimeout: 1s }
`,
  });
  await gw.secrets.set('sse', SECRET, { id: 'test' });
  port = Number(new URL(await gw.listen()).port);
});
afterAll(async () => {
  await gw.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

interface StreamRead {
  status: number;
  headersAt: number;
  /** Each event and when it arrived (ms after the request). */
  events: { text: string; at: number }[];
  outcome: 'ended' | 'cut';
  at: number;
}

/** Reads an SSE response event by event, timing each; `stopAfter` hangs up after that many. */
function readStream(path: string, stopAfter = Number.POSITIVE_INFINITY): Promise<StreamRead> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { 'x-api-key': key } }, (res) => {
      const read: StreamRead = {
        status: res.statusCode ?? 0,
        headersAt: Date.now() - started,
        events: [],
        outcome: 'cut',
        at: 0,
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          read.events.push({ text: buffer.slice(0, end), at: Date.now() - started });
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        if (read.events.length >= stopAfter) {
          req.destroy();
          resolve({ ...read, at: Date.now() - started });
        }
      });
      res.on('end', () => resolve({ ...read, outcome: 'ended', at: Date.now() - started }));
      res.on('error', () => resolve({ ...read, outcome: 'cut', at: Date.now() - started }));
      res.on('aborted', () => resolve({ ...read, outcome: 'cut', at: Date.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

let key: string;
beforeAll(async () => {
  key = (await gw.keys.create({ name: 'stream reader' }, { id: 'test' })).key;
});

describe.concurrent('streams', () => {
  test('an SSE stream with an event every 10 s for 45 s flows unbuffered, uncut, with the secret masked', async () => {
    const read = await readStream('/live/events?every=10000&count=4');
    expect(read.status).toBe(200);
    // Headers at once, not with the first event 10 s later.
    expect(read.headersAt).toBeLessThan(5000);
    expect(read.events.map((e) => e.text.split('\n')[0])).toEqual(['id: 1', 'id: 2', 'id: 3', 'id: 4']);
    // Each event as it happens: ~10 s apart, not all at the end.
    read.events.forEach((e, i) => {
      expect(e.at).toBeGreaterThan(10_000 * (i + 1) - 500);
      expect(e.at).toBeLessThan(10_000 * (i + 1) + 4000);
    });
    for (const e of read.events) {
      expect(e.text).not.toContain(SECRET);
      expect(e.text).not.toContain(SECRET.slice(7));
      expect(e.text).toContain(`token=${'*'.repeat(SECRET.length)}`);
    }
    // Longer than requestTimeout (2s) and the upstream timeout (3s): the stream ended by itself.
    expect(read.outcome).toBe('ended');
    expect(read.at).toBeGreaterThan(44_000);
  }, 70_000);

  test('a stream silent past its streamIdleTimeout is cut', async () => {
    const read = await readStream('/impatient/stall');
    expect(read.status).toBe(200);
    expect(read.events.map((e) => e.text)).toEqual(['data: first']);
    expect(read.outcome).toBe('cut');
    expect(read.at).toBeGreaterThanOrEqual(900);
    expect(read.at).toBeLessThan(8000);
  });

  test('a caller hanging up aborts the upstream stream', async () => {
    const read = await readStream('/live/abandon?every=200&count=1000', 2);
    expect(read.events.length).toBe(2);
    await expect.poll(() => abandoned.includes('/abandon'), { timeout: 5000 }).toBe(true);
  });
});
