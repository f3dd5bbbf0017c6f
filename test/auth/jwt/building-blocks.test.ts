/** The pieces under login and JWT verification: password hashing, the login throttle, the token cache. */
import { parseOptions } from '@node-rs/argon2';
import { describe, expect, test } from 'vitest';
import type { LocalVerifier } from '../../../src/auth/jwt/local-verifier.js';
import { MAX_TOKEN_BYTES, TokenVerifier } from '../../../src/auth/jwt/token-verifier.js';
import type { TokenVerification } from '../../../src/auth/jwt/verification.js';
import { readRoles } from '../../../src/auth/jwt/verification.js';
import { MemoryLoginThrottle } from '../../../src/auth/login/throttle.js';
import {
  hashPassword,
  passwordProblem,
  verifyAgainstDummy,
  verifyPassword,
} from '../../../src/auth/passwords.js';
import { ManualClock } from '../../../src/clock.js';

describe('passwords', () => {
  test('Argon2id with OWASP parameters (19 MiB, 2 passes, 1 lane), salted', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(parseOptions(hash)).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse batterY')).toBe(false);
  });

  test('a malformed stored hash fails closed instead of throwing', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  test.each([
    ['', 'at least 8'],
    ['short', 'at least 8'],
    ['x'.repeat(1025), 'at most 1024 bytes'],
    ['é'.repeat(513), 'at most 1024 bytes'],
  ])('policy refuses %j', (password, message) => {
    expect(passwordProblem(password)).toContain(message);
  });
});

describe('login throttle', () => {
  test('counts failures per username in a sliding window and says when to retry', async () => {
    const clock = new ManualClock(0);
    const throttle = new MemoryLoginThrottle(clock, { windowMs: 60_000, maxPerUsername: 3, maxPerIp: 100 });
    for (let i = 0; i < 3; i++) {
      expect(await throttle.retryAfter(`10.0.0.${i}`, 'alice')).toBe(0);
      await throttle.recordFailure(`10.0.0.${i}`, 'alice');
      clock.advance(10_000);
    }
    // Failures at 0, 10 and 20 s; now 30 s: the first one ages out at 60 s.
    expect(await throttle.retryAfter('10.0.0.9', 'alice')).toBe(30);
    expect(await throttle.retryAfter('10.0.0.9', 'bob')).toBe(0);
    clock.advance(30_000);
    expect(await throttle.retryAfter('10.0.0.9', 'alice')).toBe(0);
  });

  test('a success clears the username but not the address', async () => {
    const clock = new ManualClock(0);
    const throttle = new MemoryLoginThrottle(clock, { maxPerUsername: 2, maxPerIp: 2 });
    await throttle.recordFailure('10.0.0.1', 'alice');
    await throttle.recordFailure('10.0.0.1', 'alice');
    await throttle.recordSuccess('10.0.0.1', 'alice');
    expect(await throttle.retryAfter('10.0.0.2', 'alice')).toBe(0);
    expect(await throttle.retryAfter('10.0.0.1', 'carol')).toBeGreaterThan(0);
  });

  test('memory stays bounded: the least recently failed entries are forgotten first', async () => {
    const throttle = new MemoryLoginThrottle(new ManualClock(0), {
      maxPerUsername: 1,
      maxPerIp: 1000,
      maxTracked: 4,
    });
    await throttle.recordFailure('ip', 'u1');
    for (let i = 0; i < 10; i++) await throttle.recordFailure('ip', `spray${i}`);
    expect(await throttle.retryAfter('other', 'u1')).toBe(0);
    expect(await throttle.retryAfter('other', 'spray9')).toBeGreaterThan(0);
  });
});

describe('token cache', () => {
  test('verified tokens are verified once, then served from the cache until they expire', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const local = {
      issuer: 'keyward',
      async verify(): Promise<TokenVerification> {
        calls++;
        return {
          ok: true,
          principal: { kind: 'user', id: 'usr_1', roles: [], plan: null },
          expiresAt: 60_000,
        };
      },
    } as unknown as LocalVerifier;
    const verifier = new TokenVerifier({ local, providers: [], clock });
    const token = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from('{"iss":"keyward"}').toString('base64url')}.sig`;
    expect((await verifier.verify(token)).ok).toBe(true);
    expect((await verifier.verify(token)).ok).toBe(true);
    expect(calls).toBe(1);
    clock.advance(60_000);
    await verifier.verify(token);
    expect(calls).toBe(2);
  });

  test('oversized tokens are refused before anything else looks at them', async () => {
    let calls = 0;
    const local = { issuer: 'keyward', verify: async () => calls++ } as unknown as LocalVerifier;
    const verifier = new TokenVerifier({ local, providers: [], clock: new ManualClock() });
    const result = await verifier.verify(`a.${'b'.repeat(MAX_TOKEN_BYTES)}.c`);
    expect(result).toMatchObject({ ok: false, reason: 'too_large' });
    expect(calls).toBe(0);
  });
});

describe('roles claim', () => {
  test.each([
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    ['read write  admin', ['read', 'write', 'admin']],
    [
      ['a', 1, null, '', 'b'],
      ['a', 'b'],
    ],
    [{ a: true }, []],
    [undefined, []],
  ])('%j → %j', (value, roles) => {
    expect(readRoles(value)).toEqual(roles);
  });
});
