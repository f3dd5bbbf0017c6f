/**
 * The Node.js version check of the `keyward` executable: the rule as a table, the version and
 * range read from package.json, and a real run under an older Node when the machine has one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { minimumNodeVersion, nodeVersionProblem } from '../../src/cli/node-version.js';
import { KEYWARD_VERSION, REQUIRED_NODE_RANGE } from '../../src/package-info.js';
import { CLI, runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('which Node.js versions run Keyward', () => {
  test.each([
    ['22.16.0', '>=22.16.0', true],
    ['22.16.1', '>=22.16.0', true],
    ['22.17.0', '>=22.16.0', true],
    ['24.21.0', '>=22.16.0', true],
    ['v24.0.0', '>=22.16.0', true],
    ['22.15.9', '>=22.16.0', false],
    ['22.13.0', '>=22.16.0', false],
    ['20.20.2', '>=22.16.0', false],
    ['18.0.0', '>=22.16.0', false],
  ])('%s with %s → runs: %s', (current, range, runs) => {
    const problem = nodeVersionProblem(current, range);
    expect(problem === null).toBe(runs);
    if (problem !== null) {
      expect(problem).toBe(
        `keyward: needs Node.js 22.16.0 or newer, but this is Node.js ${current.replace(/^v/, '')}; install a current Node.js (https://nodejs.org, or \`nvm install 24\`) and run it again`,
      );
    }
  });

  test('a range the check cannot read is refused loudly, not treated as satisfied', () => {
    expect(() => minimumNodeVersion('^22.16.0 || >=24')).toThrow(/engines.node must be ">=X.Y.Z"/);
  });

  test('the version and the range come from package.json alone', () => {
    expect(KEYWARD_VERSION).toBe(pkg.version);
    expect(REQUIRED_NODE_RANGE).toBe(pkg.engines.node);
    expect(runCli(['--version']).stdout).toBe(`${pkg.version}\n`);
  });

  test('the pinned Node (devDependency) satisfies engines', () => {
    expect(nodeVersionProblem(process.versions.node, REQUIRED_NODE_RANGE)).toBeNull();
  });
});

// Debian's Node 20 is the usual older Node on these machines.
const OLD_NODE = '/usr/bin/node';
const oldVersion = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
const hasOldNode = oldVersion !== '' && nodeVersionProblem(oldVersion, REQUIRED_NODE_RANGE) !== null;
if (!hasOldNode)
  console.log(`skipping the old-Node run: ${OLD_NODE} is missing or new enough (${oldVersion})`);

describe.skipIf(!hasOldNode)(`keyward under ${OLD_NODE} (${oldVersion})`, () => {
  test.each([[['start']], [['keys', 'list']], [['--version']]])(
    '`keyward %j` says which Node it needs, in one line, exit 1',
    (args) => {
      const r = spawnSync(OLD_NODE, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${nodeVersionProblem(oldVersion, REQUIRED_NODE_RANGE)}\n`);
    },
  );
});
