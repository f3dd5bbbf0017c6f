import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let keyId: string;
beforeAll(async () => {
  gw = await createTestGateway({ yaml: 'services:\n  time: { path: /v1/time, auth: [apiKey] }\n' });
  const { key, record } = await gw.keys.create({ name: 'app' }, { id: 'test' });
  keyId = record.id;
  for (let i = 0; i < 4; i++) await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
  await gw.usage.flush();
  writeFileSync(join(gw.dir, 'keyward.yaml'), `storage: { url: "sqlite:${join(gw.dir, 'keyward.db')}" }\n`);
});
afterAll(() => gw.close());

describe('keyward usage', () => {
  test('prints request counts per key, route and status', () => {
    const r = runCli(['usage', '--key', keyId, '--since', '1h'], { cwd: gw.dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^KEY\s+ROUTE\s+STATUS\s+REQUESTS\n/);
    expect(r.stdout).toMatch(new RegExp(`${keyId}\\s+time\\s+2xx\\s+4`));
    const json = JSON.parse(runCli(['usage', '--json'], { cwd: gw.dir }).stdout);
    expect(json).toContainEqual({ key: keyId, route: 'time', status: '2xx', count: 4 });
  });

  test('an empty window and a bad --since', () => {
    expect(runCli(['usage', '--key', 'key_nobody'], { cwd: gw.dir }).stdout).toBe(
      'no requests in the last 24h\n',
    );
    const bad = runCli(['usage', '--since', 'yesterday'], { cwd: gw.dir });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('keyward: --since: expected a duration like 24h, got "yesterday"\n');
  });
});
