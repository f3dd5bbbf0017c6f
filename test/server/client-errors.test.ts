import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Secret } from '../../src/secrets/secret.js';
import { createLogger } from '../../src/telemetry/logger.js';
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

describe('log redaction', () => {
  test('Secret values, credential headers and the key query parameter never reach a log line', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({
      level: 'info',
      apiKeyHeader: 'x-token',
      apiKeyQueryParam: 'api_key',
      destination,
    });
    logger.info(
      {
        secret: new Secret('s3cr3t-value'),
        req: {
          headers: {
            authorization: 'Bearer abc123',
            'x-token': 'kw_tok',
            cookie: 'sid=1',
            'x-api-key': 'kw_x',
          },
        },
        res: { headers: { 'set-cookie': 'sid=2' } },
      },
      'something',
    );
    const text = lines.join('');
    for (const leaked of ['s3cr3t-value', 'abc123', 'kw_tok', 'sid=1', 'kw_x', 'sid=2'])
      expect(text).not.toContain(leaked);
    expect(text).toContain('[redacted]');
  });
});
