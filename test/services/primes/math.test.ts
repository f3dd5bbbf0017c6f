import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  bitLength,
  checkPrime,
  DETERMINISTIC_MR_BOUND,
  nextPrime,
  parsePrimeInput,
} from '../../../src/services/primes/math.js';
import { maxDecimalDigits } from '../../../src/services/primes/parse.js';
import {
  isStrongLucasProbablePrime,
  isStrongProbablePrime,
} from '../../../src/services/primes/probable-prime.js';
import { CARMICHAEL, mersenne, STRONG_LUCAS_PSEUDOPRIMES } from '../../fixtures/primes.js';

/** Seeded PRNG (mulberry32) so the random tables are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random integer with exactly `bits` bits (top bit set). */
function randomBits(bits: number, next: () => number): bigint {
  let n = 1n;
  for (let i = 1; i < bits; i++) n = (n << 1n) | (next() < 0.5 ? 1n : 0n);
  return n;
}

/** The obviously-correct reference: trial division by every odd number up to √n. */
function slowIsPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

describe('bitLength', () => {
  test.each([
    [0n, 0],
    [1n, 1],
    [2n, 2],
    [255n, 8],
    [256n, 9],
    [-256n, 9],
    [mersenne(4096), 4096],
    [1n << 4096n, 4097],
  ])('bitLength(%s) = %i', (n, bits) => {
    expect(bitLength(n)).toBe(bits);
  });
});

describe('checkPrime on small numbers', () => {
  test.each([2n, 3n, 5n, 7n, 11n, 97n, 997n, 7919n, 999_983n, 1_000_003n, 2_147_483_647n])(
    '%s is prime (proven)',
    (n) => {
      expect(checkPrime(n)).toEqual({ isPrime: true, certainty: 'proven', bits: bitLength(n) });
    },
  );

  test.each([-7n, -1n, 0n, 1n, 4n, 9n, 91n, 561n, 997n * 991n, 999_983n * 1_000_003n, 1n << 80n])(
    '%s is not prime (proven)',
    (n) => {
      expect(checkPrime(n)).toEqual({ isPrime: false, certainty: 'proven', bits: bitLength(n) });
    },
  );

  test('every n below 5000 agrees with trial division', () => {
    for (let n = 0; n < 5000; n++) expect(checkPrime(BigInt(n)).isPrime, String(n)).toBe(slowIsPrime(n));
  });

  test('3000 random n below 10^7 agree with trial division', () => {
    const next = rng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(next() * 10_000_000);
      expect(checkPrime(BigInt(n)).isPrime, String(n)).toBe(slowIsPrime(n));
    }
  });
});

describe('Mersenne numbers', () => {
  test.each([2, 3, 5, 7, 13, 17, 19, 31, 61, 89, 107, 127, 521, 607])('2^%i - 1 is prime', (p) => {
    const result = checkPrime(mersenne(p));
    expect(result.isPrime).toBe(true);
    expect(result.bits).toBe(p);
    expect(result.certainty).toBe(mersenne(p) < DETERMINISTIC_MR_BOUND ? 'proven' : 'probable');
  });

  test.each([11, 23, 29, 37, 41, 43, 47, 53, 59, 67])('2^%i - 1 is composite', (p) => {
    expect(checkPrime(mersenne(p))).toMatchObject({ isPrime: false, certainty: 'proven' });
  });

  test('(2^607 - 1)(2^521 - 1) is composite', () => {
    const n = mersenne(607) * mersenne(521);
    expect(checkPrime(n)).toEqual({ isPrime: false, certainty: 'proven', bits: 1128 });
  });
});

describe('pseudoprimes are caught', () => {
  test.each(CARMICHAEL)('Carmichael number %s is composite', (n) => {
    expect(checkPrime(n)).toMatchObject({ isPrime: false, certainty: 'proven' });
  });

  // Each fools Miller–Rabin to every prime base up to the next one in the deterministic set.
  test.each([
    [3215031751n, [2n, 3n, 5n, 7n]],
    [3825123056546413051n, [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n]],
    [318665857834031151167461n, [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]],
    [3317044064679887385961981n, [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n]],
  ])('strong pseudoprime %s is composite', (n, fooledBases) => {
    for (const base of fooledBases) expect(isStrongProbablePrime(n, base)).toBe(true);
    expect(checkPrime(n)).toMatchObject({ isPrime: false, certainty: 'proven' });
  });

  const strongLucasPseudoprimes = STRONG_LUCAS_PSEUDOPRIMES;

  test.each(strongLucasPseudoprimes)('strong Lucas pseudoprime %s passes Lucas but is composite', (n) => {
    expect(isStrongLucasProbablePrime(n)).toBe(true);
    expect(checkPrime(n)).toMatchObject({ isPrime: false, certainty: 'proven' });
  });

  // Matching the published sequences exactly (OEIS A217255, A001262) pins down both tests.
  test('the strong Lucas and strong base-2 pseudoprimes below 60000 are exactly the known ones', () => {
    const lucas: bigint[] = [];
    const base2: bigint[] = [];
    for (let n = 3n; n < 60000n; n += 2n) {
      if (checkPrime(n).isPrime) {
        expect(isStrongLucasProbablePrime(n), String(n)).toBe(true);
        expect(isStrongProbablePrime(n, 2n), String(n)).toBe(true);
        continue;
      }
      if (isStrongLucasProbablePrime(n)) lucas.push(n);
      if (isStrongProbablePrime(n, 2n)) base2.push(n);
    }
    expect(lucas).toEqual(strongLucasPseudoprimes);
    expect(base2).toEqual([2047n, 3277n, 4033n, 4681n, 8321n, 15841n, 29341n, 42799n, 49141n, 52633n]);
  });

  test('perfect squares of large primes are composite and fail the Lucas test', () => {
    for (const p of [mersenne(61), mersenne(89), mersenne(127)]) {
      expect(isStrongLucasProbablePrime(p * p)).toBe(false);
      expect(checkPrime(p * p)).toMatchObject({ isPrime: false, certainty: 'proven' });
    }
  });
});

describe('large numbers', () => {
  // Cross-checked outside this code: Python pow()-based Miller–Rabin with 64 random bases says
  // composite (it also fails Fermat to base 2), and sympy.factorint gives the factors below.
  test('the seed number is composite', () => {
    const seed = 172983479832623897492387592384682937659382477n;
    expect(checkPrime(seed)).toEqual({ isPrime: false, certainty: 'proven', bits: 147 });
    const factors = [9020941n, 47434853n, 404254839687862545241277653549n];
    expect(factors.reduce((a, b) => a * b)).toBe(seed);
    for (const f of factors) expect(checkPrime(f).isPrime).toBe(true);
    expect(nextPrime(seed)).toBe(seed + 134n);
  });

  test('products of two random ~60-bit primes are composite', () => {
    const next = rng(60);
    for (let i = 0; i < 25; i++) {
      const p = nextPrime(randomBits(60, next));
      const q = nextPrime(randomBits(60, next));
      // Both factors are below the deterministic bound, so their primality is proven.
      expect(checkPrime(p)).toMatchObject({ isPrime: true, certainty: 'proven' });
      expect(checkPrime(q)).toMatchObject({ isPrime: true, certainty: 'proven' });
      expect(checkPrime(p * q)).toMatchObject({ isPrime: false, certainty: 'proven' });
    }
  });

  test('primes at or above the deterministic bound are only probable', () => {
    const p = nextPrime(DETERMINISTIC_MR_BOUND);
    expect(checkPrime(p)).toMatchObject({ isPrime: true, certainty: 'probable' });
  });

  test('a random 4096-bit odd number is checked', () => {
    const bytes = randomBytes(512);
    bytes[0]! |= 0x80;
    bytes[511]! |= 1;
    const n = BigInt('0x' + bytes.toString('hex'));
    const result = checkPrime(n);
    expect(result.bits).toBe(4096);
    expect(typeof result.isPrime).toBe('boolean');
  });
});

describe('nextPrime', () => {
  test.each([
    [-5n, 2n],
    [0n, 2n],
    [1n, 2n],
    [2n, 2n],
    [3n, 3n],
    [4n, 5n],
    [14n, 17n],
    [7920n, 7927n],
    [1_000_000n, 1_000_003n],
    [10n ** 18n, 10n ** 18n + 3n],
    [mersenne(61), mersenne(61)],
    [1n << 64n, (1n << 64n) + 13n],
    [1n << 89n, (1n << 89n) + 29n],
    [1n << 128n, (1n << 128n) + 51n],
  ])('nextPrime(%s) = %s', (n, expected) => {
    expect(nextPrime(n)).toBe(expected);
  });

  test('gives up past maxDistance', () => {
    expect(() => nextPrime(24n, 4n)).toThrow(RangeError);
    expect(nextPrime(24n, 5n)).toBe(29n);
  });
});

describe('parsePrimeInput', () => {
  test.each([
    ['0', 0n],
    ['7', 7n],
    ['12345678901234567890123', 12345678901234567890123n],
    [0, 0n],
    [-0, 0n],
    [42, 42n],
    [Number.MAX_SAFE_INTEGER, 9007199254740991n],
  ])('accepts %o', (value, n) => {
    expect(parsePrimeInput(value, 4096)).toEqual({ ok: true, n });
  });

  test('accepts the largest number within the limit, written in full', () => {
    const n = mersenne(4096);
    expect(n.toString()).toHaveLength(1234);
    expect(parsePrimeInput(n.toString(), 4096)).toEqual({ ok: true, n });
    expect(parsePrimeInput('255', 8)).toEqual({ ok: true, n: 255n });
  });

  test.each([
    ['', /empty/],
    ['-7', /negative/],
    ['-0', /negative/],
    ['+7', /digits 0-9/],
    [' 7', /digits 0-9/],
    ['7 ', /digits 0-9/],
    ['7\n', /digits 0-9/],
    ['1e3', /digits 0-9/],
    ['1.0', /digits 0-9/],
    ['0x1f', /digits 0-9/],
    ['0b101', /digits 0-9/],
    ['0o7', /digits 0-9/],
    ['1_000', /digits 0-9/],
    ['١٢', /digits 0-9/],
    ['007', /leading zeros/],
    ['00', /leading zeros/],
  ])('rejects the string %o', (value, message) => {
    const result = parsePrimeInput(value, 4096);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  test.each([
    [1.5, /integer/],
    [-1, /negative/],
    [-1.5, /integer/],
    [2 ** 53, /2\^53/],
    [1e21, /2\^53/],
    [Number.NaN, /finite/],
    [Number.POSITIVE_INFINITY, /finite/],
    [Number.NEGATIVE_INFINITY, /finite/],
  ])('rejects the number %o', (value, message) => {
    const result = parsePrimeInput(value, 4096);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  test.each([
    [true, 'boolean'],
    [false, 'boolean'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{}, 'object'],
    [{ n: '7' }, 'object'],
    [['7'], 'array'],
    [7n, 'bigint'],
  ])('rejects %o as the wrong type', (value, kind) => {
    const result = parsePrimeInput(value, 4096);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(`got ${kind}`);
  });

  test.each([
    ['256', 8],
    [256, 8],
    [(1n << 4096n).toString(), 4096],
  ])('rejects %o over a %i-bit limit, naming the limit', (value, maxBits) => {
    const result = parsePrimeInput(value, maxBits);
    expect(result).toEqual({ ok: false, message: expect.stringContaining(`limit is ${maxBits} bits`) });
  });

  test('rejects over-long strings by length alone', () => {
    for (const value of ['1'.repeat(1235), '-' + '1'.repeat(1234), 'x'.repeat(1_000_000)]) {
      const result = parsePrimeInput(value, 4096);
      expect(result).toEqual({ ok: false, message: expect.stringContaining('at most 1234 digits') });
    }
  });

  test('the early length guard matches the exact digit count of 2^maxBits - 1', () => {
    for (let bits = 1; bits <= 4200; bits++) {
      expect(maxDecimalDigits(bits), String(bits)).toBe(mersenne(bits).toString().length);
    }
  });
});
