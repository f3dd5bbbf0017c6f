/**
 * Timing: an attacker must learn nothing from how long a refusal takes. Two comparisons, on a
 * real gateway (in-process `inject()`, so socket noise does not drown the signal):
 *  - wrong API keys that share all but the last characters of a real key (valid checksum, so
 *    they reach the store) vs random wrong keys (valid checksum too);
 *  - a login with an unknown username vs a known username with the wrong password.
 *
 * The test, made for a noisy 2-core VM shared with other test processes: samples of the two
 * classes are taken in interleaved pairs (A, B, A, B…, the order within each pair alternating),
 * so drift in machine load hits both alike; the statistic is the median of the per-pair
 * differences divided by the median of all samples (a robust, paired relative shift). The
 * classes count as indistinguishable when that shift is under the tolerance: 15 % for keys (300
 * pairs), 25 % for logins (40 pairs, each an Argon2id verification). Noise alone moves the
 * statistic by a few percent; a real difference of the size that matters (a skipped hash, an
 * extra store query) moves it far more. A power check applies a known slowdown to the measured
 * samples and requires the same statistic to flag it, so the test can fail.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateApiKey } from '../../src/auth/keys/format.js';
import { UserService } from '../../src/auth/login/users.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let gw: TestGateway;
let realKey: string;
let address = 0;

beforeAll(async () => {
  gw = await createTestGateway({
    env: { MK: randomBytes(32).toString('base64') },
    yaml: 'secrets: { masterKey: "${MK}" }\nservices:\n  time: { path: /v1/time, auth: [apiKey, jwt] }\n',
  });
  realKey = (await gw.keys.create({ name: 'the real one' }, { id: 'test' })).key;
  const users = new UserService(gw.store, gw.parts.clock);
  for (let i = 0; i < 6; i++) await users.add(`user${i}`, `right-password-${i}`, [], { id: 'test' });
});
afterAll(() => gw?.close());

/** A key body with the wire format's CRC32 checksum appended, so it passes the format check. */
function withChecksum(body: string): string {
  let value = crc32(body);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[value % 62] + sum;
    value = Math.floor(value / 62);
  }
  return body + sum;
}

const randomBody = (length: number) => Array.from(randomBytes(length), (b) => BASE62[b % 62]).join('');

/** A never-seen key sharing all but the last 3 random characters with the real key. */
const prefixSharingKey = () => withChecksum(realKey.slice(0, realKey.length - 9) + randomBody(3));
/** A never-seen random key (fresh each time, so no miss cache answers for it). */
const randomKey = () => generateApiKey('kw');

/** Milliseconds one call takes. */
async function timed(call: () => Promise<{ statusCode: number }>, status: number): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await call();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  expect(res.statusCode).toBe(status);
  return ms;
}

/** `pairs` interleaved samples of each class, alternating which goes first. */
async function interleaved(pairs: number, a: () => Promise<number>, b: () => Promise<number>) {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return { as, bs };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Median of the paired differences, relative to the median of all samples. */
function pairedShift(as: readonly number[], bs: readonly number[]): number {
  return median(as.map((a, i) => a - (bs[i] as number))) / median([...as, ...bs]);
}

function report(name: string, as: number[], bs: number[], shift: number, tolerance: number) {
  console.log(
    `timing ${name}: median ${median(as).toFixed(3)} ms vs ${median(bs).toFixed(3)} ms, ` +
      `paired shift ${(shift * 100).toFixed(1)} % (tolerance ${tolerance * 100} %)`,
  );
}

describe('timing', () => {
  test('wrong keys sharing a real key’s prefix vs random wrong keys: indistinguishable (paired shift < 15 %)', async () => {
    const call = (key: string) => () => gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    // Warm-up: first requests pay for JIT and statement preparation.
    for (let i = 0; i < 30; i++) await call(randomKey())();
    const { as, bs } = await interleaved(
      300,
      () => timed(call(prefixSharingKey()), 401),
      () => timed(call(randomKey()), 401),
    );
    const tolerance = 0.15;
    const shift = pairedShift(as, bs);
    report('keys', as, bs, shift, tolerance);
    expect(Math.abs(shift)).toBeLessThan(tolerance);
    // Power: the same statistic flags a 30 % slowdown of one class in these very samples.
    expect(
      Math.abs(
        pairedShift(
          as.map((a) => a * 1.3),
          bs,
        ),
      ),
    ).toBeGreaterThan(tolerance);
  });

  test('unknown user vs wrong password: indistinguishable (paired shift < 25 %)', async () => {
    // A distinct client address per attempt, and at most 10 per username: the login throttle
    // (10 failures per name, 50 per address) must not answer 429 before the password is checked.
    const login = (username: string) => () =>
      gw.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: `10.9.${address >> 8}.${address++ & 255}`,
        payload: { username, password: 'not-the-password' },
      });
    let ghosts = 0;
    let known = 0;
    for (let i = 0; i < 4; i++) await login(`ghost-warmup-${i}`)();
    const { as, bs } = await interleaved(
      40,
      () => timed(login(`ghost-${ghosts++}`), 401),
      () => timed(login(`user${known++ % 6}`), 401),
    );
    const tolerance = 0.25;
    const shift = pairedShift(as, bs);
    report('login', as, bs, shift, tolerance);
    expect(Math.abs(shift)).toBeLessThan(tolerance);
    expect(
      Math.abs(
        pairedShift(
          as.map((a) => a * 1.6),
          bs,
        ),
      ),
    ).toBeGreaterThan(tolerance);
  }, 60_000);
});
