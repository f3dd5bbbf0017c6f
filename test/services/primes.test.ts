import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseExactJson } from '../../src/http/exact-json.js';
import { CARMICHAEL, mersenne, STRONG_LUCAS_PSEUDOPRIMES } from '../fixtures/primes.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const SEED = '172983479832623897492387592384682937659382477';
const short = (text: string): string => (text.length > 60 ? `${text.slice(0, 40)}…` : text);

let gw: TestGateway;
let key: string;
beforeAll(async () => {
  gw = await createTestGateway({
    yaml: [
      'services:',
      '  primes: { path: /v1/primes, auth: [apiKey], roles: [math], maxBits: 4096 }',
      '  time: { path: /v1/time, auth: [apiKey] }',
    ].join('\n'),
  });
  key = (await gw.keys.create({ name: 'seed', roles: ['math'] }, { id: 'test' })).key;
});
afterAll(() => gw.close());

/** POSTs a raw JSON text, as a client that writes big integers as bare JSON numbers would. */
function post(path: string, payload: string, headers: Record<string, string> = { authorization: key }) {
  return gw.app.inject({
    method: 'POST',
    url: `/v1/primes/${path}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
}

describe('the seed calls, unchanged', () => {
  test('the prime check with a bare JSON integer and `Authorization: KEY` says composite', async () => {
    // requests.post(url, json={'number': 1729…477}, headers={'Authorization': KEY})
    const res = await post('check', `{"number": ${SEED}}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ number: SEED, isPrime: false, certainty: 'proven', bits: 147 });
  });

  test('the same number as a decimal string gives the same answer', async () => {
    const res = await post('check', JSON.stringify({ number: SEED }));
    expect(res.json()).toEqual({ number: SEED, isPrime: false, certainty: 'proven', bits: 147 });
  });

  test('the time call still works with the raw key', async () => {
    const res = await gw.app.inject({ url: '/v1/time', headers: { authorization: key } });
    expect(res.statusCode).toBe(200);
    expect(res.json().currentTime).toMatch(/Z$/);
  });
});

describe('POST /check answers correctly for primes and pseudoprimes', () => {
  const composites = [
    ...CARMICHAEL,
    // Strong pseudoprimes to base 2 below 60000 (OEIS A001262).
    2047n,
    3277n,
    4033n,
    4681n,
    8321n,
    15841n,
    29341n,
    42799n,
    49141n,
    52633n,
    // Strong pseudoprimes to many prime bases, up to the deterministic bound itself.
    3215031751n,
    3825123056546413051n,
    318665857834031151167461n,
    3317044064679887385961981n,
    ...STRONG_LUCAS_PSEUDOPRIMES,
    // Large composites beyond the deterministic bound, decided by Baillie–PSW.
    BigInt(SEED),
    mersenne(127) * mersenne(127),
    mersenne(607) * mersenne(521),
  ];
  test.each(composites)('%s is composite (proven)', async (n) => {
    const res = await post('check', JSON.stringify({ number: n.toString() }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ number: n.toString(), isPrime: false, certainty: 'proven' });
  });

  test.each([
    [2n, 'proven'],
    [97n, 'proven'],
    [2_147_483_647n, 'proven'],
    [mersenne(61), 'proven'],
    [mersenne(89), 'probable'],
    [mersenne(127), 'probable'],
    [mersenne(521), 'probable'],
  ] as const)('%s is prime (%s)', async (n, certainty) => {
    const res = await post('check', JSON.stringify({ number: n.toString() }));
    expect(res.json()).toEqual({
      number: n.toString(),
      isPrime: true,
      certainty,
      bits: n.toString(2).length,
    });
  });

  test('JSON numbers up to 2^53 are accepted as numbers', async () => {
    const res = await post('check', '{"number": 9007199254740881}');
    expect(res.json()).toMatchObject({ number: '9007199254740881', isPrime: true });
    expect((await post('check', '{"number": 0}')).json()).toMatchObject({ number: '0', isPrime: false });
  });

  test('a 4096-bit number, the configured limit, is checked', async () => {
    const n = mersenne(4096);
    const res = await post('check', JSON.stringify({ number: n.toString() }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ isPrime: false, bits: 4096 });
  });
});

describe('POST /check rejects bad input with 422 naming body.number', () => {
  test.each(
    [
      ['{"number": "-7"}', /negative/],
      ['{"number": -7}', /negative/],
      [`{"number": -${SEED}}`, /negative/],
      ['{"number": "0x1f"}', /digits 0-9/],
      ['{"number": " 7"}', /digits 0-9/],
      ['{"number": "007"}', /leading zeros/],
      ['{"number": ""}', /empty/],
      ['{"number": 1.5}', /integer/],
      ['{"number": 1e300}', /2\^53/],
      ['{"number": 1e999}', /finite/],
      ['{"number": true}', /got boolean/],
      ['{"number": null}', /got null/],
      ['{"number": ["7"]}', /got array/],
      ['{"number": {"n": 7}}', /got object/],
      [`{"number": "${mersenne(4097)}"}`, /limit is 4096 bits/],
      [`{"number": "${'9'.repeat(5000)}"}`, /at most 1234 digits/],
      [`{"number": ${'9'.repeat(5000)}}`, /at most 1234 digits/],
    ].map(([payload, message]) => [short(payload as string), payload as string, message as RegExp]),
  )('%s', async (_label, payload, message) => {
    const res = await post('check', payload);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body.code).toBe('KW_ERR_VALIDATION');
    expect(body.errors).toEqual([{ path: 'body.number', message: expect.stringMatching(message) }]);
  });

  test('a missing number and an unknown field are 422 too', async () => {
    const missing = await post('check', '{}');
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors).toEqual([{ path: 'body.number', message: 'is required' }]);
    const extra = await post('check', '{"number": "7", "n": 7}');
    expect(extra.statusCode).toBe(422);
    expect(extra.json().errors).toEqual([{ path: 'body.n', message: 'unknown field' }]);
  });

  test('malformed JSON is 400 and prototype keys are refused', async () => {
    for (const payload of ['{"number": ', '', '{"__proto__": {"x": 1}, "number": "7"}']) {
      const res = await post('check', payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().code).toBe('KW_ERR_INVALID_JSON');
    }
  });
});

describe('POST /next', () => {
  test.each([
    ['0', '2'],
    ['14', '17'],
    ['17', '17'],
    [SEED, (BigInt(SEED) + 134n).toString()],
    [(1n << 128n).toString(), ((1n << 128n) + 51n).toString()],
  ])('next prime from %s is %s', async (from, expected) => {
    const res = await post('next', JSON.stringify({ number: from }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ number: from, nextPrime: expected });
  });

  test('a bare big JSON integer works here too', async () => {
    const res = await post('next', `{"number": ${SEED}}`);
    expect(res.json()).toEqual({
      number: SEED,
      nextPrime: (BigInt(SEED) + 134n).toString(),
      certainty: 'probable',
      bits: 147,
    });
  });

  test('inputs above 1024 bits are refused with 422 naming the limit, however high maxBits is', async () => {
    const res = await post('next', JSON.stringify({ number: (1n << 1024n).toString() }));
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([
      { path: 'body.number', message: 'number has 1025 bits; the limit is 1024 bits' },
    ]);
    const ok = await post('next', JSON.stringify({ number: mersenne(1024).toString() }));
    expect(ok.statusCode).toBe(200);
  });
});

describe('protection', () => {
  test('no key is 401, a key without the role is 403, GET is 405', async () => {
    const anonymous = await post('check', '{"number": 7}', {});
    expect(anonymous.statusCode).toBe(401);
    const other = await gw.keys.create({ name: 'other', roles: ['reader'] }, { id: 'test' });
    const forbidden = await post('check', '{"number": 7}', { 'x-api-key': other.key });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().detail).toBe('This requires one of the roles: math.');
    const get = await gw.app.inject({ url: '/v1/primes/check', headers: { authorization: key } });
    expect(get.statusCode).toBe(405);
  });

  test('the body is not read before authentication', async () => {
    const res = await post('check', '{"number": ', {});
    expect(res.statusCode).toBe(401);
  });

  test('the service rate limit applies per key, as the seed wanted (5 a day)', async () => {
    const limited = await createTestGateway({
      yaml: 'services:\n  primes: { path: /v1/primes, auth: [apiKey], rateLimit: [{ requests: 5, per: day, by: key }] }\n',
    });
    try {
      const { key: k } = await limited.keys.create({ name: 'daily' }, { id: 'test' });
      const call = () =>
        limited.app.inject({
          method: 'POST',
          url: '/v1/primes/check',
          headers: { authorization: k, 'content-type': 'application/json' },
          payload: '{"number": 7}',
        });
      for (let i = 0; i < 5; i++) expect((await call()).statusCode).toBe(200);
      const sixth = await call();
      expect(sixth.statusCode).toBe(429);
      expect(sixth.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});

describe('parseExactJson', () => {
  test('keeps integers beyond 2^53 as their exact decimal text, leaves the rest alone', () => {
    expect(parseExactJson(`{"a": ${SEED}, "b": 7, "c": 1.5, "d": 1e300, "e": [9007199254740993]}`)).toEqual({
      a: SEED,
      b: 7,
      c: 1.5,
      d: 1e300,
      e: ['9007199254740993'],
    });
  });

  test('refuses prototype-poisoning keys', () => {
    expect(() => parseExactJson('{"__proto__": {}}')).toThrow();
    expect(() => parseExactJson('{"constructor": {"prototype": {}}}')).toThrow();
    expect(parseExactJson('{"constructor": 1}')).toEqual({ constructor: 1 });
  });
});
