import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(() => gw.close());

const admin = () => ({ 'x-api-key': gw.adminKey });

describe('admin API /users', () => {
  test('create, list (never a hash or password), change password, remove; all audited', async () => {
    const created = await gw.app.inject({
      method: 'POST',
      url: '/admin/v1/users',
      headers: admin(),
      payload: { username: 'Alice', password: 'correct horse battery', roles: ['editor'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ username: 'alice', roles: ['editor'] });
    const list = await gw.app.inject({ url: '/admin/v1/users', headers: admin() });
    expect(list.json().items.map((u: { username: string }) => u.username)).toEqual(['alice']);
    expect(list.body).not.toMatch(/argon2|correct horse|password/i);
    const passwd = await gw.app.inject({
      method: 'PUT',
      url: '/admin/v1/users/alice/password',
      headers: admin(),
      payload: { password: 'another long passphrase' },
    });
    expect(passwd.statusCode).toBe(204);
    expect(
      (await gw.app.inject({ method: 'DELETE', url: '/admin/v1/users/alice', headers: admin() })).statusCode,
    ).toBe(204);
    const audit = await gw.app.inject({ url: '/admin/v1/audit', headers: admin() });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.passwd', 'user.remove']));
    expect(audit.body).not.toMatch(/correct horse|another long passphrase/);
  });

  test('duplicates are 409, unknown users 404, weak passwords and unknown fields 422', async () => {
    const add = (payload: unknown) =>
      gw.app.inject({ method: 'POST', url: '/admin/v1/users', headers: admin(), payload: payload as object });
    expect((await add({ username: 'bob', password: 'a long enough password' })).statusCode).toBe(201);
    const duplicate = await add({ username: 'bob', password: 'a long enough password' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().code).toBe('KW_ERR_CONFLICT');
    expect((await add({ username: 'carol', password: 'short' })).statusCode).toBe(422);
    expect(
      (await add({ username: 'dave', password: 'a long enough password', admin: true })).statusCode,
    ).toBe(422);
    expect(
      (await gw.app.inject({ method: 'DELETE', url: '/admin/v1/users/nobody', headers: admin() })).statusCode,
    ).toBe(404);
  });

  test('needs the admin role', async () => {
    const { key } = await gw.keys.create({ name: 'reader', roles: ['reader'] }, { id: 'test' });
    expect((await gw.app.inject({ url: '/admin/v1/users', headers: { 'x-api-key': key } })).statusCode).toBe(
      403,
    );
  });
});
