import { describe, expect, test } from 'vitest';
import { KeyLifecycle } from '../../src/auth/keys/lifecycle.js';
import { KeyVerifier } from '../../src/auth/keys/verify.js';
import { ManualClock } from '../../src/clock.js';
import { LocalLimiter } from '../../src/limits/backends/local.js';
import { SqlQuotaPersistence } from '../../src/limits/persistence.js';
import { parseMasterKey } from '../../src/secrets/envelope.js';
import { SecretVault } from '../../src/secrets/vault.js';
import { openStore } from '../../src/store/db.js';
import { usePostgresStore } from '../helpers/postgres-store.js';

// The same repositories run on Postgres: this suite drives them against a real server.
const clock = new ManualClock(Date.UTC(2026, 6, 1, 9, 30));
const pg = await usePostgresStore(clock);

describe.skipIf(!pg.available)('the store on Postgres', () => {
  test('migrations run, and run again as a no-op', async () => {
    const again = await openStore(pg.url, { clock });
    await again.ping();
    await again.close();
    const tables = await pg.store.db.introspection.getTables();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['api_keys', 'audit_log', 'secrets', 'usage_minutes', 'quota_counters']),
    );
  });

  test('keys: create, verify, list by role, consume uses, revoke, audit', async () => {
    const verifier = new KeyVerifier(pg.store.apiKeys, { prefix: 'kw', clock });
    const keys = new KeyLifecycle(pg.store, { prefix: 'kw', clock, caches: verifier });
    const { key, record } = await keys.create(
      { name: 'pg', roles: ['reader'], remainingUses: 2 },
      { id: 'test' },
    );
    expect((await verifier.verify(key, { origin: undefined, ip: '127.0.0.1' })).ok).toBe(true);
    expect((await keys.list({ limit: 10, role: 'reader' })).items.map((k) => k.id)).toEqual([record.id]);
    expect((await verifier.verify(key, { origin: undefined, ip: '127.0.0.1' })).ok).toBe(true);
    expect(await verifier.verify(key, { origin: undefined, ip: '127.0.0.1' })).toMatchObject({
      ok: false,
      reason: 'exhausted',
    });
    await keys.revoke(record.id, { id: 'test' });
    expect((await keys.get(record.id))?.revokedAt).toBe(clock.now());
    const audit = await pg.store.audit.list({ limit: 10, targetId: record.id });
    expect(audit.items.map((e) => e.action)).toEqual(['key.revoke', 'key.create']);
    await verifier.close();
  });

  test('secrets, usage buckets and durable quotas', async () => {
    const master = parseMasterKey(Buffer.alloc(32, 7).toString('base64'));
    if (!master.ok) throw new Error(master.message);
    const vault = new SecretVault(pg.store, master.key, clock);
    await vault.set('weather', 'owm-123456', { id: 'test' });
    expect(await vault.lookup('weather')).toBe('owm-123456');

    await pg.store.usage.add([
      { bucket: clock.now() - 60_000, principal: 'key_a', route: 'r', statusClass: '2xx', count: 2 },
      { bucket: clock.now(), principal: 'key_a', route: 'r', statusClass: '2xx', count: 3 },
    ]);
    await pg.store.usage.add([
      { bucket: clock.now(), principal: 'key_a', route: 'r', statusClass: '2xx', count: 1 },
    ]);
    const hourly = await pg.store.usage.query({
      from: clock.now() - 3_600_000,
      to: clock.now() + 60_000,
      bucketMs: 3_600_000,
    });
    expect(hourly).toEqual([
      { bucket: Date.UTC(2026, 6, 1, 9), principal: 'key_a', route: 'r', statusClass: '2xx', count: 6 },
    ]);

    const check = { id: 'plan:free:0:key_a', name: 'free', policy: { requests: 2, per: 'day' as const } };
    const first = new LocalLimiter(new SqlQuotaPersistence(pg.store.db));
    expect((await first.consume([check], clock.now())).allowed).toBe(true);
    expect((await first.consume([check], clock.now())).allowed).toBe(true);
    await first.flush();
    const restarted = new LocalLimiter(new SqlQuotaPersistence(pg.store.db));
    expect((await restarted.consume([check], clock.now())).allowed).toBe(false);
  });
});
