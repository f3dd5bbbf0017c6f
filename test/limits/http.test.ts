import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOON = Date.UTC(2026, 4, 20, 12, 0, 0);
let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

const yaml = () => `
plans:
  free: { limits: [{ requests: 5, per: day }] }
services:
  time: { path: /v1/time, auth: [apiKey] }
routes:
  - name: weather
    path: /weather/*
    auth: [apiKey]
    rateLimit: [{ requests: 3, per: minute, by: key }]
    upstream: { url: "${upstream.url}" }
  - name: paid
    path: /paid/*
    auth: [none]
    upstream: { url: "${upstream.url}", budget: { requests: 2, per: day } }
  - name: shared
    path: /shared/*
    auth: [none]
    rateLimit: [{ requests: 2, per: minute, by: route }]
    upstream: { url: "${upstream.url}" }
  - name: perip
    path: /perip/*
    auth: [none]
    rateLimit: [{ requests: 1, per: minute, by: ip }]
    upstream: { url: "${upstream.url}" }
`;

const gateways: TestGateway[] = [];
afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.close().catch(() => {});
});

async function gateway(clock: ManualClock, dir?: string) {
  const gw = await createTestGateway({ clock, yaml: yaml(), ...(dir ? { dir } : {}) });
  gateways.push(gw);
  return gw;
}

describe("the seeds' scenario: 5 calls a day on the free plan", () => {
  test('the 6th is 429 with Retry-After until midnight, and a restart does not reset it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-quota-'));
    try {
      const clock = new ManualClock(NOON);
      const first = await gateway(clock, dir);
      const { key } = await first.keys.create({ name: 'free user', plan: 'free' }, { id: 'test' });
      for (let i = 0; i < 5; i++) {
        const res = await first.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit']).toBe(`"plan-free-day";r=${4 - i};t=43200`);
        expect(res.headers['ratelimit-policy']).toBe('"plan-free-day";q=5;w=86400');
      }
      const sixth = await first.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
      expect(sixth.statusCode).toBe(429);
      expect(sixth.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(sixth.json().code).toBe('KW_ERR_RATE_LIMITED');
      expect(sixth.headers['retry-after']).toBe('43200');
      await first.close();
      gateways.length = 0;

      const restarted = await gateway(clock, dir);
      const seventh = await restarted.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
      expect(seventh.statusCode).toBe(429);
      clock.set(Date.UTC(2026, 4, 21));
      expect(
        (await restarted.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } })).statusCode,
      ).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rejected requests never count against the quota', async () => {
    const clock = new ManualClock(NOON);
    const gw = await gateway(clock);
    const { key } = await gw.keys.create({ name: 'free user', plan: 'free' }, { id: 'test' });
    // Route limit 3/minute plus plan 5/day: the 4th call in a minute is refused by the route
    // limit and must not use up the daily quota.
    for (let i = 0; i < 3; i++)
      expect((await gw.app.inject({ url: '/weather/x', headers: { 'x-api-key': key } })).statusCode).toBe(
        200,
      );
    for (let i = 0; i < 5; i++)
      expect((await gw.app.inject({ url: '/weather/x', headers: { 'x-api-key': key } })).statusCode).toBe(
        429,
      );
    clock.advance(60_000);
    const res = await gw.app.inject({ url: '/weather/x', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(200);
    expect(res.headers.ratelimit).toBe('"plan-free-day";r=1;t=43140');
  });

  test('a key on a plan that is not configured is refused, not unlimited', async () => {
    const gw = await gateway(new ManualClock(NOON));
    const { key } = await gw.keys.create({ name: 'x', plan: 'gold' }, { id: 'test' });
    const res = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('KW_ERR_PLAN_UNKNOWN');
  });
});

describe('subjects, budgets and concurrency', () => {
  test('by: route shares one allowance among all callers; by: ip counts per address', async () => {
    const gw = await gateway(new ManualClock(NOON));
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await gw.app.inject({ url: '/shared/x', remoteAddress: `10.0.0.${i}` })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    expect((await gw.app.inject({ url: '/perip/x', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    expect((await gw.app.inject({ url: '/perip/x', remoteAddress: '10.0.0.1' })).statusCode).toBe(429);
    expect((await gw.app.inject({ url: '/perip/x', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
  });

  test('an exhausted upstream budget is 429 with its own code, and the upstream is not called', async () => {
    const gw = await gateway(new ManualClock(NOON));
    const before = upstream.received.length;
    expect((await gw.app.inject({ url: '/paid/a', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    expect((await gw.app.inject({ url: '/paid/b', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
    const third = await gw.app.inject({ url: '/paid/c', remoteAddress: '10.0.0.3' });
    expect(third.statusCode).toBe(429);
    expect(third.json().code).toBe('KW_ERR_UPSTREAM_BUDGET');
    expect(upstream.received.length).toBe(before + 2);
  });

  test('N parallel requests over real sockets against a limit of L admit exactly L', async () => {
    const gw = await gateway(new ManualClock(NOON));
    const { key } = await gw.keys.create({ name: 'busy', plan: 'free' }, { id: 'test' });
    const base = await gw.listen();
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${base}/v1/time`, { headers: { 'x-api-key': key } }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
  });
});

describe('when the counter store fails', () => {
  const failing = (mode: string) => `
routes:
  - name: quota
    path: /quota/*
    auth: [none]
    onLimiterFailure: ${mode}
    rateLimit: [{ requests: 2, per: day, by: ip }]
    upstream: { url: "${upstream.url}" }
`;

  test('fail-open (the default) falls back to a local limiter that still limits, and counts it', async () => {
    const gw = await createTestGateway({
      clock: new ManualClock(NOON),
      yaml: failing('open'),
      brokenQuotaStore: true,
    });
    gateways.push(gw);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await gw.app.inject({ url: '/quota/x' })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const metrics = await gw.metrics.registry.getSingleMetricAsString('keyward_limiter_fallback_total');
    expect(metrics).toContain('keyward_limiter_fallback_total{route="quota"} 3');
  });

  test('fail-closed answers 503 with its own code', async () => {
    const gw = await createTestGateway({
      clock: new ManualClock(NOON),
      yaml: failing('closed'),
      brokenQuotaStore: true,
    });
    gateways.push(gw);
    const res = await gw.app.inject({ url: '/quota/x' });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('KW_ERR_LIMITER_UNAVAILABLE');
  });
});

describe('built-in limits', () => {
  test('key creation is limited to 30 a minute per admin credential', async () => {
    const gw = await gateway(new ManualClock(NOON));
    const codes = [];
    for (let i = 0; i < 31; i++) {
      codes.push(
        (
          await gw.app.inject({
            method: 'POST',
            url: '/admin/v1/keys',
            headers: { 'x-api-key': gw.adminKey },
            payload: { name: `k${i}` },
          })
        ).statusCode,
      );
    }
    expect(codes.filter((c) => c === 201)).toHaveLength(30);
    expect(codes[30]).toBe(429);
  });
});
