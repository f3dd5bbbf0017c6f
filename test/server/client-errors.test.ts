import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await createTestGateway();
  port = Number(new URL(await gw.listen()).port);
});
afterAll(() => gw.close());

function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('requests Node rejects before routing', () => {
  test('malformed HTTP gets a 400 problem+json with a request id', async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Malformed request\r\n/);
    expect(answer).toContain('Content-Type: application/problem+json; charset=utf-8');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ status: 400, code: 'KW_ERR_BAD_REQUEST' });
    expect(answer).toContain(`X-Request-Id: ${body.requestId}`);
  });

  test('oversized headers get 431 problem+json', async () => {
    const answer = await rawExchange(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('"code":"KW_ERR_HEADERS_TOO_LARGE"');
  });
});

describe('a client too slow to send its headers', () => {
  test('is cut at requestTimeout with 408 problem+json, while others are served', async () => {
    const slow = await createTestGateway({ yaml: 'server: { requestTimeout: 1s }\n' });
    const slowPort = Number(new URL(await slow.listen()).port);
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        // Headers one line every 300 ms, never finished.
        const socket = connect(slowPort, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\n'));
        const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 300);
        let text = '';
        socket.on('data', (d) => {
          text += d;
        });
        socket.on('close', () => {
          clearInterval(trickle);
          resolve(text);
        });
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"code":"KW_ERR_REQUEST_TIMEOUT"');
      // Cut within the timeout plus Node's one-second check, not its default 30 s.
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await slow.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await slow.close();
    }
  });
});
