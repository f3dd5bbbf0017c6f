/** Validation of user-supplied numbers for the primes service, before any BigInt work happens. */
import { bitLength } from './modular.js';

export type ParsedPrimeInput = { ok: true; n: bigint } | { ok: false; message: string };

const EXPECTED = 'expected a non-negative integer as a decimal string or a JSON number';

/** Most decimal digits a number below 2^maxBits can have: floor(maxBits·log10 2) + 1. */
export function maxDecimalDigits(maxBits: number): number {
  return Math.floor(maxBits * Math.log10(2)) + 1;
}

/** Parses a decimal string or safe JSON integer into a bigint of at most `maxBits` bits. */
export function parsePrimeInput(value: unknown, maxBits: number): ParsedPrimeInput {
  let n: bigint;
  if (typeof value === 'string') {
    const parsed = parseDecimalString(value, maxBits);
    if (!parsed.ok) return parsed;
    n = parsed.n;
  } else if (typeof value === 'number') {
    const parsed = parseJsonNumber(value);
    if (!parsed.ok) return parsed;
    n = parsed.n;
  } else {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    return { ok: false, message: `${EXPECTED}, got ${kind}` };
  }
  const bits = bitLength(n);
  if (bits > maxBits) {
    return { ok: false, message: `number has ${bits} bits; the limit is ${maxBits} bits` };
  }
  return { ok: true, n };
}

function parseDecimalString(value: string, maxBits: number): ParsedPrimeInput {
  if (value === '') return { ok: false, message: 'number must not be an empty string' };
  // Checked before any parsing so a huge string costs nothing but its length.
  const maxDigits = maxDecimalDigits(maxBits);
  if (value.length > maxDigits) {
    return {
      ok: false,
      message: `number is too long: a ${maxBits}-bit number has at most ${maxDigits} digits`,
    };
  }
  if (value.startsWith('-')) return { ok: false, message: 'negative numbers are not accepted' };
  // Only ASCII digits: BigInt() alone would also take whitespace, '0x…', '0b…' and '0o…'.
  if (!/^[0-9]+$/.test(value)) {
    return { ok: false, message: 'number must contain only the decimal digits 0-9' };
  }
  if (value.length > 1 && value.startsWith('0')) {
    return { ok: false, message: 'number must not have leading zeros' };
  }
  return { ok: true, n: BigInt(value) };
}

function parseJsonNumber(value: number): ParsedPrimeInput {
  if (!Number.isFinite(value)) return { ok: false, message: 'number must be finite' };
  if (!Number.isInteger(value)) return { ok: false, message: 'number must be an integer' };
  if (value < 0) return { ok: false, message: 'negative numbers are not accepted' };
  // Above 2^53 - 1 a JSON number may already have been rounded to a different integer while parsing.
  if (!Number.isSafeInteger(value)) {
    return {
      ok: false,
      message: 'JSON numbers above 2^53 - 1 lose precision; send the number as a decimal string',
    };
  }
  // `+ 0` folds -0 into 0.
  return { ok: true, n: BigInt(value + 0) };
}
