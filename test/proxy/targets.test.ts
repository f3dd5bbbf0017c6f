import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';

let a: HttpTarget;
let b: HttpTarget;
let flappy: HttpTarget;
let gw: TestGateway;
let base: string;

beforeAll(async () => {
  [a, b, flappy] = await Promise.all([startHttpTarget('a'), startHttpTarget('b'), startHttpTarget('flappy')]);
  gw = await createTestGateway({
    env: { A: a.url, B: b.url, F: flappy.url },
    yaml: `
routes:
  - name: pair
    path: /pair/*
    auth: [none]
    upstream:
      targets: [{ url: "\${A}/api" }, { url: "\${B}/api", weight: 2 }]
      retries: 2
      connectTimeout: 1s
      healthCheck:
        passive: { failures: 2, window: 10s, cooldown: 1s }
        active: { path: /api/health, interval: 200ms, timeout: 3s, healthyAfter: 1, unhealthyAfter: 2 }
  - name: flappy
    path: /flappy/*
    auth: [none]
    upstream:
      url: "\${F}"
      circuitBreaker: { failures: 3, openFor: 700ms }
`,
  });
  base = await gw.listen();
});
afterAll(async () => {
  await gw.close();
  await Promise.all([a.stop(), b.stop(), flappy.stop()].map((p) => p.catch(() => {})));
});

const admin = (path: string) => fetch(`${base}/admin/v1${path}`, { headers: { 'x-api-key': gw.adminKey } });

async function targetsOf(route: string) {
  const view = (await (await admin(`/routes/${route}`)).json()) as {
    upstream: { targets: { origin: string; available: boolean; healthy: boolean; breaker: string }[] };
  };
  return view.upstream.targets;
}

describe('a route with two targets', () => {
  test('requests are shared by weight (1:2)', async () => {
    const names: string[] = [];
    for (let i = 0; i < 30; i++)
      names.push(((await (await fetch(`${base}/pair/who`)).json()) as { name: string }).name);
    expect(names.filter((n) => n === 'a').length).toBe(10);
    expect(names.filter((n) => n === 'b').length).toBe(20);
  });

  test('losing one target mid-traffic fails no retryable request; it is skipped until healthy again', async () => {
    const statuses: number[] = [];
    const load = (async () => {
      for (let i = 0; i < 60; i++) {
        const batch = await Promise.all(
          Array.from({ length: 4 }, () => fetch(`${base}/pair/work?i=${i}`).then((r) => r.status)),
        );
        statuses.push(...batch);
      }
    })();
    await expect.poll(() => statuses.length, { timeout: 30_000 }).toBeGreaterThan(40);
    await b.stop();
    await load;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses.length).toBe(240);

    // Out of rotation: the view says so and requests keep going to a alone — also once the
    // passive cool-down (1s) is over, since the active check still finds it down.
    await new Promise((r) => setTimeout(r, 1200));
    const down = (await targetsOf('pair')).find((t) => t.origin === b.url);
    expect(down).toMatchObject({ available: false, healthy: false });
    const before = a.hits.get('/api/again') ?? 0;
    for (let i = 0; i < 10; i++) expect((await fetch(`${base}/pair/again`)).status).toBe(200);
    expect((a.hits.get('/api/again') ?? 0) - before).toBe(10);

    // Back: once its health path answers, it is in rotation again and gets its share.
    await b.restart();
    await expect
      .poll(async () => (await targetsOf('pair')).find((t) => t.origin === b.url)?.available, {
        timeout: 10_000,
      })
      .toBe(true);
    for (let i = 0; i < 9; i++) expect((await fetch(`${base}/pair/back`)).status).toBe(200);
    expect(b.hits.get('/api/back')).toBeGreaterThanOrEqual(5); // about two in three
  }, 60_000);

  test('a non-idempotent request is not retried', async () => {
    const c = await startHttpTarget('c');
    const d = await startHttpTarget('d');
    const post = await createTestGateway({
      env: { C: c.url, D: d.url },
      yaml: `
routes:
  - name: posts
    path: /posts/*
    auth: [none]
    upstream: { targets: [{ url: "\${C}" }, { url: "\${D}" }], retries: 2, connectTimeout: 1s }
`,
    });
    try {
      await d.stop();
      const results = await Promise.all(
        [0, 1, 2, 3].map(() => post.app.inject({ method: 'POST', url: '/posts/x', payload: { n: 1 } })),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 200, 502, 502]);
      const gets = await Promise.all([0, 1, 2, 3].map(() => post.app.inject({ url: '/posts/x' })));
      expect(gets.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    } finally {
      await post.close();
      await c.stop();
    }
  });
});

describe('the circuit breaker', () => {
  const get = () => fetch(`${base}/flappy/tick`);

  test('a flapping target opens the breaker, answers 503 fast while open, half-opens and closes', async () => {
    flappy.failing = true;
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(503); // the target's own 503s
    const hits = flappy.hits.get('/tick');
    const refused = await get();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).toBe('KW_ERR_UPSTREAM_UNAVAILABLE');
    expect(flappy.hits.get('/tick')).toBe(hits); // no upstream call while open
    expect((await targetsOf('flappy'))[0]).toMatchObject({ breaker: 'open', available: false });
    const metrics = await gw.metrics.registry.metrics();
    expect(metrics).toContain(
      `keyward_upstream_circuit_state{route="flappy",target="${flappy.url}",state="open"} 1`,
    );
    expect(metrics).toContain(`keyward_upstream_target_up{route="flappy",target="${flappy.url}"} 0`);

    // Half-open: one probe; it fails, so the breaker opens again.
    await new Promise((r) => setTimeout(r, 750));
    expect((await targetsOf('flappy'))[0]?.breaker).toBe('half-open');
    expect((await get()).status).toBe(503);
    expect(flappy.hits.get('/tick')).toBe((hits ?? 0) + 1);
    expect((await targetsOf('flappy'))[0]?.breaker).toBe('open');

    // The target recovers: the next probe succeeds and closes the breaker.
    flappy.failing = false;
    await new Promise((r) => setTimeout(r, 750));
    expect((await get()).status).toBe(200);
    expect((await targetsOf('flappy'))[0]).toMatchObject({ breaker: 'closed', available: true });
    expect(await gw.metrics.registry.metrics()).toContain(
      `keyward_upstream_circuit_state{route="flappy",target="${flappy.url}",state="closed"} 1`,
    );
  });
});

describe('the admin route view', () => {
  test('shows targets and their state, never a path, query or injected value', async () => {
    const res = await admin('/routes');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string }[] };
    expect(body.items.map((r) => r.name)).toEqual(['pair', 'flappy']);
    expect(JSON.stringify(body)).not.toContain('/api');
    expect((await admin('/routes/nope')).status).toBe(404);
    expect((await fetch(`${base}/admin/v1/routes`)).status).toBe(401);
  });
});
