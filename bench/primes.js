#!/usr/bin/env node
// Bounded cost of the primes service at its largest inputs (issue 7): times checkPrime on
// random odd numbers and on a known prime at 1024, 2048 and 4096 bits (the default maxBits),
// and nextPrime at the /next limit (1024 bits). Run: npm run build && npx node bench/primes.js
import { randomBytes } from 'node:crypto';
import { checkPrime, nextPrime } from '../dist/services/primes/math.js';

function randomOdd(bits) {
  const bytes = randomBytes(Math.ceil(bits / 8));
  bytes[0] |= 0x80 >> ((8 * bytes.length - bits) % 8);
  bytes[bytes.length - 1] |= 1;
  return BigInt(`0x${bytes.toString('hex')}`) >> BigInt(8 * bytes.length - bits);
}

function time(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], max: samples[samples.length - 1] };
}

const rows = [];
for (const bits of [1024, 2048, 4096]) {
  const composites = Array.from({ length: 20 }, () => randomOdd(bits) | 1n);
  const c = time((i) => checkPrime(composites[i]), composites.length);
  const prime = nextPrime(randomOdd(Math.min(bits, 1024)));
  const big = bits === 1024 ? prime : (1n << BigInt(bits === 2048 ? 2203 : 4423)) - 1n; // Mersenne primes above the size
  const p = time(() => checkPrime(bits === 1024 ? prime : big), 3);
  rows.push({
    bits,
    'random odd: median ms': c.median.toFixed(2),
    'random odd: max ms': c.max.toFixed(2),
    'prime: max ms': p.max.toFixed(1),
  });
}
const next = time(() => nextPrime(randomOdd(1024)), 5);
console.table(rows);
console.log(
  `nextPrime at 1024 bits (the /next limit): median ${next.median.toFixed(0)} ms, max ${next.max.toFixed(0)} ms`,
);
