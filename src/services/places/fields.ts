/**
 * Validation of a place's fields, shared by the JSON API and CSV import so both accept exactly
 * the same values: a name of 1–200 characters of plain text, and coordinates in range given as
 * numbers or numeric strings (clients post `"latitude": "-27.597724533718875"`).
 */
import type { PlaceInput } from '../../store/repositories/places.js';

export type FieldName = keyof PlaceInput;
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export const NAME_MAX_LENGTH = 200;

// C0/C1 controls (tabs and newlines too), line/paragraph separators, and the bidi embedding,
// override and isolate controls, which can make a name display as a different text.
const FORBIDDEN_IN_NAME = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
// Half a UTF-16 pair cannot be stored as UTF-8 or shown; in `u` mode it matches \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
// A plain decimal: what people type and what CSV files hold; not hex, not Infinity, not ''.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/;

/** A name: trimmed, NFC-normalized text of 1–200 characters without control characters. */
export function checkName(value: unknown): Checked<string> {
  if (typeof value !== 'string') return { ok: false, message: 'must be a string' };
  if (LONE_SURROGATE.test(value)) return { ok: false, message: 'must be valid Unicode text' };
  const name = value.normalize('NFC').trim();
  if (name === '') return { ok: false, message: 'must not be empty' };
  if (FORBIDDEN_IN_NAME.test(name)) {
    return { ok: false, message: 'must not contain control characters or line breaks' };
  }
  const length = [...name].length;
  if (length > NAME_MAX_LENGTH) {
    return { ok: false, message: `must be at most ${NAME_MAX_LENGTH} characters (got ${length})` };
  }
  return { ok: true, value: name };
}

/** A coordinate in [-limit, limit] degrees, from a finite number or a decimal string. */
export function checkCoordinate(value: unknown, limit: 90 | 180): Checked<number> {
  let degrees: number;
  if (typeof value === 'number') {
    degrees = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text.length > 64 || !DECIMAL.test(text)) {
      return { ok: false, message: 'must be a number or a decimal string like "-27.5977"' };
    }
    degrees = Number(text);
  } else {
    return { ok: false, message: 'must be a number or a decimal string like "-27.5977"' };
  }
  if (!Number.isFinite(degrees) || degrees < -limit || degrees > limit) {
    return { ok: false, message: `must be between -${limit} and ${limit} degrees` };
  }
  // `+ 0` folds -0 into 0 so it is stored and exported as 0.
  return { ok: true, value: degrees + 0 };
}

const CHECKS: Record<FieldName, (value: unknown) => Checked<string | number>> = {
  name: checkName,
  latitude: (value) => checkCoordinate(value, 90),
  longitude: (value) => checkCoordinate(value, 180),
};

export interface FieldProblem {
  field: FieldName;
  message: string;
}

/**
 * Checks the fields present in `input` (all three unless `partial`); returns the clean values
 * or every problem found, so a caller fixes everything in one go.
 */
export function checkPlaceFields(
  input: Partial<Record<FieldName, unknown>>,
  partial: boolean,
): { ok: true; value: Partial<PlaceInput> } | { ok: false; problems: FieldProblem[] } {
  const value: Partial<Record<FieldName, string | number>> = {};
  const problems: FieldProblem[] = [];
  for (const field of ['name', 'latitude', 'longitude'] as const) {
    if (input[field] === undefined) {
      if (!partial) problems.push({ field, message: 'is required' });
      continue;
    }
    const checked = CHECKS[field](input[field]);
    if (checked.ok) value[field] = checked.value;
    else problems.push({ field, message: checked.message });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: value as Partial<PlaceInput> };
}
