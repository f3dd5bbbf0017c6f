/** `keyward check`: validate the config, resolve every ${ENV} and ${secret:NAME}, and say what is not enforced yet. */
import type { Command } from 'commander';
import { pendingFeatureNotes } from '../config/features.js';
import { ConfigError, type ConfigProblem } from '../config/problems.js';
import { secretReferenceProblems } from '../secrets/references.js';
import { chooseConfigFile, resolveConfig } from './config-source.js';
import { EXIT_FAILURE } from './exit-codes.js';
import { printJson } from './output.js';

/** What `check --json` prints: the same facts as the text output, problems in file order. */
export interface CheckReport {
  /** The file checked, or `(built-in demo)`. */
  file: string;
  ok: boolean;
  problems: ConfigProblem[];
  notes: string[];
}

async function checkConfig(configOption: string | undefined): Promise<CheckReport> {
  try {
    const { loaded, compiled } = resolveConfig(configOption);
    const secretProblems = await secretReferenceProblems(compiled);
    if (secretProblems.length > 0) throw new ConfigError(secretProblems, loaded.file);
    return { file: loaded.file, ok: true, problems: [], notes: pendingFeatureNotes(compiled) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { file: error.file, ok: false, problems: error.problems, notes: [] };
  }
}

/** Registers the check command. */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('validate the config and report every problem with its YAML path, in file order')
    .option(
      '-c, --config <file>',
      'config file (default: $KEYWARD_CONFIG, else ./keyward.yaml, else the built-in demo)',
    )
    .option('--json', 'machine-readable output: {file, ok, problems: [{path, message, line}], notes}')
    .action(async (options: { config?: string; json?: boolean }) => {
      const isDemo = chooseConfigFile(options.config) === undefined;
      const report = await checkConfig(options.config);
      if (options.json) {
        printJson(report);
      } else if (report.ok) {
        process.stdout.write(`${isDemo ? 'built-in demo config' : report.file}: OK\n`);
        for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
      } else {
        throw new ConfigError(report.problems, report.file);
      }
      if (!report.ok) process.exitCode = EXIT_FAILURE;
    });
}
