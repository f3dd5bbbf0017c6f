import { describe, expect, test } from 'vitest';
import { checkKeyFormat, digestApiKey, generateApiKey } from '../../../src/auth/keys/format.js';

describe('API key format', () => {
  test('prefix, 43 base62 chars of randomness, 6-char checksum', () => {
    const key = generateApiKey('kw');
    expect(key).toMatch(/^kw_[0-9A-Za-z]{49}$/);
    expect(checkKeyFormat(key, 'kw')).toBeNull();
  });

  test('keys are unique', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey('kw')));
    expect(keys.size).toBe(1000);
  });

  test('any single-character typo fails the checksum', () => {
    const key = generateApiKey('kw');
    for (let i = 3; i < key.length; i++) {
      const replacement = key[i] === 'a' ? 'b' : 'a';
      const typo = key.slice(0, i) + replacement + key.slice(i + 1);
      expect(checkKeyFormat(typo, 'kw')).toBe('checksum');
    }
  });

  test.each([
    ['empty', ''],
    ['wrong prefix', `xx_${'a'.repeat(49)}`],
    ['too short', 'kw_abc'],
    ['too long', `kw_${'a'.repeat(50)}`],
    ['bad characters', `kw_${'a'.repeat(48)}!`],
    ['no underscore', `kw${'a'.repeat(50)}`],
  ])('%s is malformed', (_n, key) => {
    expect(checkKeyFormat(key, 'kw')).toBe('malformed');
  });

  test('only the SHA-256 digest is derived for storage', () => {
    expect(digestApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
