import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { startWsUpstream, type WsUpstream } from '../helpers/ws-upstream.js';

const MASTER = randomBytes(32).toString('base64');
const FEED_TOKEN = 'feed_live_0a9b8c7d6e5f4a3b';
let upstream: WsUpstream;
let idp: JwksServer;
let gw: TestGateway;
let wsBase: string;
let key: string;
let keyId: string;
let readerOnly: string;

beforeAll(async () => {
  upstream = await startWsUpstream();
  idp = await startJwksServer();
  gw = await createTestGateway({
    env: { MK: MASTER, UP: upstream.url, ISS: idp.issuer, JWKS: idp.jwksUri },
    yaml: `
secrets: { masterKey: "\${MK}" }
server: { requestTimeout: 1s }
auth:
  jwt:
    providers:
      - { name: idp, issuer: "\${ISS}", jwksUri: "\${JWKS}", audience: https://api.example.com, clockSkew: 0s }
routes:
  - name: signed
    path: /signed/*
    methods: [GET]
    auth: [jwt]
    upstream: { url: "\${UP}", websocket: { idleTimeout: 1h } }
  - name: feed
    path: /feed/*
    methods: [GET]
    auth: [apiKey]
    roles: [trader]
    cors: { origins: ["https://app.example.com"] }
    upstream:
      url: "\${UP}/v1"
      websocket: { maxConnections: 20, maxConnectionsPerKey: 10, idleTimeout: 1500ms, maxMessageSize: 8mb }
      inject:
        query: { token: "\${secret:feed}" }
        header: { X-Feed-Auth: "Bearer \${secret:feed}" }
  - name: tiny
    path: /tiny/*
    methods: [GET]
    auth: [apiKey]
    rateLimit: [{ requests: 2, per: minute, by: key }]
    upstream: { url: "\${UP}", websocket: { maxConnections: 1 } }
  - name: nowhere
    path: /nowhere/*
    methods: [GET]
    auth: [apiKey]
    upstream: { url: "http://127.0.0.1:9", websocket: true, connectTimeout: 1s }
  - name: plain
    path: /plain/*
    methods: [GET]
    auth: [apiKey]
    upstream: { url: "\${UP}" }
`,
  });
  await gw.secrets.set('feed', FEED_TOKEN, { id: 'test' });
  const created = await gw.keys.create({ name: 'trader', roles: ['trader'] }, { id: 'test' });
  key = created.key;
  keyId = created.record.id;
  readerOnly = (await gw.keys.create({ name: 'reader', roles: ['reader'] }, { id: 'test' })).key;
  wsBase = (await gw.listen()).replace('http:', 'ws:');
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  await idp.close();
});

interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: { code?: string; status?: number; detail?: string };
}

/** Opens a WebSocket through the gateway; rejects with the HTTP refusal when there is one. */
function open(
  path: string,
  options: {
    headers?: Record<string, string>;
    protocols?: string[];
    onUpgrade?: (res: IncomingMessage) => void;
  } = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}${path}`, options.protocols ?? [], {
      headers: options.headers ?? { 'x-api-key': key },
    });
    if (options.onUpgrade) ws.once('upgrade', options.onUpgrade);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d;
      });
      res.on('end', () =>
        reject({
          status: res.statusCode,
          headers: res.headers,
          body: res.headers['content-type']?.includes('json') ? JSON.parse(text) : { detail: text },
        } as Refusal),
      );
    });
    ws.once('error', reject);
  });
}

function refusal(promise: Promise<WebSocket>): Promise<Refusal> {
  return promise.then(
    (ws) => {
      ws.terminate();
      throw new Error('the upgrade was accepted');
    },
    (error: Refusal) => error,
  );
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    ws.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })),
  );
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

const lastHandshake = () => upstream.handshakes[upstream.handshakes.length - 1];

describe('WebSocket proxying behind a key', () => {
  test('frames go both ways; the upstream gets the injected secret and never the caller credentials', async () => {
    let upgradeHeaders: IncomingMessage['headers'] = {};
    const ws = await open('/feed/prices?symbol=EURUSD', {
      headers: { 'x-api-key': key, cookie: 'sid=browser', origin: 'https://app.example.com' },
      protocols: ['prices.v2', 'prices.v1'],
      onUpgrade: (res) => {
        upgradeHeaders = res.headers;
      },
    });
    expect(ws.protocol).toBe('prices.v2');
    expect(upgradeHeaders['x-request-id']).toMatch(/.+/);
    const seen = lastHandshake();
    expect(seen?.url).toBe(`/v1/prices?symbol=EURUSD&token=${FEED_TOKEN}`);
    expect(seen?.headers['x-feed-auth']).toBe(`Bearer ${FEED_TOKEN}`);
    expect(seen?.headers['x-api-key']).toBeUndefined();
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-request-id']).toBe(upgradeHeaders['x-request-id']);

    ws.send('hello');
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('hello'), isBinary: false });
    const bytes = randomBytes(100_000);
    ws.send(bytes);
    expect(await nextMessage(ws)).toEqual({ data: bytes, isBinary: true });
    ws.close(1000);
    await closed(ws);
  });

  test('a secret the upstream echoes back is masked', async () => {
    const ws = await open('/feed/echo');
    ws.send('leak');
    const { data } = await nextMessage(ws);
    expect(data.toString()).not.toContain(FEED_TOKEN);
    expect(data.toString()).toContain('*'.repeat(FEED_TOKEN.length));
    ws.close();
    await closed(ws);
  });

  test('a burst of pipelined messages (relayed in batches) arrives whole, in order, still masked', async () => {
    const ws = await open('/feed/echo');
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer) => {
        received.push(data.toString());
        if (received.length === 500) resolve();
      }),
    );
    const sent = Array.from({ length: 500 }, (_, i) => (i % 50 === 7 ? 'leak' : `message ${i}`));
    for (const text of sent) ws.send(text);
    await all;
    // The upstream answers `leak` with its handshake's query, which holds the injected secret.
    expect(received.map((text) => (text.startsWith('you sent') ? 'leak' : text))).toEqual(sent);
    const leaks = received.filter((text) => text.startsWith('you sent'));
    expect(leaks).toHaveLength(10);
    for (const text of leaks) {
      expect(text).not.toContain(FEED_TOKEN);
      expect(text).toContain('*'.repeat(FEED_TOKEN.length));
    }
    ws.close();
    await closed(ws);
  });

  test('close codes are relayed both ways', async () => {
    const a = await open('/feed/a');
    const upstreamClosed = upstream.closes.length;
    a.close(4000, 'done here');
    expect(await closed(a)).toEqual({ code: 4000, reason: 'done here' });
    await expect.poll(() => upstream.closes[upstreamClosed]).toEqual({ code: 4000, reason: 'done here' });

    const b = await open('/feed/b');
    b.send('close:4001:market closed');
    expect(await closed(b)).toEqual({ code: 4001, reason: 'market closed' });
  });

  test('a caller that stops reading slows the upstream down instead of filling the gateway memory', async () => {
    const ws = await open('/feed/flood');
    await expect.poll(() => upstream.sockets.length).toBeGreaterThan(0);
    const server = upstream.sockets[upstream.sockets.length - 1] as WebSocket;
    // The caller stops reading: the gateway's queue towards it fills, so it stops reading the upstream.
    ws.pause();
    let received = 0;
    ws.on('message', () => {
      received++;
    });
    ws.send('flood:64:1024'); // 64 MiB, far more than socket buffers hold
    await expect.poll(() => server.bufferedAmount, { timeout: 5000 }).toBeGreaterThan(8 * 1024 * 1024);
    ws.resume();
    await expect.poll(() => received, { timeout: 15_000 }).toBe(64);
    expect(server.bufferedAmount).toBe(0);
    ws.close();
    await closed(ws);
  });

  test('a connection idle past idleTimeout is closed with 1001', async () => {
    const ws = await open('/feed/quiet');
    const started = Date.now();
    expect(await closed(ws)).toEqual({ code: 1001, reason: 'idle timeout' });
    // Also past server.requestTimeout (1s): only the route's idle limit applies.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  test('a revoked key has its open sockets closed within the key cache delay', async () => {
    const victim = await gw.keys.create({ name: 'victim', roles: ['trader'] }, { id: 'test' });
    const ws = await open('/feed/live', { headers: { 'x-api-key': victim.key } });
    const other = await open('/feed/live');
    ws.send('ping');
    await nextMessage(ws);
    const revokedAt = Date.now();
    await gw.keys.revoke(victim.record.id, { id: 'test' });
    expect(await closed(ws)).toEqual({ code: 1008, reason: 'API key revoked' });
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(other.readyState).toBe(WebSocket.OPEN);
    expect((await refusal(open('/feed/live', { headers: { 'x-api-key': victim.key } }))).body.code).toBe(
      'KW_ERR_KEY_REVOKED',
    );
    other.close();
    await closed(other);
  });

  test('a socket opened with a JWT is closed with 1008 once the token expires; a longer one stays', async () => {
    const claims = { aud: 'https://api.example.com' };
    const short = await idp.sign(claims, Date.now(), { expiresIn: 2 });
    const long = await idp.sign(claims, Date.now(), { expiresIn: 3600 });
    const ws = await open('/signed/live', { headers: { authorization: `Bearer ${short}` } });
    const other = await open('/signed/live', { headers: { authorization: `Bearer ${long}` } });
    ws.send('ping');
    expect((await nextMessage(ws)).data.toString()).toBe('ping');
    expect(await closed(ws)).toEqual({ code: 1008, reason: 'token expired' });
    expect(other.readyState).toBe(WebSocket.OPEN);
    const refused = await refusal(open('/signed/live', { headers: { authorization: `Bearer ${short}` } }));
    expect(refused.body.code).toBe('KW_ERR_TOKEN_EXPIRED');
    other.close();
    await closed(other);
  });

  test('messages and upgrades are counted in usage and metrics', async () => {
    const ws = await open('/feed/count');
    for (let i = 0; i < 3; i++) {
      ws.send(`m${i}`);
      await nextMessage(ws);
    }
    ws.close();
    await closed(ws);
    await gw.usage.flush();
    const rows = await gw.store.usage.query({
      from: 0,
      to: Date.now() + 60_000,
      bucketMs: 86_400_000,
      principal: keyId,
      route: 'feed',
    });
    const byClass = Object.fromEntries(rows.map((r) => [r.statusClass, r.count]));
    expect(byClass['1xx']).toBeGreaterThanOrEqual(1);
    expect(byClass.msg).toBeGreaterThanOrEqual(6);
    const metrics = await gw.metrics.registry.metrics();
    expect(metrics).toMatch(/keyward_websocket_messages_total\{route="feed",direction="in"\} \d+/);
    expect(metrics).toMatch(/keyward_requests_total\{route="feed",method="GET",status="101"\} \d+/);
    expect(metrics).toContain('keyward_websocket_connections{route="feed"}');
  });
});

describe('refusals before the upgrade are problem+json', () => {
  test.each([
    ['no credential', '/feed/x', {}, 401, 'KW_ERR_UNAUTHENTICATED'],
    ['a key without the role', '/feed/x', { 'x-api-key': 'READER' }, 403, 'KW_ERR_FORBIDDEN'],
    [
      'a browser origin not on the route list',
      '/feed/x',
      { 'x-api-key': 'KEY', origin: 'https://evil.example' },
      403,
      'KW_ERR_CORS_ORIGIN_DENIED',
    ],
    ['a path leaving the base path', '/feed/..%2fadmin', { 'x-api-key': 'KEY' }, 400, 'KW_ERR_BAD_PATH'],
    [
      'an upstream that cannot be reached',
      '/nowhere/x',
      { 'x-api-key': 'KEY' },
      502,
      'KW_ERR_UPSTREAM_FAILED',
    ],
    [
      'an upstream that refuses the upgrade',
      '/feed/refuse',
      { 'x-api-key': 'KEY' },
      502,
      'KW_ERR_UPSTREAM_FAILED',
    ],
  ])('%s', async (_name, path, headers: Record<string, string>, status, code) => {
    const sent = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, v === 'KEY' ? key : v === 'READER' ? readerOnly : v]),
    );
    const refused = await refusal(open(path, { headers: sent }));
    expect(refused.status).toBe(status);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe(code);
    expect(JSON.stringify(refused.body)).not.toContain('127.0.0.1');
  });

  test('the route rate limit counts upgrades (429 with Retry-After)', async () => {
    const first = await open('/tiny/x');
    const second = await refusal(open('/tiny/y'));
    expect(second.status).toBe(429);
    expect(second.body.code).toBe('KW_ERR_CONNECTION_LIMIT');
    first.close();
    await closed(first);
    await expect.poll(() => gw.parts.websockets.stats('tiny').open).toBe(0);
    const third = await refusal(open('/tiny/z'));
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('KW_ERR_RATE_LIMITED');
    expect(third.headers['retry-after']).toMatch(/^\d+$/);
  });

  test('an upgrade on a route without websocket is proxied as plain HTTP, never upgraded', async () => {
    const before = upstream.handshakes.length;
    const refused = await refusal(open('/plain/x'));
    // The ws upstream's own answer to a plain GET: the Upgrade header was not forwarded.
    expect(refused.status).toBe(426);
    expect(upstream.handshakes.length).toBe(before);
  });
});
