/**
 * The API key wire format: `<prefix>_<43 base62 chars = 256 random bits><6-char CRC32>`.
 * The checksum lets the gateway (and secret scanners) reject mistyped or invented strings
 * without touching the store; it is not a secret and proves nothing about validity.
 */
import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { randomBase62 } from '../../ids.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 43; // 62^43 ≈ 2^256
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const KEY_SHAPE = /^([a-z][a-z0-9]{0,15})_([0-9A-Za-z]{49})$/;

export type KeyFormatProblem = 'malformed' | 'checksum';

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** A fresh key for `prefix`. */
export function generateApiKey(prefix: string): string {
  const body = `${prefix}_${randomBase62(RANDOM_LENGTH)}`;
  return body + checksum(body);
}

/** Whether `key` has the shape of a key for `prefix` (checksum not checked). */
export function hasKeyShape(key: string, prefix: string): boolean {
  return (
    key.length === prefix.length + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH &&
    key.startsWith(prefix) &&
    key.charCodeAt(prefix.length) === 0x5f && // _
    KEY_SHAPE.test(key)
  );
}

/** Whether the last six characters of a well-shaped key are the checksum of the rest. */
export function hasValidChecksum(key: string): boolean {
  let value = crc32(key.slice(0, key.length - CHECKSUM_LENGTH));
  // Compared digit by digit from the end, without building the expected string.
  for (let i = key.length - 1; i >= key.length - CHECKSUM_LENGTH; i--) {
    if (key.charCodeAt(i) !== BASE62.charCodeAt(value % 62)) return false;
    value = Math.floor(value / 62);
  }
  return true;
}

/** Checks shape and checksum; `null` means the key is well-formed for this prefix. */
export function checkKeyFormat(key: string, prefix: string): KeyFormatProblem | null {
  if (!hasKeyShape(key, prefix)) return 'malformed';
  return hasValidChecksum(key) ? null : 'checksum';
}

/** The stored form of a key: hex SHA-256. Keys carry 256 bits of entropy, so no slow hash is needed. */
export function digestApiKey(key: string): string {
  // One-shot hashing: no Hash object per request.
  return hash('sha256', key, 'hex');
}
