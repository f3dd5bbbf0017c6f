/**
 * A problem found in a config, with its YAML path and line, and the error that carries all of
 * them: what `keyward check` prints and `keyward start` refuses to run with.
 */

export interface ConfigProblem {
  /** YAML path like `routes[0].upstream.timeout`, or `(file)` for whole-file problems. */
  path: string;
  message: string;
  line?: number;
}

/** Thrown when a config cannot be used; carries every problem found, each with its path. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  readonly file: string;

  constructor(problems: ConfigProblem[], file: string) {
    // In file order, as an editor shows them; problems without a line (whole-file ones) first.
    const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    super(sorted.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = sorted;
    this.file = file;
  }
}

/** Formats one problem the way `keyward check` prints it. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? '' : ` (line ${problem.line})`;
  return `${problem.path}: ${problem.message}${where}`;
}
