/**
 * The primes worker thread: runs one check or next-prime search off the event loop. Numbers
 * travel as decimal strings, answers as plain objects the routes send as they are.
 */
import { setPriority } from 'node:os';
import { bitLength, checkPrime, nextPrime } from './math.js';

// Big checks may run for a second; the gateway's event loop must win the CPU when both want it.
// On Linux a nice value belongs to the thread, so this lowers the priority of this worker
// thread only. Where it is refused or unsupported, the thread runs at normal priority.
try {
  setPriority(10);
} catch {}

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
