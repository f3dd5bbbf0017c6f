/**
 * The exit codes as a user meets them: one table in src/cli/exit-codes.ts, the same in
 * `keyward --help` and docs/cli.md, and each code produced by a real command.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { EXIT_CODES_HELP, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exit codes', () => {
  test('docs/cli.md and --help list the same codes as the code', () => {
    const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const section = docs.slice(
      docs.indexOf('## Exit codes'),
      docs.indexOf('\n## ', docs.indexOf('## Exit codes') + 1),
    );
    const documented = [...section.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual([EXIT_OK, EXIT_FAILURE, EXIT_USAGE]);
    const help = runCli(['--help'], { cwd: dir });
    expect(help.status).toBe(EXIT_OK);
    expect(help.stdout).toContain(EXIT_CODES_HELP.trim());
  });

  test.each([
    [['--version'], EXIT_OK],
    [['check', '--config', 'absent.yaml'], EXIT_FAILURE],
    [['start', '--port', 'eighty'], EXIT_FAILURE],
    [['keys', 'frobnicate'], EXIT_USAGE],
    [['check', '--colour'], EXIT_USAGE],
    [['keys', 'revoke'], EXIT_USAGE],
  ])('keyward %j exits %i', (args, code) => {
    const r = runCli(args as string[], { cwd: dir });
    expect(r.status).toBe(code);
    if (code !== EXIT_OK) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
