/**
 * A real HTTP upstream for proxy tests, on 127.0.0.1 with an ephemeral port. It records every
 * request it receives and answers by path: `/echo` (the request as JSON), `/slow?ms=` (delay
 * before headers), `/stall` (headers, then a stalled body; `/stall-declared` the same with a
 * Content-Length), `/leak-stream` (echoes `appid` split across two writes), `/big?mb=` (a streamed body; `/chunked` the same without Content-Length),
 * `/upload` (counts the request body), `/flaky` (resets every other request), `/redirect`, `/cookie`, `/leak` (echoes the query and
 * headers back, as careless APIs do), `/leak-encoded?enc=gzip|deflate|br|x-unknown` (the same, compressed whatever
 * Accept-Encoding said), `/nostore`. `bodyBytes` counts every request body byte received.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
}

export interface TestUpstream {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** URLs whose response was cut off before it finished (the caller hung up). */
  abandoned: string[];
  /** Request body bytes received so far, over all requests. */
  readonly bodyBytes: number;
  close(): Promise<void>;
}

/** Starts the upstream; close() stops it and drops its connections. */
export async function startUpstream(): Promise<TestUpstream> {
  const received: ReceivedRequest[] = [];
  const abandoned: string[] = [];
  let flaky = 0;
  let bodyBytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (d: Buffer) => {
      bodyBytes += d.length;
    });
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    res.on('close', () => {
      if (!res.writableFinished) abandoned.push(req.url ?? '');
    });
    const url = new URL(req.url ?? '/', 'http://upstream');
    const path = url.pathname.replace(/^\/base/, '');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };
    if (path === '/slow') {
      setTimeout(() => json(200, { slow: true }), Number(url.searchParams.get('ms') ?? 1000));
      return;
    }
    if (path === '/stall') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return;
    }
    if (path === '/stall-declared') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('partial');
      return;
    }
    if (path === '/leak-stream') {
      // A streamed body that echoes the appid parameter split across two writes.
      const secret = url.searchParams.get('appid') ?? '';
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${'x'.repeat(70_000)}${secret.slice(0, 5)}`);
      setTimeout(() => res.end(`${secret.slice(5)} in ${req.url}`), 20);
      return;
    }
    if (path === '/big' || path === '/chunked') {
      const mb = Number(url.searchParams.get('mb') ?? 1);
      const length = path === '/big' ? { 'content-length': mb * 1024 * 1024 } : {};
      res.writeHead(200, { 'content-type': 'application/octet-stream', ...length });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < mb * 16) {
          sent++;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (path === '/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (d: Buffer) => {
        bytes += d.length;
        hash.update(d);
      });
      req.on('end', () => json(200, { bytes, sha256: hash.digest('hex') }));
      return;
    }
    req.resume();
    if (path === '/flaky') {
      // Every other request is cut off before any response: a connection reset.
      flaky++;
      if (flaky % 2 === 1) {
        req.socket.destroy();
        return;
      }
      return json(200, { flaky });
    }
    if (path === '/redirect') {
      res.writeHead(302, { location: 'https://elsewhere.example/landing' });
      res.end();
      return;
    }
    if (path === '/cookie') return json(200, { ok: true }, { 'set-cookie': 'session=upstream; HttpOnly' });
    if (path === '/nostore') return json(200, { n: received.length }, { 'cache-control': 'no-store' });
    if (path === '/leak') {
      return json(
        400,
        { error: `invalid key in ${req.url}`, headers: req.headers },
        { 'x-debug-url': req.url ?? '' },
      );
    }
    if (path === '/leak-encoded') {
      const encoding = url.searchParams.get('enc') ?? 'gzip';
      const text = Buffer.from(JSON.stringify({ error: `invalid key in ${req.url}`, headers: req.headers }));
      const body =
        encoding === 'gzip'
          ? gzipSync(text)
          : encoding === 'deflate'
            ? deflateSync(text)
            : encoding === 'br'
              ? brotliCompressSync(text)
              : text;
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': encoding,
        'content-length': body.length,
      });
      res.end(body);
      return;
    }
    if (path === '/status') return json(Number(url.searchParams.get('code') ?? 200), { status: true });
    return json(200, { method: req.method, url: req.url, headers: req.headers, n: received.length });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    abandoned,
    get bodyBytes() {
      return bodyBytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
