import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { KeyLifecycle, NO_KEY_CACHES } from '../../../src/auth/keys/lifecycle.js';
import type { KeyVerifier } from '../../../src/auth/keys/verify.js';
import { ManualClock } from '../../../src/clock.js';
import { createTestGateway, type TestGateway } from '../../helpers/gateway.js';

const HOUR = 3_600_000;
const caller = { origin: undefined, ip: '127.0.0.1' };
let clock: ManualClock;
let gw: TestGateway;
let keys: KeyLifecycle;
let verifier: KeyVerifier;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 5, 1));
  gw = await createTestGateway({ clock });
  keys = gw.keys;
  verifier = gw.keyVerifier;
});
afterEach(() => gw.close());

describe('API key verification and lifecycle', () => {
  test('a created key verifies into a principal with its roles and plan', async () => {
    const { key, record } = await keys.create(
      { name: 'app', roles: ['reader'], plan: 'free' },
      { id: 'test' },
    );
    const result = await verifier.verify(key, caller);
    expect(result).toMatchObject({
      ok: true,
      principal: { kind: 'apiKey', id: record.id, keyId: record.id, roles: ['reader'], plan: 'free' },
    });
  });

  test('a bad checksum or malformed key never reaches the store', async () => {
    const spy = vi.spyOn(gw.store.apiKeys, 'findByDigest');
    const { key } = await keys.create({ name: 'app' }, { id: 'test' });
    const typo = `${key.slice(0, 10)}${key[10] === 'x' ? 'y' : 'x'}${key.slice(11)}`;
    expect(await verifier.verify(typo, caller)).toEqual({ ok: false, reason: 'checksum' });
    expect(await verifier.verify('not-a-key', caller)).toEqual({ ok: false, reason: 'malformed' });
    expect(spy).not.toHaveBeenCalled();
  });

  test('a key once verified and cached still cannot be varied past the checksum', async () => {
    const { key } = await keys.create({ name: 'app' }, { id: 'test' });
    expect((await verifier.verify(key, caller)).ok).toBe(true);
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(await verifier.verify(`${key.slice(0, -1)}${last}`, caller)).toEqual({
      ok: false,
      reason: 'checksum',
    });
    const body = key.at(-7) === 'A' ? 'B' : 'A';
    expect(await verifier.verify(`${key.slice(0, -7)}${body}${key.slice(-6)}`, caller)).toEqual({
      ok: false,
      reason: 'checksum',
    });
    expect((await verifier.verify(key, caller)).ok).toBe(true);
  });

  test('a flood of the same unknown key costs one store lookup per cache period', async () => {
    const { generateApiKey } = await import('../../../src/auth/keys/format.js');
    const unknown = generateApiKey('kw');
    const spy = vi.spyOn(gw.store.apiKeys, 'findByDigest');
    for (let i = 0; i < 100; i++)
      expect(await verifier.verify(unknown, caller)).toEqual({ ok: false, reason: 'unknown' });
    expect(spy).toHaveBeenCalledTimes(1);
    clock.advance(1000);
    await verifier.verify(unknown, caller);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  test('revocation through the service applies at once (cache invalidated)', async () => {
    const { key, record } = await keys.create({ name: 'app' }, { id: 'test' });
    expect((await verifier.verify(key, caller)).ok).toBe(true);
    await keys.revoke(record.id, { id: 'test' });
    expect(await verifier.verify(key, caller)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  test('revocation by another process applies within one second', async () => {
    const { key, record } = await keys.create({ name: 'app' }, { id: 'test' });
    expect((await verifier.verify(key, caller)).ok).toBe(true);
    await gw.store.apiKeys.revoke(record.id, clock.now()); // straight to the store, as the CLI would
    clock.advance(1000);
    expect(await verifier.verify(key, caller)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  test('expiry applies at the expiry instant', async () => {
    const { key } = await keys.create({ name: 'app', expiresAt: clock.now() + HOUR }, { id: 'test' });
    clock.advance(HOUR - 1);
    expect((await verifier.verify(key, caller)).ok).toBe(true);
    clock.advance(1);
    expect(await verifier.verify(key, caller)).toMatchObject({ ok: false, reason: 'expired' });
  });

  test('rotation: new key works, old key works during the grace, then fails as rotated', async () => {
    const { key: oldKey, record } = await keys.create(
      { name: 'app', roles: ['reader'], plan: 'pro', metadata: { team: 'a' } },
      { id: 'test' },
    );
    const rotated = await keys.rotate(record.id, 24 * HOUR, { id: 'test' });
    expect(rotated?.record).toMatchObject({
      name: 'app',
      roles: ['reader'],
      plan: 'pro',
      metadata: { team: 'a' },
    });
    expect(rotated?.key).not.toBe(oldKey);
    expect((await verifier.verify(rotated?.key ?? '', caller)).ok).toBe(true);
    clock.advance(24 * HOUR - 1);
    expect((await verifier.verify(oldKey, caller)).ok).toBe(true);
    clock.advance(1);
    expect(await verifier.verify(oldKey, caller)).toMatchObject({ ok: false, reason: 'rotated' });
    expect((await verifier.verify(rotated?.key ?? '', caller)).ok).toBe(true);
  });

  test('remaining uses count down atomically under concurrency, then exhausted', async () => {
    const { key } = await keys.create({ name: 'app', remainingUses: 5 }, { id: 'test' });
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(key, caller)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === 'exhausted')).toHaveLength(15);
  });

  test('origin binding: allowed origin passes, others and no origin are refused', async () => {
    const { key } = await keys.create(
      { name: 'web', allowedOrigins: ['https://app.example.com'] },
      { id: 'test' },
    );
    expect((await verifier.verify(key, { origin: 'https://app.example.com', ip: '1.2.3.4' })).ok).toBe(true);
    expect(await verifier.verify(key, { origin: 'https://evil.example', ip: '1.2.3.4' })).toMatchObject({
      reason: 'origin',
    });
    expect(await verifier.verify(key, { origin: undefined, ip: '1.2.3.4' })).toMatchObject({
      reason: 'origin',
    });
  });

  test('IP binding: CIDR ranges, IPv4-mapped IPv6 and IPv6', async () => {
    const { key } = await keys.create(
      { name: 'srv', allowedIps: ['10.0.0.0/8', '2001:db8::/32'] },
      { id: 'test' },
    );
    for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::1'])
      expect((await verifier.verify(key, { origin: undefined, ip })).ok).toBe(true);
    for (const ip of ['11.0.0.1', '127.0.0.1', '2001:db9::1']) {
      expect(await verifier.verify(key, { origin: undefined, ip })).toMatchObject({
        ok: false,
        reason: 'ip',
      });
    }
  });

  test('imported plaintext and SHA-256 keys verify; a duplicate import writes nothing', async () => {
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update('legacy-key-from-old-system-2').digest('hex');
    await keys.importMany(
      [
        { name: 'legacy 1', key: 'legacy-key-from-old-system-1', roles: ['reader'] },
        { name: 'legacy 2', sha256: sha },
      ],
      {
        id: 'test',
      },
    );
    expect(await verifier.verify('legacy-key-from-old-system-1', caller)).toMatchObject({
      ok: true,
      principal: { roles: ['reader'] },
    });
    expect((await verifier.verify('legacy-key-from-old-system-2', caller)).ok).toBe(true);
    expect(await verifier.verify('legacy-key-from-old-system-3', caller)).toMatchObject({
      ok: false,
      reason: 'unknown',
    });
    const before = (await keys.list({ limit: 100 })).items.length;
    await expect(
      keys.importMany(
        [
          { name: 'new', key: 'another-legacy-key-abcdef' },
          { name: 'dup', sha256: sha },
        ],
        { id: 'test' },
      ),
    ).rejects.toThrow(/key #2 already exists/);
    expect((await keys.list({ limit: 100 })).items.length).toBe(before);
  });

  test('keys imported by another process verify here once the cache has passed, after a foreign miss', async () => {
    // A foreign-format string first: this process learns "no imported keys exist" and caches it.
    expect(await verifier.verify('not-a-keyward-key', caller)).toEqual({ ok: false, reason: 'malformed' });
    // `keyward keys import` runs in its own process: nothing here hears of it.
    const cli = new KeyLifecycle(gw.store, { prefix: 'kw', clock, caches: NO_KEY_CACHES });
    await cli.importMany([{ name: 'legacy', key: 'legacy-key-imported-elsewhere' }], { id: 'cli' });
    clock.advance(1000);
    expect((await verifier.verify('legacy-key-imported-elsewhere', caller)).ok).toBe(true);
  });

  test('last-used times are written in batches, not per request', async () => {
    const { key, record } = await keys.create({ name: 'app' }, { id: 'test' });
    const spy = vi.spyOn(gw.store.apiKeys, 'touchLastUsed');
    for (let i = 0; i < 10; i++) await verifier.verify(key, caller);
    expect(spy).not.toHaveBeenCalled();
    expect((await keys.get(record.id))?.lastUsedAt).toBeNull();
    await verifier.flushLastUsed();
    expect(spy).toHaveBeenCalledTimes(1);
    expect((await keys.get(record.id))?.lastUsedAt).toBe(clock.now());
  });

  test('stored rows hold the digest, never the plaintext', async () => {
    const { key } = await keys.create({ name: 'app' }, { id: 'test' });
    const rows = await gw.store.db.selectFrom('api_keys').selectAll().execute();
    const audit = await gw.store.db.selectFrom('audit_log').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(JSON.stringify(rows)).not.toContain(key.slice(3, 40));
    expect(JSON.stringify(audit)).not.toContain(key);
  });
});
