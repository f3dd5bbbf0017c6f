import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({
    env: { MK: randomBytes(32).toString('base64') },
    yaml: 'secrets: { masterKey: "${MK}" }\n',
  });
});
afterAll(() => gw.close());

const admin = () => ({ 'x-api-key': gw.adminKey });

describe('admin API /secrets (write-only values)', () => {
  test('PUT stores, GET lists names only, DELETE removes; every change is audited', async () => {
    const put = await gw.app.inject({
      method: 'PUT',
      url: '/admin/v1/secrets/stripe',
      headers: admin(),
      payload: { value: 'sk_live_abcdef123456' },
    });
    expect(put.statusCode).toBe(204);
    expect(await gw.secrets.lookup('stripe')).toBe('sk_live_abcdef123456');
    const list = await gw.app.inject({ url: '/admin/v1/secrets', headers: admin() });
    expect(list.json().items.map((s: { name: string }) => s.name)).toEqual(['stripe']);
    expect(list.body).not.toContain('sk_live_abcdef123456');
    expect(
      (await gw.app.inject({ method: 'DELETE', url: '/admin/v1/secrets/stripe', headers: admin() }))
        .statusCode,
    ).toBe(204);
    expect(
      (await gw.app.inject({ method: 'DELETE', url: '/admin/v1/secrets/stripe', headers: admin() }))
        .statusCode,
    ).toBe(404);
    const audit = await gw.app.inject({ url: '/admin/v1/audit?target=stripe', headers: admin() });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual([
      'secret.remove',
      'secret.create',
    ]);
    expect(audit.body).not.toContain('sk_live_abcdef123456');
  });

  test('there is no way to read a value back', async () => {
    await gw.app.inject({
      method: 'PUT',
      url: '/admin/v1/secrets/stripe',
      headers: admin(),
      payload: { value: 'sk_live_abcdef123456' },
    });
    const get = await gw.app.inject({ url: '/admin/v1/secrets/stripe', headers: admin() });
    expect(get.statusCode).toBe(405);
    expect(get.body).not.toContain('sk_live');
  });

  test('bad names and bodies are 422; no admin role is 403', async () => {
    expect(
      (
        await gw.app.inject({
          method: 'PUT',
          url: '/admin/v1/secrets/bad%20name',
          headers: admin(),
          payload: { value: 'x' },
        })
      ).statusCode,
    ).toBe(422);
    expect(
      (
        await gw.app.inject({
          method: 'PUT',
          url: '/admin/v1/secrets/ok',
          headers: admin(),
          payload: { value: '' },
        })
      ).statusCode,
    ).toBe(422);
    const reader = await gw.keys.create({ name: 'r', roles: ['reader'] }, { id: 'test' });
    expect(
      (await gw.app.inject({ url: '/admin/v1/secrets', headers: { 'x-api-key': reader.key } })).statusCode,
    ).toBe(403);
  });
});
