/**
 * Places as the common CSV (`name,latitude,longitude`): export, and import with a report of
 * every bad row. Names that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) are
 * exported with a leading `'` (OWASP's CSV-injection advice) and import strips it again, so a
 * file round-trips unchanged.
 */
import type { FieldError } from '../../errors.js';
import type { Place, PlaceInput } from '../../store/repositories/places.js';
import { formatCsv, parseCsv } from './csv.js';
import { checkPlaceFields, type FieldName } from './fields.js';

export const CSV_COLUMNS = ['name', 'latitude', 'longitude'] as const;

/** Most row problems reported at once; a file with more is plainly the wrong file. */
export const MAX_ROW_ERRORS = 100;

const FORMULA_START = /^[=+\-@]/;
const NEUTRALIZED_FORMULA = /^'[=+\-@]/;

/** The CSV export: header row, then one row per place, CRLF line ends. */
export function placesToCsv(places: readonly Place[]): string {
  const rows = places.map((p) => [
    FORMULA_START.test(p.name) ? `'${p.name}` : p.name,
    String(p.latitude),
    String(p.longitude),
  ]);
  return formatCsv([[...CSV_COLUMNS], ...rows]);
}

type ColumnIndex = Record<FieldName, number>;

/** Maps the header's columns (any order, any case) or says what is wrong with it. */
function readHeader(
  fields: readonly string[],
): { ok: true; index: ColumnIndex } | { ok: false; message: string } {
  const names = fields.map((f) => f.trim().toLowerCase());
  const index: Partial<ColumnIndex> = {};
  for (const [i, name] of names.entries()) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      return { ok: false, message: `unknown column "${name}"; the header must be name,latitude,longitude` };
    }
    if (index[name as FieldName] !== undefined)
      return { ok: false, message: `column "${name}" appears twice` };
    index[name as FieldName] = i;
  }
  const missing = CSV_COLUMNS.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    return {
      ok: false,
      message: `missing column ${missing.join(', ')}; the header must be name,latitude,longitude`,
    };
  }
  return { ok: true, index: index as ColumnIndex };
}

export type CsvImport =
  | { ok: true; places: PlaceInput[] }
  | { ok: false; errors: FieldError[]; total: number };

/** Reads every row; all valid gives the places, otherwise every problem as `row N`. */
export function placesFromCsv(text: string): CsvImport {
  const parsed = parseCsv(text);
  if (!parsed.ok)
    return { ok: false, errors: [{ path: `row ${parsed.row}`, message: parsed.message }], total: 1 };
  const [header, ...records] = parsed.records;
  if (!header) {
    return {
      ok: false,
      errors: [{ path: 'row 1', message: 'the file is empty; expected the header name,latitude,longitude' }],
      total: 1,
    };
  }
  const columns = readHeader(header.fields);
  if (!columns.ok)
    return { ok: false, errors: [{ path: `row ${header.row}`, message: columns.message }], total: 1 };
  const places: PlaceInput[] = [];
  const errors: FieldError[] = [];
  let total = 0;
  const report = (row: number, message: string) => {
    total++;
    if (errors.length < MAX_ROW_ERRORS) errors.push({ path: `row ${row}`, message });
  };
  for (const { row, fields } of records) {
    if (fields.length !== header.fields.length) {
      report(row, `expected ${header.fields.length} fields, found ${fields.length}`);
      continue;
    }
    const name = fields[columns.index.name]!;
    const checked = checkPlaceFields(
      {
        name: NEUTRALIZED_FORMULA.test(name) ? name.slice(1) : name,
        latitude: fields[columns.index.latitude],
        longitude: fields[columns.index.longitude],
      },
      false,
    );
    if (checked.ok) places.push(checked.value as PlaceInput);
    else for (const problem of checked.problems) report(row, `${problem.field} ${problem.message}`);
  }
  return errors.length > 0 ? { ok: false, errors, total } : { ok: true, places };
}
