#!/usr/bin/env node
/**
 * The `keyward` executable. It checks the Node.js version before importing the command line,
 * whose modules (node:sqlite among them) fail on an older Node with a stack trace instead of
 * a reason; exit code 1 with one line naming the version needed. What it imports itself
 * (package-info, exit-codes, node-version) loads on any Node.js that runs ES modules.
 */
import { REQUIRED_NODE_RANGE } from '../package-info.js';
import { EXIT_FAILURE } from './exit-codes.js';
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node, REQUIRED_NODE_RANGE);
if (problem === null) {
  silenceSqliteExperimentalWarning();
  await import('./main.js');
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = EXIT_FAILURE;
}

/**
 * Node 22 flags node:sqlite as experimental on first import (Node 24 no longer does). Keyward
 * relies on the API as it is in the supported versions, so the two-line warning would only get
 * between the user and a command's one-line output; every other warning still shows.
 */
function silenceSqliteExperimentalWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
