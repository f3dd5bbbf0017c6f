/** BigInt number-theory helpers shared by the primality tests. */

/** Number of bits needed to write |n| in binary; 0 for 0. */
export function bitLength(n: bigint): number {
  if (n < 0n) n = -n;
  return n === 0n ? 0 : n.toString(2).length;
}

/** `x mod m` in [0, m), since BigInt `%` keeps the sign of the dividend. */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/** base^exp mod m by right-to-left square-and-multiply; exp ≥ 0, m ≥ 1. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    e >>= 1n;
    b = (b * b) % m;
  }
  return result;
}

/** Greatest common divisor of |a| and |b|. */
export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** floor(√n) for n ≥ 0 by Newton's method, which is exact on BigInt. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('isqrt of a negative number');
  if (n < 2n) return n;
  // Start above the root so the iteration decreases monotonically to it.
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Whether n ≥ 0 is a perfect square. */
export function isPerfectSquare(n: bigint): boolean {
  if (n < 0n) return false;
  const r = isqrt(n);
  return r * r === n;
}

/** Jacobi symbol (a/n) for odd n > 0: -1, 0 or 1. */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  if (n <= 0n || (n & 1n) === 0n) throw new RangeError('Jacobi symbol needs an odd positive modulus');
  let x = mod(a, n);
  let m = n;
  let result: -1 | 1 = 1;
  while (x !== 0n) {
    // (2/m) = -1 exactly when m ≡ 3 or 5 (mod 8).
    while ((x & 1n) === 0n) {
      x >>= 1n;
      const r = m & 7n;
      if (r === 3n || r === 5n) result = result === 1 ? -1 : 1;
    }
    // Quadratic reciprocity: the sign flips only when both are ≡ 3 (mod 4).
    [x, m] = [m, x];
    if ((x & 3n) === 3n && (m & 3n) === 3n) result = result === 1 ? -1 : 1;
    x %= m;
  }
  return m === 1n ? result : 0;
}
