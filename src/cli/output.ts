/** How commands talk to the user: one-line failures with a non-zero exit, tables, JSON. */
import { ConfigError, formatProblem } from '../config/problems.js';
import { EnvelopeError } from '../secrets/envelope.js';
import { EXIT_FAILURE } from './exit-codes.js';

/** An error whose message is already a one-line reason for the user. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints a failure the way every command does and returns the exit code. */
export function reportFailure(error: unknown): number {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`${error.file}: ${formatProblem(problem)}\n`);
    return EXIT_FAILURE;
  }
  if (error instanceof EnvelopeError) {
    process.stderr.write(`keyward: a stored secret could not be decrypted (${error.code})\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`keyward: ${message.split('\n')[0]}\n`);
  return EXIT_FAILURE;
}

/** Writes rows as aligned columns with a header. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** Pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
