/**
 * The demo's upstream: a tiny local HTTP service that answers with what it received, so
 * `npm start` shows a working proxy route (injected credential included) without internet.
 * Whatever it echoes passes back through the gateway, which masks the injected value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the echo service on 127.0.0.1 with an ephemeral port. */
export async function startEchoServer(): Promise<EchoServer> {
  const server: Server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://echo');
      const body = JSON.stringify({
        service: 'keyward demo echo upstream',
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        bodyBytes: bytes,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
