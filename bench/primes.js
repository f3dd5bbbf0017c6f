#!/usr/bin/env node
// Bounded cost of the primes service at its largest inputs (issue 7): times checkPrime on
// random odd numbers and on a known prime at 1024, 2048 and 4096 bits (the default maxBits),
// and nextPrime at the /next limit (1024 bits). Run: npm run build && npx node bench/primes.js
// What the same 4096-bit checks do to other requests of the gateway: the primes-beside row of
// `npm run bench` (scenarios/primes-beside.js).
import { checkPrime, nextPrime } from '../dist/services/primes/math.js';
import { knownPrime, randomOdd } from './lib/prime-inputs.js';

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
  const prime = knownPrime(bits);
  const p = time(() => checkPrime(prime), 3);
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
