/**
 * RFC 4180 CSV, both ways, small enough to read in one sitting: comma-separated fields, fields
 * quoted with `"` when they hold commas, quotes (doubled) or line breaks; CRLF or LF records.
 * Rows are numbered as a spreadsheet shows them (the header is row 1, blank rows count, a field
 * with line breaks stays in one row), so an error report points at the row a person sees.
 */

export interface CsvRecord {
  /** 1-based row number, counting the header and blank rows. */
  row: number;
  fields: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; row: number; message: string };

/** Splits CSV text into records, skipping blank rows; fails on the first malformed quote. */
export function parseCsv(text: string): CsvParse {
  const records: CsvRecord[] = [];
  let row = 1;
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the current field was written in quotes
  let sawQuote = false; // some field of the current record was, so `""` alone is not a blank row
  const endField = () => {
    fields.push(field);
    field = '';
    quoted = false;
  };
  const endRecord = () => {
    endField();
    if (sawQuote || fields.length > 1 || fields[0] !== '') records.push({ row, fields });
    fields = [];
    sawQuote = false;
    row++;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '' && !quoted) {
      quoted = sawQuote = true;
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return { ok: false, row, message: 'a quoted field is never closed' };
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
      const next = text[i];
      if (i < text.length && next !== ',' && next !== '\n' && next !== '\r') {
        return {
          ok: false,
          row,
          message: 'text after a closing quote; double any quote inside a quoted field',
        };
      }
    } else if (c === ',') {
      endField();
      i++;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else if (c === '"') {
      return {
        ok: false,
        row,
        message: 'a quote inside an unquoted field; quote the field and double the quote',
      };
    } else {
      const end = nextSpecial(text, i);
      field += text.slice(i, end);
      i = end;
    }
  }
  // The last record needs no line break after it.
  if (field !== '' || quoted || fields.length > 0) endRecord();
  return { ok: true, records };
}

function nextSpecial(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === ',' || c === '"' || c === '\n' || c === '\r') return i;
  }
  return text.length;
}

/** One CSV line (no terminator), quoting only the fields that need it. */
export function formatCsvRow(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]|^\s|\s$/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}

/** A whole CSV document with CRLF line ends, as RFC 4180 writes them. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => `${formatCsvRow(r)}\r\n`).join('');
}
