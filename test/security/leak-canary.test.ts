/**
 * The no-leak sweep's control: a canary secret is planted and then deliberately sent back through
 * every channel the sweep reads — a log line, a body on a real socket, an `inject()` answer — so
 * the sweep (leak-sweep.test.ts) can prove it sees the suite's real logs and bodies, not an
 * empty list.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const CANARY = 'canary-7f3a9c1e5b2d4680';
let upstream: TestUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await createTestGateway({
    env: { UP: upstream.url },
    yaml: 'routes:\n  - { name: echo, path: /echo/*, auth: [none], upstream: { url: "${UP}" } }\n',
  });
  gw.capture.plant(CANARY, 'canary');
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

test('a canary sent through a log line, a socket answer and an inject() answer is captured', async () => {
  const base = await gw.listen();
  // The upstream echoes the request headers: the canary comes back in the body.
  const overSocket = await fetch(`${base}/echo/x`, { headers: { 'x-canary': CANARY } });
  expect(await overSocket.text()).toContain(CANARY);
  const injected = await gw.app.inject({ url: '/echo/y', headers: { 'x-canary': CANARY } });
  expect(injected.payload).toContain(CANARY);
  // An ordinary query parameter is logged as sent.
  await gw.app.inject({ url: `/healthz?q=${CANARY}` });
  expect(gw.logs.join('\n')).toContain(CANARY);
});
