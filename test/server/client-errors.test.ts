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
