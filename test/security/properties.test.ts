/**
 * Properties (fast-check) of the parsers at Keyward's boundaries: whatever they are fed, they
 * answer with their own result or error type and never crash or let through what they must
 * refuse. The config loader throws nothing but ConfigError; credential extraction yields a key
 * only when exactly one was sent; API keys with any corruption are refused without a store
 * lookup; the CSV reader round-trips what it writes and the import never throws; the primes
 * parser accepts exactly the non-negative integers within the bit limit. (Path confinement's
 * properties, including as a servlet upstream reads the path, are in test/proxy/path.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileCredentialTransports } from '../../src/auth/credentials.js';
import { checkKeyFormat, generateApiKey, hasKeyShape, hasValidChecksum } from '../../src/auth/keys/format.js';
import type { ApiKeySettings } from '../../src/config/compile.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { formatCsv, parseCsv } from '../../src/services/places/csv.js';
import { placesFromCsv } from '../../src/services/places/csv-places.js';
import { parsePrimeInput } from '../../src/services/primes/parse.js';

/** YAML-ish text built from the config's own vocabulary, so runs reach deep into validation. */
const configText = (() => {
  const word = fc.constantFrom(
    'server',
    'port',
    'host',
    'bodyLimit',
    'requestTimeout',
    'routes',
    'name',
    'path',
    'auth',
    'upstream',
    'url',
    'inject',
    'query',
    'header',
    'cors',
    'origins',
    'plans',
    'limits',
    'requests',
    'per',
    'services',
    'time',
    'primes',
    'places',
    'secrets',
    'masterKey',
    'jwt',
    'providers',
    'apiKeys',
    'prefix',
    'rateLimit',
    'admin',
    'roles',
    'storage',
    'redis',
    'log',
    'level',
    'unknownKey',
    '__proto__',
    'constructor',
  );
  const scalar = fc.oneof(
    fc.constantFrom(
      '8080',
      '-1',
      '1e309',
      '0x10',
      '10s',
      '1mb',
      'banana',
      'true',
      'null',
      '~',
      '[]',
      '{}',
      '"${X}"',
      '"${X:-d}"',
      '"${secret:s}"',
      '"${"',
      '/x/*',
      'http://u',
      '[apiKey]',
      '[none, jwt]',
      '&a',
      '*a',
      '!!binary',
      '"\\u0000"',
      "'",
      '"',
      '|',
      '>',
      '- - -',
    ),
    fc.string({ maxLength: 12 }),
  );
  const line = fc.tuple(fc.nat({ max: 6 }), word, fc.constantFrom(': ', ':', ' - ', ': - '), scalar);
  return fc
    .array(line, { maxLength: 14 })
    .map((lines) =>
      lines.map(([indent, key, sep, value]) => `${' '.repeat(indent)}${key}${sep}${value}`).join('\n'),
    );
})();

describe('the config loader', () => {
  test('throws nothing but ConfigError, whatever the text and environment', () => {
    fc.assert(
      fc.property(
        fc.oneof(configText, fc.string({ maxLength: 200 })),
        fc.dictionary(fc.constantFrom('X', 'MK', 'UP'), fc.string({ maxLength: 20 })),
        (text, env) => {
          try {
            parseConfig(text, 'fuzz.yaml', env);
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            expect(error.problems.length).toBeGreaterThan(0);
            for (const problem of error.problems) expect(typeof problem.message).toBe('string');
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

const settings: ApiKeySettings = {
  prefix: 'kw',
  header: 'x-api-key',
  bearer: true,
  raw: true,
  basic: true,
  queryParam: 'api_key',
};
const transports = compileCredentialTransports(settings);

describe('credential extraction', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9_~+/=.-]{1,60}$/);
  const headerValue = fc.oneof(
    token,
    fc.string({ maxLength: 80 }),
    fc.array(token, { minLength: 2, maxLength: 3 }),
  );
  const request = fc.record(
    {
      'x-api-key': headerValue,
      authorization: fc.oneof(
        token.map((t) => `Bearer ${t}`),
        token.map((t) => `Basic ${Buffer.from(`user:${t}`).toString('base64')}`),
        token,
        fc.string({ maxLength: 80 }),
        fc.array(
          token.map((t) => `Bearer ${t}`),
          { minLength: 2, maxLength: 2 },
        ),
      ),
      cookie: token,
    },
    { requiredKeys: [] },
  );
  const query = fc.record(
    { api_key: fc.oneof(token, fc.array(token, { maxLength: 3 })), q: token },
    { requiredKeys: [] },
  );

  test('a key is extracted only when one was sent, and it is one of the values sent', () => {
    fc.assert(
      fc.property(request, query, (headers, q) => {
        const result = transports.extract({ headers, query: q });
        if (!result.ok) {
          expect(['missing', 'ambiguous', 'malformed']).toContain(result.reason);
          return;
        }
        expect(result.key.length).toBeGreaterThan(0);
        expect(result.key.length).toBeLessThanOrEqual(512);
        const sent = [...Object.values(headers), ...Object.values(q)].flat() as string[];
        const inBasic = typeof headers.authorization === 'string' && /^basic /i.test(headers.authorization);
        if (!inBasic) expect(sent.some((value) => value.includes(result.key))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  test('two different keys are always ambiguous, never a guess', () => {
    fc.assert(
      fc.property(token, token, fc.constantFrom('bearer', 'query', 'raw'), (a, b, second) => {
        fc.pre(a !== b);
        const headers: Record<string, string> = { 'x-api-key': a };
        const q: Record<string, string> = {};
        if (second === 'bearer') headers.authorization = `Bearer ${b}`;
        else if (second === 'raw') headers.authorization = b;
        else q.api_key = b;
        expect(transports.extract({ headers, query: q })).toEqual({ ok: false, reason: 'ambiguous' });
      }),
      { numRuns: 500 },
    );
  });
});

describe('API key format fuzzing', () => {
  const key = fc.constant(null).map(() => generateApiKey('kw'));
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

  test('a generated key has the shape and a valid checksum', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(hasKeyShape(k, 'kw')).toBe(true);
        expect(checkKeyFormat(k, 'kw')).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  test('any single-character substitution, deletion, insertion or swap is refused before a lookup', () => {
    fc.assert(
      fc.property(
        key,
        fc.nat(),
        fc.constantFrom('substitute', 'delete', 'insert', 'swap'),
        fc.constantFrom(...BASE62, '_', '-', 'é', ' ', '\u0000'),
        (k, at, edit, char) => {
          const i = 3 + (at % (k.length - 3));
          let mutated = k;
          if (edit === 'substitute') mutated = k.slice(0, i) + char + k.slice(i + 1);
          if (edit === 'delete') mutated = k.slice(0, i) + k.slice(i + 1);
          if (edit === 'insert') mutated = k.slice(0, i) + char + k.slice(i);
          if (edit === 'swap' && i + 1 < k.length) mutated = k.slice(0, i) + k[i + 1] + k[i] + k.slice(i + 2);
          fc.pre(mutated !== k);
          // CRC32 catches every single-character error in the body, so no lookup is ever needed.
          expect(checkKeyFormat(mutated, 'kw')).not.toBeNull();
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('random strings, other prefixes and lookalikes never pass the format check', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.stringMatching(/^[a-z]{1,4}_[0-9A-Za-z]{49}$/),
          key.map((k) => `KW${k.slice(2)}`),
          key.map((k) => `${k} `),
          key.map((k) => k.normalize('NFKD').replace('0', 'Ｏ')),
        ),
        (candidate) => {
          const shaped = hasKeyShape(candidate, 'kw');
          if (shaped) expect(hasValidChecksum(candidate)).toBe(checkKeyFormat(candidate, 'kw') === null);
          else expect(checkKeyFormat(candidate, 'kw')).not.toBeNull();
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('CSV import', () => {
  const field = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('"', '""', ',', '\n', '\r\n', '=1+1', ' '),
  );
  test('what formatCsv writes, parseCsv reads back field for field', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        (rows) => {
          // A lone empty field is a blank row, which the reader skips by design.
          fc.pre(rows.every((r) => !(r.length === 1 && r[0] === '')));
          const parsed = parseCsv(formatCsv(rows));
          expect(parsed.ok).toBe(true);
          if (parsed.ok) expect(parsed.records.map((r) => r.fields)).toEqual(rows);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('placesFromCsv never throws and reports rows, never more than it can list', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .array(fc.tuple(field, fc.oneof(fc.double(), field), fc.oneof(fc.double(), field)), {
              maxLength: 8,
            })
            .map((rows) => `name,latitude,longitude\n${rows.map((r) => r.map(String).join(',')).join('\n')}`),
        ),
        (text) => {
          const result = placesFromCsv(text);
          if (result.ok) {
            for (const place of result.places) {
              expect(Math.abs(place.latitude)).toBeLessThanOrEqual(90);
              expect(Math.abs(place.longitude)).toBeLessThanOrEqual(180);
            }
          } else {
            expect(result.errors.length).toBeGreaterThan(0);
            for (const error of result.errors) expect(error.path).toMatch(/^row \d+$/);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('the primes parser', () => {
  test('accepts exactly the non-negative integers below the bit limit, as strings or safe numbers', () => {
    const maxBits = 64;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => n.toString()),
          fc.string({ maxLength: 30 }),
          fc.constantFrom('', '0', '00', '+1', '1e3', '0x10', ' 1', '1 ', '١٢٣', '1_000', 'NaN', '-0'),
          fc.double(),
          fc.integer(),
          fc.constantFrom(null, true, [], {}, 2 ** 53, -1),
        ),
        (value) => {
          const parsed = parsePrimeInput(value, maxBits);
          const text =
            typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : null) : value;
          const valid =
            typeof text === 'string' &&
            /^(0|[1-9][0-9]*)$/.test(text) &&
            BigInt(text) < 2n ** BigInt(maxBits);
          if (parsed.ok) {
            expect(valid).toBe(true);
            expect(parsed.n).toBe(BigInt(text as string));
          } else {
            expect(parsed.message.length).toBeGreaterThan(0);
            if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value))
              expect(BigInt(value) >= 2n ** 64n).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
