import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
beforeAll(async () => {
  gw = await createTestGateway({ clock, yaml: 'auth: { apiKeys: { queryParam: true } }\n' });
});
afterAll(() => gw.close());

async function createKey(body: Record<string, unknown>) {
  const res = await gw.app.inject({
    method: 'POST',
    url: '/admin/v1/keys',
    headers: { 'x-api-key': gw.adminKey },
    payload: body,
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; key: string };
}

describe('admin API: /admin/v1/keys and /admin/v1/audit', () => {
  const admin = () => ({ 'x-api-key': gw.adminKey });

  test('create returns the key once; get and list never do', async () => {
    const created = await createKey({
      name: 'shown-once',
      roles: ['reader'],
      plan: 'free',
      metadata: { team: 'web' },
    });
    expect(created.key).toMatch(/^kw_/);
    const got = await gw.app.inject({ url: `/admin/v1/keys/${created.id}`, headers: admin() });
    expect(got.json()).toMatchObject({
      id: created.id,
      name: 'shown-once',
      roles: ['reader'],
      plan: 'free',
      status: 'active',
    });
    expect(got.json().hint).toBe(`kw_…${created.key.slice(-4)}`);
    const list = await gw.app.inject({ url: '/admin/v1/keys?limit=500', headers: admin() });
    for (const body of [got.body, list.body]) {
      expect(body).not.toContain(created.key);
      expect(body).not.toMatch(/"key"|digest/);
    }
  });

  test('list filters and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await createKey({ name: 'paged', plan: 'pro' });
    const first = (
      await gw.app.inject({ url: '/admin/v1/keys?name=paged&limit=2', headers: admin() })
    ).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBe(first.items[1].id);
    const second = (
      await gw.app.inject({
        url: `/admin/v1/keys?name=paged&limit=2&cursor=${first.nextCursor}`,
        headers: admin(),
      })
    ).json();
    expect(second.items).toHaveLength(2);
    expect(second.items[0].id < first.items[1].id).toBe(true);
    const byPlan = (
      await gw.app.inject({ url: '/admin/v1/keys?plan=pro&limit=100', headers: admin() })
    ).json();
    expect(byPlan.items.every((k: { plan: string }) => k.plan === 'pro')).toBe(true);
    const revoked = (
      await gw.app.inject({ url: '/admin/v1/keys?status=revoked&limit=100', headers: admin() })
    ).json();
    expect(revoked.items.every((k: { status: string }) => k.status === 'revoked')).toBe(true);
  });

  test('update changes name, roles, plan, metadata and expiry', async () => {
    const k = await createKey({ name: 'before' });
    const res = await gw.app.inject({
      method: 'PATCH',
      url: `/admin/v1/keys/${k.id}`,
      headers: admin(),
      payload: {
        name: 'after',
        roles: ['editor'],
        plan: 'pro',
        metadata: { a: 'b' },
        expiresAt: '2030-01-01T00:00:00.000Z',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'after',
      roles: ['editor'],
      plan: 'pro',
      metadata: { a: 'b' },
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
  });

  test('unknown ids are 404, bad ids 422, bad bodies 422', async () => {
    const missing = await gw.app.inject({
      url: '/admin/v1/keys/key_000000000000000000000',
      headers: admin(),
    });
    expect(missing.statusCode).toBe(404);
    expect((await gw.app.inject({ url: '/admin/v1/keys/nope', headers: admin() })).statusCode).toBe(422);
    const badOrigin = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: admin(),
      payload: { name: 'x', origins: ['https://app.example.com/path'], ips: ['300.1.1.1'] },
    });
    expect(badOrigin.statusCode).toBe(422);
    expect(badOrigin.json().errors.map((e: { path: string }) => e.path)).toEqual(['origins[0]', 'ips[0]']);
  });

  test('rotating a revoked key is a 409 conflict', async () => {
    const k = await createKey({ name: 'gone' });
    await gw.app.inject({ method: 'DELETE', url: `/admin/v1/keys/${k.id}`, headers: admin() });
    const res = await gw.app.inject({
      method: 'POST',
      url: `/admin/v1/keys/${k.id}/rotate`,
      headers: admin(),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'KW_ERR_CONFLICT',
      detail: `key ${k.id} is revoked and cannot be rotated`,
    });
  });

  test('the audit log records who did what to which key, from where, without plaintext', async () => {
    const k = await createKey({ name: 'audited' });
    await gw.app.inject({ method: 'POST', url: `/admin/v1/keys/${k.id}/revoke`, headers: admin() });
    const res = await gw.app.inject({ url: `/admin/v1/audit?target=${k.id}`, headers: admin() });
    expect(res.statusCode).toBe(200);
    const actions = res.json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['key.revoke', 'key.create']);
    expect(res.json().items[0]).toMatchObject({ targetType: 'key', targetId: k.id, ip: '127.0.0.1' });
    expect(res.json().items[0].actor).toMatch(/^key_/);
    expect(res.body).not.toContain(k.key);
  });

  test('no key ever appears in the logs', async () => {
    const all = gw.logs.join('');
    expect(all).not.toContain(gw.adminKey);
    expect(all).not.toMatch(/kw_[0-9A-Za-z]{49}/);
  });
});
