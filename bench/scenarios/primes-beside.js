// What big prime checks do to a gateway's other requests: `/v1/time` latency at a fixed 1,000
// req/s (the open-loop loader of lib/paced.js), alone and while 4096-bit `POST
// /v1/primes/check` requests run beside it (two at a time, back to back, with an allowed key,
// on a known 4096-bit prime: the slowest input of that size). Rounds alternate alone / beside;
// the best round of each counts, as for the other latency rows.
import { measureLatency } from '../lib/paced.js';
import { knownPrime } from '../lib/prime-inputs.js';

const RATE = 1000;
const CONCURRENT_CHECKS = 2;

/** Keeps `CONCURRENT_CHECKS` prime checks in flight until stop() (which reports them). */
function primeLoad(url, key, body) {
  let running = true;
  const statuses = {};
  const durations = [];
  const loop = async () => {
    while (running) {
      const started = performance.now();
      let status;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const answer = await res.json().catch(() => null);
        status = res.status === 200 && answer?.isPrime !== true ? '200 but not prime' : res.status;
      } catch (error) {
        status = `no answer (${error.name})`;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      durations.push(performance.now() - started);
    }
  };
  const loops = Array.from({ length: CONCURRENT_CHECKS }, loop);
  return async () => {
    running = false;
    await Promise.all(loops);
    durations.sort((a, b) => a - b);
    return {
      checks: durations.length,
      statuses,
      medianMs: durations[Math.floor(durations.length / 2)] ?? null,
    };
  };
}

/**
 * Runs the alone/beside rounds against a started Keyward serving /v1/time and /v1/primes;
 * returns the two table entries { 'time-alone', 'time-beside-primes' }.
 */
export async function runPrimesBeside({ server, key, lat, log }) {
  const timeUrl = `${server.url}/v1/time`;
  const checkUrl = `${server.url}/v1/primes/check`;
  const body = JSON.stringify({ number: knownPrime(4096).toString() });
  const options = { ...lat, rate: RATE, headers: { 'x-api-key': key } };
  const alone = [];
  const beside = [];
  for (let round = 0; round < lat.rounds; round++) {
    log(
      `round ${round + 1}/${lat.rounds}: /v1/time at ${RATE} req/s alone, then beside 4096-bit prime checks`,
    );
    alone.push(await measureLatency(timeUrl, server.proc.pid, options));
    const stop = primeLoad(checkUrl, key, body);
    const measured = await measureLatency(timeUrl, server.proc.pid, options);
    beside.push({ ...measured, primes: await stop() });
  }
  const best = (list) => {
    const b = list.reduce((x, y) => (y.p99Ms < x.p99Ms ? y : x));
    return { ...b, roundsP99Ms: list.map((r) => r.p99Ms), roundsOtherCores: list.map((r) => r.otherCores) };
  };
  const primes = { checks: 0, statuses: {} };
  for (const r of beside) {
    primes.checks += r.primes.checks;
    for (const [status, n] of Object.entries(r.primes.statuses))
      primes.statuses[status] = (primes.statuses[status] ?? 0) + n;
  }
  primes.medianMs = best(beside).primes.medianMs;
  return {
    'time-alone': {
      label: `Keyward /v1/time at ${RATE.toLocaleString('en-US')} req/s, alone`,
      short: '/v1/time alone',
      role: 'keyward',
      latency: best(alone),
    },
    'time-beside-primes': {
      label: `the same, beside ${CONCURRENT_CHECKS} concurrent 4096-bit prime checks`,
      short: '/v1/time beside primes',
      role: 'keyward',
      baseline: 'time-alone',
      latency: best(beside),
      primes,
    },
  };
}
