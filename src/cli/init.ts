/** `keyward init [DIR]`: write a commented keyward.yaml and a .env with a new master key; never overwrite. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { INIT_CONFIG_YAML } from '../config/template.js';
import { UsageError } from './output.js';

/** Registers the init command. */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'directory to write into', '.')
    .description('write a commented keyward.yaml and a .env holding a new KEYWARD_MASTER_KEY')
    .action((dir: string) => {
      const configFile = join(dir, 'keyward.yaml');
      const envFile = join(dir, '.env');
      const existing = [configFile, envFile].filter((f) => existsSync(f));
      if (existing.length > 0)
        throw new UsageError(`${existing.join(' and ')} already exist; not overwriting`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(configFile, INIT_CONFIG_YAML, { flag: 'wx' });
      const masterKey = randomBytes(32).toString('base64');
      writeFileSync(
        envFile,
        `# Keep this file secret and out of version control.\nKEYWARD_MASTER_KEY=${masterKey}\n`,
        {
          flag: 'wx',
          mode: 0o600,
        },
      );
      process.stdout.write(
        `wrote ${configFile} and ${envFile}\nnext: keyward check --config ${configFile}\n`,
      );
    });
}
