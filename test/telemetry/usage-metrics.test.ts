import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const clock = new ManualClock(Date.UTC(2026, 10, 1, 10, 0, 0));
let gw: TestGateway;
let key: string;
let keyId: string;
beforeAll(async () => {
  gw = await createTestGateway({ clock, yaml: 'services:\n  time: { path: /v1/time, auth: [apiKey] }\n' });
  const created = await gw.keys.create({ name: 'app' }, { id: 'test' });
  key = created.key;
  keyId = created.record.id;
});
afterAll(() => gw.close());

const admin = () => ({ 'x-api-key': gw.adminKey });

describe('usage figures', () => {
  test('counted per key, route, status class and minute; flushed in batches', async () => {
    for (let i = 0; i < 3; i++) await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    await gw.app.inject({ url: '/v1/time?tz=Nowhere/Land', headers: { 'x-api-key': key } });
    clock.advance(60_000);
    await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    await gw.app.inject({ url: '/v1/time' });
    // Nothing is written per request.
    expect(await gw.store.db.selectFrom('usage_minutes').selectAll().execute()).toHaveLength(0);

    const res = await gw.app.inject({ url: `/admin/v1/usage?key=${keyId}&bucket=minute`, headers: admin() });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      { bucket: '2026-11-01T10:00:00.000Z', key: keyId, route: 'time', status: '2xx', count: 3 },
      { bucket: '2026-11-01T10:00:00.000Z', key: keyId, route: 'time', status: '4xx', count: 1 },
      { bucket: '2026-11-01T10:01:00.000Z', key: keyId, route: 'time', status: '2xx', count: 1 },
    ]);
    const hourly = await gw.app.inject({
      url: `/admin/v1/usage?key=${keyId}&bucket=hour&route=time`,
      headers: admin(),
    });
    expect(hourly.json().items).toEqual([
      { bucket: '2026-11-01T10:00:00.000Z', key: keyId, route: 'time', status: '2xx', count: 4 },
      { bucket: '2026-11-01T10:00:00.000Z', key: keyId, route: 'time', status: '4xx', count: 1 },
    ]);
    const anonymous = await gw.app.inject({ url: '/admin/v1/usage?key=-', headers: admin() });
    expect(anonymous.json().items).toEqual([
      expect.objectContaining({ route: 'time', status: '4xx', count: 1 }),
    ]);
  });

  test('bad windows are 422', async () => {
    const res = await gw.app.inject({
      url: '/admin/v1/usage?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z',
      headers: admin(),
    });
    expect(res.statusCode).toBe(422);
    expect((await gw.app.inject({ url: '/admin/v1/usage?bucket=week', headers: admin() })).statusCode).toBe(
      422,
    );
  });
});

describe('/metrics', () => {
  test('Prometheus counters and latency histograms per route, for admins only', async () => {
    expect((await gw.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await gw.app.inject({ url: '/metrics', headers: { 'x-api-key': key } })).statusCode).toBe(403);
    const res = await gw.app.inject({ url: '/metrics', headers: admin() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/keyward_requests_total\{route="time",method="GET",status="200"\} \d+/);
    expect(res.body).toMatch(/keyward_request_duration_seconds_bucket\{le="0.005",route="time"\} \d+/);
    expect(res.body).toContain('keyward_process_cpu_user_seconds_total');
    // Event-loop delay since the last scrape (monitorEventLoopDelay), p99 included.
    expect(res.body).toMatch(/keyward_nodejs_eventloop_lag_p99_seconds \d/);
    expect(res.body).not.toContain(key);
  });
});
