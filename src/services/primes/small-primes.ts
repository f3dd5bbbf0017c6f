/** Trial division by the primes below 1000, batched so most of the work is float arithmetic. */

const LIMIT = 1000;

/** The primes below 1000, by a sieve of Eratosthenes. */
export const SMALL_PRIMES: readonly number[] = sieve(LIMIT);

/** Every composite below this has a prime factor below LIMIT, so surviving it proves primality. */
const PROVEN_BELOW = BigInt(LIMIT) * BigInt(LIMIT);

// One bigint `%` per batch instead of per prime: each batch's product stays below 2^53 so the
// remainder fits a float and the per-prime checks are plain number arithmetic.
const BATCHES = batchPrimes(SMALL_PRIMES);

/** Primes below `limit`. */
function sieve(limit: number): number[] {
  const composite = new Uint8Array(limit);
  const primes: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return primes;
}

function batchPrimes(primes: readonly number[]): { product: bigint; primes: number[] }[] {
  const batches: { product: bigint; primes: number[] }[] = [];
  let current: number[] = [];
  let product = 1;
  for (const p of primes) {
    if (product * p > Number.MAX_SAFE_INTEGER) {
      batches.push({ product: BigInt(product), primes: current });
      current = [];
      product = 1;
    }
    current.push(p);
    product *= p;
  }
  if (current.length > 0) batches.push({ product: BigInt(product), primes: current });
  return batches;
}

/** Settles n ≥ 2 by trial division when it can: 'prime', 'composite', or 'unknown' (needs a real test). */
export function trialDivide(n: bigint): 'prime' | 'composite' | 'unknown' {
  for (const batch of BATCHES) {
    const r = Number(n % batch.product);
    for (const p of batch.primes) {
      if (r % p === 0) return n === BigInt(p) ? 'prime' : 'composite';
    }
  }
  return n < PROVEN_BELOW ? 'prime' : 'unknown';
}
