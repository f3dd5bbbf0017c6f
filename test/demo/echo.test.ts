import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EchoServer, startEchoServer } from '../../src/demo/echo.js';

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEchoServer();
});
afterAll(() => echo.close());

describe('the demo echo upstream', () => {
  test('answers with the method, path, query, headers and body size it received', async () => {
    const res = await fetch(`${echo.url}/hello/world?x=1&y=2`, {
      method: 'POST',
      headers: { 'x-upstream-key': 'demo', 'content-type': 'text/plain' },
      body: 'twelve bytes',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      service: 'keyward demo echo upstream',
      method: 'POST',
      path: '/hello/world',
      query: { x: '1', y: '2' },
      headers: { 'x-upstream-key': 'demo' },
      bodyBytes: 12,
    });
  });
});
