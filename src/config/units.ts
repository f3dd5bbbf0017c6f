/** Parsing of the human units the config accepts: durations (`250ms`, `10s`, `30d`) and sizes (`1mb`). */

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS_BYTES: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';
export const SIZE_PATTERN = '^[0-9]+(b|kb|mb|gb)$';

const DURATION_RE = new RegExp(DURATION_PATTERN);
const SIZE_RE = new RegExp(SIZE_PATTERN, 'i');

/** Parses `10s` into milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  if (!match) return undefined;
  const unit = DURATION_UNITS_MS[match[1] as string] as number;
  const value = Number(text.slice(0, text.length - (match[1] as string).length)) * unit;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Parses `1mb` into bytes; returns undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_RE.exec(text);
  if (!match) return undefined;
  const unit = (match[1] as string).toLowerCase();
  const value = Number(text.slice(0, text.length - unit.length)) * (SIZE_UNITS_BYTES[unit] as number);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Like parseDuration but for values the schema already validated. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${text}`);
  return ms;
}

/** Like parseSize but for values the schema already validated. */
export function sizeBytes(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined) throw new Error(`not a size: ${text}`);
  return bytes;
}
