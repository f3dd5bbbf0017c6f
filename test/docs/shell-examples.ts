/**
 * Finds the shell examples in the README and docs/ (```sh, ```bash or ```shell fences) and turns
 * one document's examples into a bash script that reports, per example, what it printed. An
 * example whose first line is `# not run by the docs test: <reason>` is left out; a line
 * `# prints: <text>` says what the commands before it (since the last such line) print.
 */

/** One fenced shell example. */
export interface ShellExample {
  /** 1-based line of the opening fence. */
  line: number;
  /** The example's lines, fences excluded. */
  lines: string[];
  /** Why the docs test does not run it, if it is marked so. */
  skipReason?: string;
}

const FENCE = /^```(sh|bash|shell)\s*$/;
const SKIP = /^# not run by the docs test:(.*)$/;
const PRINTS = /^# prints: (.*)$/;

/** Every shell example of a Markdown text, in order. */
export function shellExamples(markdown: string): ShellExample[] {
  const examples: ShellExample[] = [];
  let current: ShellExample | null = null;
  markdown.split('\n').forEach((text, index) => {
    if (current === null) {
      if (FENCE.test(text)) current = { line: index + 1, lines: [] };
    } else if (text.startsWith('```')) {
      const skip = SKIP.exec(current.lines[0] ?? '');
      examples.push(skip ? { ...current, skipReason: (skip[1] ?? '').trim() } : current);
      current = null;
    } else {
      current.lines.push(text);
    }
  });
  return examples;
}

/** The marker lines the script prints around and inside examples, on lines of their own. */
export const marker = {
  start: (n: number) => `@@docs-example ${n} start@@`,
  end: (n: number) => `@@docs-example ${n} end@@`,
  prints: '@@docs-prints@@',
};

/** The expected outputs of an example's `# prints:` lines, in order. */
export function expectedPrints(example: ShellExample): string[] {
  return example.lines.flatMap((l) => {
    const m = PRINTS.exec(l);
    return m ? [(m[1] ?? '').trim()] : [];
  });
}

/**
 * One bash script for a document's examples, run in order in one shell (a variable set by an
 * example is there for the next ones). `rewrite` adapts each line (e.g. the port).
 */
export function exampleScript(
  examples: ShellExample[],
  prelude: string,
  rewrite: (line: string) => string,
): string {
  const out = ['set -euo pipefail', prelude];
  examples.forEach((example, n) => {
    if (example.skipReason !== undefined) return;
    out.push(`printf '\\n%s\\n' '${marker.start(n)}'`);
    for (const line of example.lines) {
      out.push(PRINTS.test(line) ? `printf '\\n%s\\n' '${marker.prints}'` : rewrite(line));
    }
    out.push(`printf '\\n%s\\n' '${marker.end(n)}'`);
  });
  return `${out.join('\n')}\n`;
}

/** What example `n` printed, cut at its `# prints:` lines; undefined if it never finished. */
export function exampleOutput(stdout: string, n: number): string[] | undefined {
  const start = stdout.indexOf(`\n${marker.start(n)}\n`);
  const end = stdout.indexOf(`\n${marker.end(n)}\n`);
  if (start === -1 || end === -1) return undefined;
  return stdout.slice(start + marker.start(n).length + 2, end).split(`\n${marker.prints}\n`);
}
