import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gw: TestGateway;
let key: string;
beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { UP: upstream.url },
    yaml: `
server: { trustProxy: ["10.0.0.0/8"] }
routes:
  - name: api
    path: /api/*
    auth: [apiKey]
    upstream: { url: "\${UP}" }
`,
  });
  key = (await gw.keys.create({ name: 'k', allowedIps: ['203.0.113.0/24'] }, { id: 'test' })).key;
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const last = () => upstream.received[upstream.received.length - 1];

describe('trustProxy: a CIDR list of proxies whose X-Forwarded-* are believed', () => {
  test('behind a trusted proxy the chain is extended and the client address is the forwarded one', async () => {
    const res = await gw.app.inject({
      url: '/api/x',
      remoteAddress: '10.1.2.3',
      headers: {
        'x-api-key': key,
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(last()?.headers['x-forwarded-for']).toBe('203.0.113.7, 10.1.2.3');
    expect(last()?.headers['x-forwarded-proto']).toBe('https');
    expect(last()?.headers['x-forwarded-host']).toBe('api.example.com');
  });

  test('from an untrusted peer the headers are ignored: the key bound to 203.0.113.0/24 is refused', async () => {
    const res = await gw.app.inject({
      url: '/api/x',
      remoteAddress: '198.51.100.9',
      headers: { 'x-api-key': key, 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('KW_ERR_IP_NOT_ALLOWED');
  });

  test('an untrusted peer cannot spoof X-Forwarded-For upstream', async () => {
    const open = (await gw.keys.create({ name: 'open' }, { id: 'test' })).key;
    await gw.app.inject({
      url: '/api/x',
      remoteAddress: '198.51.100.9',
      headers: { 'x-api-key': open, 'x-forwarded-for': '1.1.1.1' },
    });
    expect(last()?.headers['x-forwarded-for']).toBe('198.51.100.9');
    expect(last()?.headers['x-forwarded-proto']).toBe('http');
  });
});
