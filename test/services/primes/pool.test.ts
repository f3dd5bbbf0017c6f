import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KeywardError } from '../../../src/errors.js';
import { checkPrime, nextPrime } from '../../../src/services/primes/math.js';
import { INLINE_CHECK_MAX_BITS, PrimePool } from '../../../src/services/primes/pool.js';
import { mersenne } from '../../fixtures/primes.js';
import { createTestGateway, type TestGateway } from '../../helpers/gateway.js';

/** A 3217-bit prime: checking it takes long enough (~0.1 s or more) to see where it ran. */
const BIG_PRIME = mersenne(3217);

describe('the worker pool', () => {
  test.each([
    ['small, inline', 97n],
    ['at the inline limit', (1n << BigInt(INLINE_CHECK_MAX_BITS)) - 189n],
    ['just past it, in a worker', (1n << 257n) + 1n],
    ['a 521-bit prime, in a worker', mersenne(521)],
    ['a 1024-bit composite, in a worker', mersenne(1024)],
  ])('checks %s exactly as the math does', async (_name, n) => {
    const pool = new PrimePool({ threads: 1 });
    try {
      expect(await pool.check(n)).toEqual(checkPrime(n));
    } finally {
      await pool.close();
    }
  });

  test.skipIf(process.platform !== 'linux')(
    'workers run at a lower priority (nice 10) than the event loop, which stays at its own',
    async () => {
      const niceOf = (tid: string) => {
        // /proc/<pid>/task/<tid>/stat: the 19th field is the nice value (after the ")" of the name).
        const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const mainNice = niceOf(String(process.pid));
      const pool = new PrimePool({ threads: 1 });
      try {
        const before = new Set(readdirSync(`/proc/${process.pid}/task`));
        await pool.check(mersenne(521));
        const added = readdirSync(`/proc/${process.pid}/task`).filter((tid) => !before.has(tid));
        expect(added.map(niceOf)).toContain(10);
        expect(niceOf(String(process.pid))).toBe(mainNice);
      } finally {
        await pool.close();
      }
    },
  );

  test('next-prime searches give the same prime as the math', async () => {
    const pool = new PrimePool({ threads: 1 });
    try {
      for (const n of [10n, 1n << 70n, (1n << 200n) + 12345n]) {
        const p = nextPrime(n);
        const { certainty, bits } = checkPrime(p);
        expect(await pool.next(n)).toEqual({ nextPrime: p.toString(), certainty, bits });
      }
    } finally {
      await pool.close();
    }
  });

  test('a full queue refuses with 503 KW_ERR_OVERLOADED and Retry-After, without losing queued work', async () => {
    const pool = new PrimePool({ threads: 1, maxQueue: 1 });
    try {
      const running = pool.check(BIG_PRIME);
      const queued = pool.check(BIG_PRIME);
      const refused = pool.check(BIG_PRIME).then(
        () => null,
        (error: unknown) => error,
      );
      const error = (await refused) as KeywardError;
      expect(error).toBeInstanceOf(KeywardError);
      expect(error).toMatchObject({ code: 'KW_ERR_OVERLOADED', status: 503 });
      expect(error.headers).toMatchObject({ 'retry-after': '1' });
      expect((await running).isPrime).toBe(true);
      expect((await queued).isPrime).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('over HTTP', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await createTestGateway({
      yaml: 'services:\n  primes: { path: /v1/primes, auth: [apiKey] }\n  time: { path: /v1/time, auth: [apiKey] }\n',
    });
    key = (await gw.keys.create({ name: 'caller' }, { id: 'test' })).key;
  });
  afterAll(() => gw.close());

  test('a big check does not hold up other requests: one sent after it is answered first', async () => {
    const order: string[] = [];
    const big = gw.app
      .inject({
        method: 'POST',
        url: '/v1/primes/check',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        payload: { number: BIG_PRIME.toString() },
      })
      .then((res) => {
        order.push('big check');
        return res;
      });
    // Let the check reach its worker before the next request is sent.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const time = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    order.push('time');
    expect(time.statusCode).toBe(200);
    const res = await big;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ isPrime: true, certainty: 'probable', bits: 3217 });
    expect(order).toEqual(['time', 'big check']);
  });
});
