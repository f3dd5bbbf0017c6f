/** Users, refresh-token rotation and signing keys on a real Postgres: the same repositories as SQLite. */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { SigningKeyRing } from '../../../src/auth/jwt/signing-keys.js';
import { RefreshTokenService } from '../../../src/auth/login/refresh-tokens.js';
import { UserService } from '../../../src/auth/login/users.js';
import { ManualClock } from '../../../src/clock.js';
import { parseMasterKey } from '../../../src/secrets/envelope.js';
import { usePostgresStore } from '../../helpers/postgres-store.js';

const clock = new ManualClock(Date.UTC(2026, 6, 1, 9, 30));
const pg = await usePostgresStore(clock);

describe.skipIf(!pg.available)('JWT storage on Postgres', () => {
  test('users: add, duplicate refused, login check, passwd, remove', async () => {
    const users = new UserService(pg.store, clock);
    const alice = await users.add('Alice', 'alice-password-1', ['reader'], { id: 'test' });
    await expect(users.add('alice', 'other-password-1', [], { id: 'test' })).rejects.toThrow(
      'already exists',
    );
    expect((await users.checkLogin('ALICE', 'alice-password-1'))?.id).toBe(alice.id);
    expect(await users.checkLogin('alice', 'wrong-password')).toBeNull();
    await users.passwd('alice', 'new-password-22', { id: 'test' });
    expect((await users.checkLogin('alice', 'new-password-22'))?.roles).toEqual(['reader']);
    await users.remove('alice', { id: 'test' });
    expect(await users.list()).toEqual([]);
  });

  test('refresh tokens rotate once; concurrent use of one token revokes the family', async () => {
    const users = new UserService(pg.store, clock);
    const bob = await users.add('bob', 'bob-password-1', [], { id: 'test' });
    const tokens = new RefreshTokenService(pg.store, 86_400_000, clock);
    const first = await tokens.issue(bob.id);
    const results = await Promise.all([tokens.rotate(first), tokens.rotate(first), tokens.rotate(first)]);
    expect(results.some((r) => !r.ok && r.reason === 'reused')).toBe(true);
    // Whatever won the race, no successor survives the replay.
    for (const r of results) if (r.ok) expect((await tokens.rotate(r.refreshToken)).ok).toBe(false);
  });

  test('signing keys: created once, reloaded, rotated', async () => {
    const parsed = parseMasterKey(randomBytes(32).toString('base64'));
    if (!parsed.ok) throw new Error(parsed.message);
    const local = { issuer: 'keyward', algorithm: 'ES256' as const, accessTtlMs: 900_000, refreshTtlMs: 1 };
    const ring = await SigningKeyRing.open(pg.store, parsed.key, local, clock);
    const again = await SigningKeyRing.open(pg.store, parsed.key, local, clock);
    expect(again.current().kid).toBe(ring.current().kid);
    const { current } = await ring.rotate({ id: 'test' });
    // Same clock instant for both keys: compare as sets, order is then by kid.
    expect(
      ring
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual([again.current().kid, current.kid].sort());
    expect(ring.current().kid).toBe(current.kid);
  });
});
