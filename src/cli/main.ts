#!/usr/bin/env node
/**
 * The `keyward` command line: one file per command group, registered here. The executable is
 * bin.ts, which checks the Node.js version first and then imports this file (the shebang
 * stays for links made when this file was the executable).
 */
import { Command, CommanderError } from 'commander';
import { KEYWARD_VERSION } from '../package-info.js';
import { registerCheckCommand } from './check.js';
import { EXIT_CODES_HELP, EXIT_USAGE } from './exit-codes.js';
import { registerInitCommand } from './init.js';
import { registerKeysCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { reportFailure } from './output.js';
import { registerReloadCommand } from './reload.js';
import { registerSecretsCommands } from './secrets.js';
import { registerStartCommand } from './start.js';
import { registerUsageCommand } from './usage.js';
import { registerUsersCommands } from './users.js';

const program = new Command('keyward')
  .description('Keyward: API keys, JWT, roles, rate limits and secret-hiding in front of HTTP APIs.')
  .version(KEYWARD_VERSION)
  .addHelpText('after', EXIT_CODES_HELP)
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => write(`keyward: ${text.replace(/^error: /, '').trim()}\n`),
  });

registerStartCommand(program);
registerReloadCommand(program);
registerInitCommand(program);
registerCheckCommand(program);
registerMigrateCommand(program);
registerKeysCommands(program);
registerUsersCommands(program);
registerSecretsCommands(program);
registerUsageCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  else process.exitCode = reportFailure(error);
}
