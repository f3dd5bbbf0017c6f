/** Pure BigInt primality math for the primes service: input parsing, primality checks, next prime. */
import { bitLength } from './modular.js';
import { isStrongLucasProbablePrime, isStrongProbablePrime } from './probable-prime.js';
import { trialDivide } from './small-primes.js';

export { bitLength } from './modular.js';
export { type ParsedPrimeInput, parsePrimeInput } from './parse.js';

export type Certainty = 'proven' | 'probable';

export interface PrimeCheck {
  isPrime: boolean;
  certainty: Certainty;
  bits: number;
}

/** Below this, Miller–Rabin to the first 13 prime bases has no pseudoprimes (Sorenson & Webster 2015). */
export const DETERMINISTIC_MR_BOUND = 3317044064679887385961981n;

const MR_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n];

/** How far past n `nextPrime` searches before giving up; far beyond any plausible prime gap. */
export const NEXT_PRIME_MAX_DISTANCE = 10_000_000n;

function classify(n: bigint): { isPrime: boolean; certainty: Certainty } {
  if (n < 2n) return { isPrime: false, certainty: 'proven' };
  const trial = trialDivide(n);
  if (trial !== 'unknown') return { isPrime: trial === 'prime', certainty: 'proven' };
  if (n < DETERMINISTIC_MR_BOUND) {
    const isPrime = MR_BASES.every((base) => isStrongProbablePrime(n, base));
    return { isPrime, certainty: 'proven' };
  }
  // Baillie–PSW: no composite is known to pass both, but none is proven impossible either.
  // A failure of either test is a certain proof of compositeness.
  if (!isStrongProbablePrime(n, 2n) || !isStrongLucasProbablePrime(n)) {
    return { isPrime: false, certainty: 'proven' };
  }
  return { isPrime: true, certainty: 'probable' };
}

/** Whether n is prime, with 'proven' unless a large n passed Baillie–PSW, plus n's bit length. */
export function checkPrime(n: bigint): PrimeCheck {
  return { ...classify(n), bits: bitLength(n) };
}

/** Smallest prime ≥ n (by the same test as `checkPrime`); throws RangeError past `maxDistance`. */
export function nextPrime(n: bigint, maxDistance: bigint = NEXT_PRIME_MAX_DISTANCE): bigint {
  if (n <= 2n) return 2n;
  for (let c = (n & 1n) === 0n ? n + 1n : n; c - n <= maxDistance; c += 2n) {
    if (classify(c).isPrime) return c;
  }
  throw new RangeError(`no prime found within ${maxDistance} of ${n}`);
}
