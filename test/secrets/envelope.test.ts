import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import {
  decryptValue,
  EnvelopeError,
  encryptValue,
  generateMasterKey,
  type MasterKey,
  parseMasterKey,
  reencrypt,
} from '../../src/secrets/envelope.js';

function key(text = generateMasterKey()): MasterKey {
  const parsed = parseMasterKey(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.key;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return (error as EnvelopeError).code;
  }
  return 'no error';
}

function flip(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part] as string, 'base64url');
  bytes[0] = (bytes[0] as number) ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('envelope encryption', () => {
  const master = key();

  test.each([
    ['plain', 'sk_live_123'],
    ['unicode', 'clé-секрет-🔑'],
    ['empty', ''],
    ['64 KiB', 'x'.repeat(65536)],
  ])('round trip: %s', (_name, value) => {
    const sealed = encryptValue(master, value, 'slot');
    expect(sealed).toMatch(/^kw1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain(value || '\u0000');
    expect(decryptValue(master, sealed, 'slot').toString('utf8')).toBe(value);
  });

  test('a fresh nonce each time: the same value seals differently', () => {
    expect(encryptValue(master, 'same', 'slot')).not.toBe(encryptValue(master, 'same', 'slot'));
  });

  test('another master key is detected before decryption', () => {
    expect(codeOf(() => decryptValue(key(), encryptValue(master, 'v', 'slot'), 'slot'))).toBe(
      'ERR_ENVELOPE_WRONG_KEY',
    );
  });

  test.each([
    [2, 'nonce'],
    [3, 'ciphertext'],
    [4, 'tag'],
  ])('a flipped bit in part %i (%s) fails authentication', (part) => {
    expect(
      codeOf(() => decryptValue(master, flip(encryptValue(master, 'value', 'slot'), part), 'slot')),
    ).toBe('ERR_ENVELOPE_TAMPERED');
  });

  test('an envelope moved to another slot fails authentication', () => {
    expect(codeOf(() => decryptValue(master, encryptValue(master, 'value', 'stripe'), 'weather'))).toBe(
      'ERR_ENVELOPE_TAMPERED',
    );
  });

  test.each([
    '',
    'garbage',
    'kw1.a.b.c',
    'kw2.x.y.z.w',
    `kw1.${'0'.repeat(8)}.!!.x.y`,
    'kw1.abcd1234.AAAA.BBBB.CCCC.DDDD',
  ])('malformed envelope %j', (sealed) => {
    expect(codeOf(() => decryptValue(master, sealed, 'slot'))).toMatch(/ERR_ENVELOPE_(FORMAT|WRONG_KEY)/);
  });

  test('reencrypt moves a value to a new key; the old key no longer opens it', () => {
    const next = key();
    const moved = reencrypt(master, next, encryptValue(master, 'value', 'slot'), 'slot');
    expect(decryptValue(next, moved, 'slot').toString()).toBe('value');
    expect(codeOf(() => decryptValue(master, moved, 'slot'))).toBe('ERR_ENVELOPE_WRONG_KEY');
  });
});

describe('master keys', () => {
  const bytes = randomBytes(32);
  test.each([
    ['standard base64', bytes.toString('base64'), true],
    ['url-safe base64', bytes.toString('base64url'), true],
    ['31 bytes', randomBytes(31).toString('base64'), false],
    ['33 bytes', randomBytes(33).toString('base64'), false],
    ['not base64', 'this is not base64!', false],
    ['empty', '', false],
  ])('%s', (_name, text, ok) => {
    expect(parseMasterKey(text).ok).toBe(ok);
  });

  test('standard and url-safe spellings are the same key', () => {
    const a = key(bytes.toString('base64'));
    const b = key(bytes.toString('base64url'));
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  test('a master key never reveals its bytes', () => {
    const text = bytes.toString('base64');
    const k = key(text);
    for (const shown of [JSON.stringify({ k }), String(k), inspect(k), `${k}`]) {
      expect(shown).not.toContain(text);
      expect(shown).not.toContain(bytes.toString('hex'));
    }
  });

  test('error messages never echo the key', () => {
    const bad = randomBytes(20).toString('base64');
    const parsed = parseMasterKey(bad);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).not.toContain(bad);
  });
});
