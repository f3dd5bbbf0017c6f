/** The two probable-prime tests behind Miller–Rabin and Baillie–PSW. */
import { gcd, isPerfectSquare, jacobi, mod, modPow } from './modular.js';

/** Strong (Miller–Rabin) probable-prime test of odd n > 2 to `base`; false means n is certainly composite. */
export function isStrongProbablePrime(n: bigint, base: bigint): boolean {
  const a = mod(base, n);
  // A base that is a multiple of n says nothing; the deterministic bases are all below our n anyway.
  if (a === 0n) return true;
  const nMinus1 = n - 1n;
  let d = nMinus1;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = modPow(a, d, n);
  if (x === 1n || x === nMinus1) return true;
  for (let r = 1; r < s; r++) {
    x = (x * x) % n;
    if (x === nMinus1) return true;
    // Once 1 is reached without passing through -1, n has a non-trivial square root of 1.
    if (x === 1n) return false;
  }
  return false;
}

/**
 * Selfridge method A: first D in 5, -7, 9, -11, … with (D/n) = -1, and Q = (1 - D)/4 (P = 1).
 * Returns undefined when a D shares a factor with n, which proves n composite.
 * n must be odd and not a perfect square, or no such D exists and the search would never end.
 */
export function selfridgeParameters(n: bigint): { d: bigint; q: bigint } | undefined {
  for (let d = 5n; ; d = d > 0n ? -(d + 2n) : -d + 2n) {
    const j = jacobi(d, n);
    if (j === -1) return { d, q: (1n - d) / 4n };
    // (D/n) = 0 means gcd(D, n) > 1; that is a proper factor unless n is |D| itself.
    if (j === 0 && (d < 0n ? -d : d) !== n) return undefined;
  }
}

/** Strong Lucas probable-prime test with Selfridge parameters; false means n is certainly composite. */
export function isStrongLucasProbablePrime(n: bigint): boolean {
  if (n === 2n) return true;
  if (n < 2n || (n & 1n) === 0n) return false;
  if (isPerfectSquare(n)) return false;
  const params = selfridgeParameters(n);
  if (params === undefined) return false;
  const g = gcd(params.q, n);
  if (g > 1n && g < n) return false;

  const dm = mod(params.d, n);
  const qm = mod(params.q, n);
  // Halving mod odd n: an odd residue becomes even once n is added.
  const half = (x: bigint): bigint => ((x & 1n) === 0n ? x : x + n) >> 1n;

  let k = n + 1n;
  let s = 0;
  while ((k & 1n) === 0n) {
    k >>= 1n;
    s++;
  }

  // Walk the bits of k from the top, keeping U_j, V_j and Q^j for the prefix j read so far (P = 1).
  let u = 1n;
  let v = 1n;
  let qk = qm;
  const bits = k.toString(2);
  for (let i = 1; i < bits.length; i++) {
    u = (u * v) % n;
    v = mod(v * v - 2n * qk, n);
    qk = (qk * qk) % n;
    if (bits[i] === '1') {
      const nextU = half((u + v) % n);
      v = half((dm * u + v) % n);
      u = nextU;
      qk = (qk * qm) % n;
    }
  }
  if (u === 0n || v === 0n) return true;
  for (let r = 1; r < s; r++) {
    v = mod(v * v - 2n * qk, n);
    if (v === 0n) return true;
    qk = (qk * qk) % n;
  }
  return false;
}
