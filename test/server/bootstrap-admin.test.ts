import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { bootstrapAdminKey } from '../../src/server/lifecycle.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const SETTING = 'bootstrap.adminKeyId';
let clock: ManualClock;
let gw: TestGateway;
let announced: string[];

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 5, 1));
  // The test gateway's admin key is made as the CLI or an import would: no bootstrap setting.
  gw = await createTestGateway({ clock });
  announced = [];
});
afterEach(() => gw.close());

const bootstrap = () =>
  bootstrapAdminKey(gw.keys, gw.store, gw.config, clock, (line) => announced.push(line));

async function adminKeyId(): Promise<string> {
  const verified = await gw.keyVerifier.verify(gw.adminKey, { origin: undefined, ip: '127.0.0.1' });
  if (!verified.ok) throw new Error('the test admin key does not verify');
  return verified.principal.id;
}

describe('the bootstrap admin key', () => {
  test('an admin key made elsewhere is found once and remembered, so later starts skip the scan', async () => {
    expect(await gw.store.settings.get(SETTING)).toBeUndefined();
    expect(await bootstrap()).toBeNull();
    expect(announced).toEqual([]);
    expect(await gw.store.settings.get(SETTING)).toBe(await adminKeyId());
  });

  test('when the remembered key is revoked and no other admin is usable, a new one is made and printed once', async () => {
    await bootstrap();
    const first = await adminKeyId();
    await gw.keys.revoke(first, { id: 'test' });
    const key = await bootstrap();
    expect(key).toMatch(/^kw_/);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toContain(`export ADMIN_KEY=${key}`);
    const made = await gw.store.settings.get(SETTING);
    expect(made).toBeDefined();
    expect(made).not.toBe(first);
    // The next start finds that key and makes nothing.
    expect(await bootstrap()).toBeNull();
    expect(announced).toHaveLength(1);
    expect(await gw.store.settings.get(SETTING)).toBe(made);
  });
});
