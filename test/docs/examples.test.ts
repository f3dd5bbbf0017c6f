/**
 * Every shell example in the README and docs/ runs, so none can rot: against the built-in demo
 * started as the README says (the built CLI in a temp dir, on a free port), with the `export`
 * lines its first start prints pasted in, as a reader would. Each document's examples run in
 * order in one bash; a failing command, an HTTP error status (curl gets --fail-with-body unless
 * the example prints the status itself with -w) or a wrong `# prints:` output fails the test.
 * Examples that cannot run here start with `# not run by the docs test: <reason>`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { findTool } from '../helpers/services.js';
import {
  exampleOutput,
  exampleScript,
  expectedPrints,
  type ShellExample,
  shellExamples,
} from './shell-examples.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const examplesOf = (doc: string) => shellExamples(readFileSync(join(ROOT, doc), 'utf8'));

// The examples use these as a reader would; without them nothing here can run.
const tools = ['bash', 'curl', 'jq', 'sqlite3', 'openssl'].map((t) => findTool(t));
const runnable = tools.every((t) => t !== null);

let dir: string;
let port: number;
let prelude = '';
let stopDemo: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (!runnable) return;
  dir = mkdtempSync(join(tmpdir(), 'keyward-docs-'));
  port = await freePort();
  const demo = spawnCli(['start'], { cwd: dir, env: { HOST: '127.0.0.1', PORT: String(port) } });
  await waitFor(
    () => demo.output.stdout.includes('keyward listening') || demo.child.exitCode !== null,
    20_000,
    'the demo listening',
  );
  stopDemo = async () => {
    demo.child.kill('SIGTERM');
    await demo.exited;
  };
  // What the README says to paste: the `export` lines of the first start.
  const exports = demo.output.stderr.split('\n').filter((l) => l.startsWith('export '));
  expect(exports.map((l) => l.split('=')[0])).toEqual(['export ADMIN_KEY', 'export DEMO_PASSWORD']);
  // What the README's quick start leaves a reader with, and values a reader supplies.
  const appKey = runCli(['keys', 'create', '--name', 'my app', '--roles', 'reader'], {
    cwd: dir,
  }).stdout.trim();
  prelude = [
    ...exports,
    `APP_KEY=${appKey}`,
    `PASSWORD=${randomBytes(12).toString('base64url')}`,
    `NEW_PASSWORD=${randomBytes(12).toString('base64url')}`,
    'OPENWEATHER_KEY=an-openweather-key-for-the-docs-test',
    `keyward() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }`,
    'npx() { if [ "$1" = keyward ]; then shift; keyward "$@"; else echo "docs test: only npx keyward runs here" >&2; return 127; fi; }',
    // An HTTP error fails the example, unless it prints the status itself (-w).
    'curl() { for a in "$@"; do case "$a" in -w|--write-out) command curl "$@"; return; esac; done; command curl --fail-with-body -sS "$@"; }',
    // `open URL` shows a page in a browser; here it checks the page is served.
    'open() { command curl --fail -sS -o /dev/null "$1"; }',
  ].join('\n');
}, 60_000);

afterAll(async () => {
  await stopDemo();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('shell examples in the README and docs/', () => {
  test.each(DOCUMENTS)('%s: every example runs, or says why not', (doc) => {
    for (const example of examplesOf(doc)) {
      if (example.skipReason !== undefined) expect(example.skipReason, `${doc}:${example.line}`).not.toBe('');
    }
  });

  test
    .skipIf(!runnable)
    .each(DOCUMENTS.filter((doc) => examplesOf(doc).some((e) => e.skipReason === undefined)))(
    '%s: the examples work on the demo',
    (doc) => {
      const examples = examplesOf(doc);
      const script = exampleScript(examples, prelude, (line) =>
        line.replaceAll('localhost:8080', `127.0.0.1:${port}`),
      );
      const run = spawnSync('bash', ['-c', script], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 180_000,
        input: '',
      });
      examples.forEach((example: ShellExample, n) => {
        if (example.skipReason !== undefined) return;
        const where = `${doc}:${example.line}`;
        const output = exampleOutput(run.stdout, n);
        expect(
          output,
          `${where} did not finish (exit ${run.status}):\n${run.stderr.slice(-2000)}`,
        ).toBeDefined();
        expectedPrints(example).forEach((expected, i) => {
          expect((output?.[i] ?? '').trim(), `${where}, "# prints:" number ${i + 1}`).toBe(expected);
        });
      });
      expect(run.status, run.stderr.slice(-2000)).toBe(0);
    },
    200_000,
  );
});
