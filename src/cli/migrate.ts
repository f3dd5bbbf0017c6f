/** `keyward migrate`: apply pending database migrations (start does this too). */
import type { Command } from 'commander';
import { migrateStore, openStore } from '../store/db.js';
import { resolveConfig } from './config-source.js';

/** Registers the migrate command. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('-c, --config <file>', 'config file (default: ./keyward.yaml, else the built-in demo)')
    .action(async (options: { config?: string }) => {
      const { compiled } = resolveConfig(options.config);
      const store = await openStore(compiled.storageUrl, { migrate: false });
      try {
        const applied = await migrateStore(store);
        process.stdout.write(
          applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
        );
      } finally {
        await store.close();
      }
    });
}
