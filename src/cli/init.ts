/**
 * `keyward init [DIR]`: write a commented keyward.yaml and a .env with a new master key; never
 * overwrite. When the new file becomes the one `keyward start` picks up in the current
 * directory (instead of the built-in demo), init says so and how to get the demo back.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { INIT_CONFIG_YAML } from '../config/template.js';
import { CONFIG_VARIABLE, chooseConfigFile, DEFAULT_CONFIG_FILE } from './config-source.js';
import { UsageError } from './output.js';

/** What to tell the user after writing `configFile`. */
function nextSteps(configFile: string, demoBefore: boolean): string {
  const lines = [`next: keyward check --config ${configFile} && keyward start --config ${configFile}`];
  const isDefault = resolve(configFile) === resolve(DEFAULT_CONFIG_FILE);
  if (isDefault && demoBefore) {
    lines.push(
      `note: \`keyward start\` (and \`npm start\`) in this directory now serve ${DEFAULT_CONFIG_FILE} instead of the built-in demo;`,
      `      the demo's data in ./data is untouched. To run the demo again, move ${DEFAULT_CONFIG_FILE} elsewhere`,
      `      (e.g. \`mv ${DEFAULT_CONFIG_FILE} gateway.yaml\`, then start that with --config gateway.yaml).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Registers the init command. */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'directory to write into (created if missing)', '.')
    .description(
      'write a commented keyward.yaml and a .env holding a new KEYWARD_MASTER_KEY; never overwrites',
    )
    .action((dir: string) => {
      const configFile = join(dir, 'keyward.yaml');
      const envFile = join(dir, '.env');
      const existing = [configFile, envFile].filter((f) => existsSync(f));
      if (existing.length > 0)
        throw new UsageError(`${existing.join(' and ')} already exist; not overwriting`);
      // Whether `keyward start` here served the demo before: $KEYWARD_CONFIG set means it did not.
      const demoBefore = chooseConfigFile(undefined) === undefined && !process.env[CONFIG_VARIABLE];
      mkdirSync(dir, { recursive: true });
      writeFileSync(configFile, INIT_CONFIG_YAML, { flag: 'wx' });
      const masterKey = randomBytes(32).toString('base64');
      writeFileSync(
        envFile,
        `# Keep this file secret and out of version control.\nKEYWARD_MASTER_KEY=${masterKey}\n`,
        { flag: 'wx', mode: 0o600 },
      );
      const shown = relative(process.cwd(), configFile) || configFile;
      process.stdout.write(`wrote ${configFile} and ${envFile}\n${nextSteps(shown, demoBefore)}`);
    });
}
