/**
 * A real WebSocket upstream for proxy tests (ws, on 127.0.0.1, ephemeral port). It echoes every
 * message with its type (text or binary), records each handshake and each close it sees, and
 * obeys a few commands sent as text: `close:CODE:REASON` (it closes with that code), `leak`
 * (it sends back the query string of its handshake, as a careless API might), `flood:N:KB`
 * (it sends N binary messages of KB kilobytes as fast as its socket accepts them). Paths
 * containing /refuse are refused with 403; it picks the first offered subprotocol.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface Handshake {
  url: string;
  headers: IncomingMessage['headers'];
}

export interface WsUpstream {
  url: string;
  handshakes: Handshake[];
  /** Close codes received from the gateway, in order. */
  closes: { code: number; reason: string }[];
  /** The server side of each connection, newest last. */
  sockets: WebSocket[];
  close(): Promise<void>;
}

export async function startWsUpstream(): Promise<WsUpstream> {
  const handshakes: Handshake[] = [];
  const closes: { code: number; reason: string }[] = [];
  const sockets: WebSocket[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
    verifyClient: (info, done) => {
      if (info.req.url?.includes('/refuse')) done(false, 403, 'Forbidden');
      else done(true);
    },
  });
  server.on('connection', (socket, req) => {
    handshakes.push({ url: req.url ?? '', headers: req.headers });
    sockets.push(socket);
    socket.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
    socket.on('message', (data: Buffer, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text.startsWith('close:')) {
        const [, code, reason] = text.split(':');
        socket.close(Number(code), reason);
      } else if (text === 'leak') {
        socket.send(`you sent ${req.url}`);
      } else if (text.startsWith('flood:')) {
        const [, count, kb] = text.split(':').map(Number);
        const chunk = Buffer.alloc((kb as number) * 1024, 1);
        for (let i = 0; i < (count as number); i++) socket.send(chunk, { binary: true });
      } else {
        socket.send(data, { binary: isBinary });
      }
    });
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes,
    closes,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
