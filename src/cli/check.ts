/** `keyward check`: validate the config, resolve every ${ENV} and ${secret:NAME}, and say what is not enforced yet. */
import type { Command } from 'commander';
import { pendingFeatureNotes } from '../config/features.js';
import { ConfigError } from '../config/problems.js';
import { secretReferenceProblems } from '../secrets/references.js';
import { resolveConfig } from './config-source.js';

/** Registers the check command. */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('validate the config and report every problem with its YAML path')
    .option('-c, --config <file>', 'config file (default: ./keyward.yaml, else the built-in demo)')
    .action(async (options: { config?: string }) => {
      const { loaded, compiled, isDemo } = resolveConfig(options.config);
      const secretProblems = await secretReferenceProblems(compiled);
      if (secretProblems.length > 0) throw new ConfigError(secretProblems, loaded.file);
      const notes = pendingFeatureNotes(compiled);
      process.stdout.write(`${isDemo ? 'built-in demo config' : loaded.file}: OK\n`);
      for (const note of notes) process.stdout.write(`note: ${note}\n`);
    });
}
