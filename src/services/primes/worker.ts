/**
 * The primes worker thread: runs one check or next-prime search off the event loop. Numbers
 * travel as decimal strings, answers as plain objects the routes send as they are.
 */
import { bitLength, checkPrime, nextPrime } from './math.js';

export interface PrimeTask {
  op: 'check' | 'next';
  /** The number, in decimal. */
  n: string;
}

export type PrimeAnswer =
  | { op: 'check'; isPrime: boolean; certainty: 'proven' | 'probable'; bits: number }
  | { op: 'next'; nextPrime: string; certainty: 'proven' | 'probable'; bits: number };

/** Piscina calls the default export with each task. */
export default function run(task: PrimeTask): PrimeAnswer {
  const n = BigInt(task.n);
  if (task.op === 'check') return { op: 'check', ...checkPrime(n) };
  const p = nextPrime(n);
  return { op: 'next', nextPrime: p.toString(), certainty: checkPrime(p).certainty, bits: bitLength(p) };
}
