import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { format, inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import {
  decryptValue,
  EnvelopeError,
  encryptValue,
  generateMasterKey,
  MasterKey,
  parseMasterKey,
  reencrypt,
} from '../../src/secrets/envelope.js';

const NOT_SET = 'secrets.masterKey is not set; run `keyward init` or set KEYWARD_MASTER_KEY';
// 0xfb bytes spell '+' and '/' in standard base64, so the url-safe spelling really differs.
const FIXED_BYTES = Buffer.alloc(32, 0xfb);
const FIXED_TEXT = FIXED_BYTES.toString('base64');

function key(text = generateMasterKey()): MasterKey {
  const parsed = parseMasterKey(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.key;
}

function errorOf(fn: () => unknown): EnvelopeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return error as EnvelopeError;
  }
  throw new Error('expected an EnvelopeError, nothing was thrown');
}

function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}

/** Replaces part `index` of an envelope. */
function withPart(sealed: string, index: number, text: string): string {
  const parts = sealed.split('.');
  parts[index] = text;
  return parts.join('.');
}

/** Flips the lowest bit of byte `at` (negative counts from the end) in base64url part `index`. */
function flip(sealed: string, index: number, at: number): string {
  const bytes = Buffer.from(sealed.split('.')[index] as string, 'base64url');
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = (bytes[i] as number) ^ 1;
  return withPart(sealed, index, bytes.toString('base64url'));
}

describe('envelope encryption', () => {
  const master = key();

  test.each([
    ['ascii', 'sk_live_123'],
    ['unicode', 'clé-секрет-🔑-密钥'],
    ['empty', ''],
  ])('round trip: %s string', (_name, value) => {
    const sealed = encryptValue(master, value, 'slot');
    expect(sealed).toMatch(/^kw1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
    expect(sealed.split('.')[1]).toBe(master.fingerprint);
    if (value !== '') expect(sealed).not.toContain(value);
    expect(decryptValue(master, sealed, 'slot').toString('utf8')).toBe(value);
  });

  test('round trip: 64 KiB of random bytes', () => {
    const value = randomBytes(64 * 1024);
    const opened = decryptValue(master, encryptValue(master, value, 'slot'), 'slot');
    expect(opened.equals(value)).toBe(true);
  });

  test('a fresh nonce each time: the same value never seals the same way twice', () => {
    const sealed = Array.from({ length: 200 }, () => encryptValue(master, 'same', 'slot'));
    expect(new Set(sealed).size).toBe(200);
    expect(new Set(sealed.map((s) => s.split('.')[2])).size).toBe(200);
  });

  test('envelopes from before this rewrite still open (the format is stored data)', () => {
    const sealed = 'kw1.58de508f.P2TJYvm-BgDTztM4.dey2NkHK9i20ocjyDd82EVXxJkjwomTL.yOd-hXrO6GXVA8NyF2h8cg';
    expect(decryptValue(key(FIXED_TEXT), sealed, 'stripe').toString('utf8')).toBe('sk_live_known-answer ✓');
  });

  test('another master key is detected from the fingerprint, without decrypting', () => {
    const other = key();
    const error = errorOf(() => decryptValue(other, encryptValue(master, 'sk_live_123', 'slot'), 'slot'));
    expect(error.code).toBe('ERR_ENVELOPE_WRONG_KEY');
    expect(error.message).toContain(master.fingerprint);
    expect(error.message).toContain(other.fingerprint);
    expect(error.message).not.toContain('sk_live_123');
  });

  test.each([
    [2, 'nonce', 0],
    [2, 'nonce', -1],
    [3, 'ciphertext', 0],
    [3, 'ciphertext', -1],
    [4, 'tag', 0],
    [4, 'tag', -1],
  ])('a flipped bit in part %i (%s, byte %i) fails authentication', (index, _name, at) => {
    const sealed = encryptValue(master, 'sk_live_123', 'slot');
    const error = errorOf(() => decryptValue(master, flip(sealed, index, at), 'slot'));
    expect(error.code).toBe('ERR_ENVELOPE_TAMPERED');
    expect(error.message).not.toContain('sk_live_123');
  });

  test('swapping two rows’ envelopes fails authentication in both slots', () => {
    const stripe = encryptValue(master, 'sk_stripe', 'stripe');
    const weather = encryptValue(master, 'wx_key', 'weather');
    expect(codeOf(() => decryptValue(master, stripe, 'weather'))).toBe('ERR_ENVELOPE_TAMPERED');
    expect(codeOf(() => decryptValue(master, weather, 'stripe'))).toBe('ERR_ENVELOPE_TAMPERED');
  });

  test('a value truncated to nothing fails authentication', () => {
    const sealed = encryptValue(master, 'sk_live_123', 'slot');
    expect(codeOf(() => decryptValue(master, withPart(sealed, 3, ''), 'slot'))).toBe('ERR_ENVELOPE_TAMPERED');
  });

  describe('malformed envelopes are format errors, checked before the key', () => {
    const good = encryptValue(master, 'sk_live_123', 'slot');
    const tag = good.split('.')[4] as string;
    // The last base64url character of a 16-byte tag carries 4 unused bits; setting one is a
    // second spelling of the same bytes, which must not be accepted.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const nonCanonicalTag = tag.slice(0, -1) + alphabet[alphabet.indexOf(tag.at(-1) as string) ^ 1];

    test.each([
      ['empty', ''],
      ['plaintext stored by mistake', 'sk_live_123'],
      ['four parts', 'kw1.a.b.c'],
      ['six parts', `${good}.AAAA`],
      ['unknown version', withPart(good, 0, 'kw2')],
      ['uppercase fingerprint', withPart(good, 1, master.fingerprint.toUpperCase())],
      ['short fingerprint', withPart(good, 1, 'abc')],
      ['non-base64url characters', withPart(good, 2, '!!!!!!!!!!!!!!!!')],
      ['standard base64 alphabet', withPart(good, 3, '+/+/')],
      ['padding', withPart(good, 4, `${tag}==`)],
      ['11-byte nonce', withPart(good, 2, randomBytes(11).toString('base64url'))],
      ['13-byte nonce', withPart(good, 2, randomBytes(13).toString('base64url'))],
      ['15-byte tag', withPart(good, 4, randomBytes(15).toString('base64url'))],
      ['17-byte tag', withPart(good, 4, randomBytes(17).toString('base64url'))],
      ['non-canonical tag spelling', withPart(good, 4, nonCanonicalTag)],
      ['malformed and from another key', withPart(withPart(good, 1, 'deadbeef'), 4, 'AA')],
    ])('%s', (_name, sealed) => {
      const error = errorOf(() => decryptValue(master, sealed, 'slot'));
      expect(error.code).toBe('ERR_ENVELOPE_FORMAT');
      expect(error.message).not.toContain('sk_live_123');
    });

    test('a non-string (a NULL column) is a format error, not a crash', () => {
      expect(codeOf(() => decryptValue(master, null as unknown as string, 'slot'))).toBe(
        'ERR_ENVELOPE_FORMAT',
      );
    });
  });

  test('EnvelopeError is an Error with a name and a code', () => {
    const error = errorOf(() => decryptValue(master, 'garbage', 'slot'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EnvelopeError');
    expect(error.message).not.toContain('garbage');
  });

  describe('reencrypt', () => {
    test('moves a value to the new key; the old key no longer opens it', () => {
      const next = key();
      const moved = reencrypt(master, next, encryptValue(master, 'value', 'slot'), 'slot');
      expect(moved.split('.')[1]).toBe(next.fingerprint);
      expect(decryptValue(next, moved, 'slot').toString()).toBe('value');
      expect(codeOf(() => decryptValue(master, moved, 'slot'))).toBe('ERR_ENVELOPE_WRONG_KEY');
    });

    test('keeps the slot binding', () => {
      const next = key();
      const moved = reencrypt(master, next, encryptValue(master, 'value', 'slot'), 'slot');
      expect(codeOf(() => decryptValue(next, moved, 'other'))).toBe('ERR_ENVELOPE_TAMPERED');
    });

    test('refuses an envelope the old key did not seal', () => {
      const sealed = encryptValue(key(), 'value', 'slot');
      expect(codeOf(() => reencrypt(master, key(), sealed, 'slot'))).toBe('ERR_ENVELOPE_WRONG_KEY');
    });
  });
});

describe('master keys', () => {
  const std = FIXED_TEXT;
  const url = FIXED_BYTES.toString('base64url');

  test.each([
    ['standard base64, padded', std, true],
    ['standard base64, unpadded', std.replace(/=+$/, ''), true],
    ['url-safe base64, unpadded', url, true],
    ['url-safe base64, padded', `${url}=`, true],
    ['surrounding whitespace (a pasted line)', ` ${std}\n`, true],
    ['31 bytes', randomBytes(31).toString('base64'), false],
    ['33 bytes', randomBytes(33).toString('base64'), false],
    ['garbage', 'this is not base64!', false],
    ['inner whitespace', `${std.slice(0, 20)} ${std.slice(20)}`, false],
    ['too much padding', `${url}==`, false],
    ['padding in the middle', `${std.slice(0, 20)}=${std.slice(20)}`, false],
    ['hex instead of base64', FIXED_BYTES.toString('hex'), false],
    ['empty', '', false],
  ])('%s', (_name, text, ok) => {
    const parsed = parseMasterKey(text);
    expect(parsed.ok).toBe(ok);
    if (parsed.ok) expect(parsed.key.fingerprint).toBe(key(std).fingerprint);
  });

  test.each([
    ['empty', ''],
    ['blank', ' \n'],
    ['missing', undefined],
  ])('%s: says how to set one', (_name, text) => {
    expect(parseMasterKey(text)).toEqual({ ok: false, message: NOT_SET });
  });

  test.each([31, 33, 16, 64])('%i bytes: the message says how many bytes were decoded', (n) => {
    const text = randomBytes(n).toString('base64');
    const parsed = parseMasterKey(text);
    expect(parsed).toEqual({ ok: false, message: expect.stringContaining(`${n} bytes`) });
    if (!parsed.ok) expect(parsed.message).not.toContain(text);
  });

  test('a mistyped last character (stray bits) is rejected, not silently accepted', () => {
    // 32 bytes leave 2 unused bits in the 43rd character: 'A' -> 'B' decodes to the same bytes.
    const text = Buffer.alloc(32).toString('base64url').slice(0, 42) + 'B';
    const parsed = parseMasterKey(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/base64/);
  });

  test('error messages never echo the key', () => {
    for (const bad of [randomBytes(20).toString('base64'), `${randomBytes(32).toString('base64')}!`]) {
      const parsed = parseMasterKey(bad);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).not.toContain(bad.slice(0, 12));
    }
  });

  test('the fingerprint is the first 8 hex of SHA-256("keyward-master-key-id" + key)', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('keyward-master-key-id'), FIXED_BYTES]))
      .digest('hex')
      .slice(0, 8);
    expect(key(std).fingerprint).toBe(expected);
    expect(key(url).fingerprint).toBe(expected);
    expect(key().fingerprint).not.toBe(expected);
  });

  test('generateMasterKey gives distinct 32-byte standard base64 keys that parse', () => {
    const a = generateMasterKey();
    const b = generateMasterKey();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(parseMasterKey(a).ok).toBe(true);
  });

  test('the constructor refuses anything but 32 bytes', () => {
    expect(() => new MasterKey(Buffer.alloc(31))).toThrow(RangeError);
    expect(new MasterKey(FIXED_BYTES).fingerprint).toBe(key(std).fingerprint);
  });

  test('a master key never reveals its bytes or its derived data key', () => {
    const k = key(std);
    const dataKey = Buffer.from(hkdfSync('sha256', FIXED_BYTES, Buffer.alloc(0), 'keyward-secrets-v1', 32));
    const forbidden = [std.slice(0, 12), url.slice(0, 12), FIXED_BYTES.toString('hex').slice(0, 16)];
    forbidden.push(dataKey.toString('base64').slice(0, 12), dataKey.toString('hex').slice(0, 16));
    const shown = [
      JSON.stringify({ k }),
      String(k),
      `${k}`,
      inspect(k),
      inspect(k, { showHidden: true, depth: 10 }),
      format('%s %o %O %j', k, k, k, k),
      JSON.stringify(Object.entries(k)),
    ];
    for (const text of shown) {
      for (const secret of forbidden) expect(text).not.toContain(secret);
    }
    expect(String(k)).toBe('[redacted]');
    expect(JSON.stringify(k)).toBe('"[redacted]"');
    expect(inspect(k)).toBe('[redacted]');
    expect(Object.keys(k)).toEqual(['fingerprint']);
  });
});
