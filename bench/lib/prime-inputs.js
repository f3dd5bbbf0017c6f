// Inputs for the primes benches (bench/primes.js times the math, scenarios/primes-beside.js
// loads the HTTP service): random odd numbers of a given size, and well-known primes of exactly
// 1024, 2048 and 4096 bits (the Diffie-Hellman groups of RFC 2409 and RFC 3526, which node
// ships), the slowest inputs a check of that size can get.
import { getDiffieHellman, randomBytes } from 'node:crypto';

const GROUPS = { 1024: 'modp2', 2048: 'modp14', 4096: 'modp16' };

/** A random odd number of exactly `bits` bits. */
export function randomOdd(bits) {
  const bytes = randomBytes(Math.ceil(bits / 8));
  bytes[0] |= 0x80 >> ((8 * bytes.length - bits) % 8);
  bytes[bytes.length - 1] |= 1;
  return BigInt(`0x${bytes.toString('hex')}`) >> BigInt(8 * bytes.length - bits);
}

/** A prime of exactly `bits` bits (1024, 2048 or 4096). */
export function knownPrime(bits) {
  const group = GROUPS[bits];
  if (!group) throw new Error(`no known prime of ${bits} bits (have ${Object.keys(GROUPS).join(', ')})`);
  return BigInt(`0x${getDiffieHellman(group).getPrime('hex')}`);
}
