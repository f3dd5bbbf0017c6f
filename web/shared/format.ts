/** Formatting for dates, counts and rates, in the reader's locale. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const number = new Intl.NumberFormat();

/** `12 Mar 2026, 14:05`, or an em dash for null. */
export function when(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** How long ago (or until), roughly: `3 min ago`, `in 2 days`. */
export function relative(iso: string | null | undefined): string {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units)
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  return rtf.format(seconds, 'second');
}

/** A count with thousands separators. */
export function count(n: number): string {
  return number.format(n);
}

/** A share as a percentage with one decimal, `—` when there is nothing to divide. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`;
}

/** `60 / minute`, `5 / day by ip`. */
export function limitText(l: { requests: number; per: string; by?: string | undefined }): string {
  return `${count(l.requests)} / ${l.per}${l.by && l.by !== 'key' ? ` by ${l.by}` : ''}`;
}
