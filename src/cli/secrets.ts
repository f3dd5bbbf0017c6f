/** `keyward secrets set|list|remove|rotate-master`: upstream credentials, sealed, never printed back. */
import type { Command } from 'commander';
import { resealSigningKeys } from '../auth/jwt/key-material.js';
import { systemClock } from '../clock.js';
import { generateMasterKey, parseMasterKey } from '../secrets/envelope.js';
import { masterKeyFromConfig, SecretVault } from '../secrets/vault.js';
import { openStore, type Store } from '../store/db.js';
import { resolveConfig } from './config-source.js';
import { printJson, printTable, UsageError } from './output.js';
import { readSecretInput } from './stdin.js';

const CLI_ACTOR = { id: 'cli' };

async function withVault<T>(
  configFile: string | undefined,
  fn: (vault: SecretVault, store: Store) => Promise<T>,
): Promise<T> {
  const { compiled } = resolveConfig(configFile);
  const master = masterKeyFromConfig(compiled.masterKey);
  const store = await openStore(compiled.storageUrl);
  try {
    const vault = new SecretVault(store, master, systemClock);
    await vault.verifyMasterKey();
    return await fn(vault, store);
  } finally {
    await store.close();
  }
}

/** Registers the secrets command group. */
export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('manage upstream secrets (stored encrypted with secrets.masterKey)');

  secrets
    .command('set')
    .argument('<name>', 'secret name, referenced in config as ${secret:NAME}')
    .description('store a secret; the value is read from stdin (or a hidden prompt), never from arguments')
    .option('-c, --config <file>', 'config file')
    .action(async (name: string, o: { config?: string }) => {
      const value = await readSecretInput(`value for ${name}: `);
      await withVault(o.config, (v) => v.set(name, value, CLI_ACTOR));
      process.stdout.write(`stored secret ${name}\n`);
    });

  secrets
    .command('list')
    .description('list secret names (never values)')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (o: { json?: boolean; config?: string }) => {
      const list = await withVault(o.config, (v) => v.list());
      if (o.json) return printJson(list);
      printTable(
        ['NAME', 'CREATED', 'UPDATED'],
        list.map((s) => [
          s.name,
          s.createdAt.slice(0, 16).replace('T', ' '),
          s.updatedAt.slice(0, 16).replace('T', ' '),
        ]),
      );
    });

  secrets
    .command('remove')
    .argument('<name>', 'secret name')
    .description('delete a secret')
    .option('-c, --config <file>', 'config file')
    .action(async (name: string, o: { config?: string }) => {
      const removed = await withVault(o.config, (v) => v.remove(name, CLI_ACTOR));
      if (!removed) throw new UsageError(`no secret named ${name}`);
      process.stdout.write(`removed secret ${name}\n`);
    });

  secrets
    .command('rotate-master')
    .description(
      're-encrypt every secret under a new master key (read from stdin, or generated and printed once)',
    )
    .option('--generate', 'generate the new key instead of reading it from stdin')
    .option('-c, --config <file>', 'config file')
    .action(async (o: { generate?: boolean; config?: string }) => {
      const text = o.generate ? generateMasterKey() : await readSecretInput('new master key (base64): ');
      const parsed = parseMasterKey(text);
      if (!parsed.ok) throw new UsageError(`new master key: ${parsed.message}`);
      // The JWT signing keys are sealed with the same master key; they move with it.
      const count = await withVault(o.config, (vault, store) =>
        vault.rotateMaster(parsed.key, CLI_ACTOR, (current, next) => resealSigningKeys(store, current, next)),
      );
      process.stdout.write(
        `re-encrypted ${count} secret${count === 1 ? '' : 's'}; set KEYWARD_MASTER_KEY to the new key before the next start\n`,
      );
      if (o.generate) process.stdout.write(`new master key (shown once): ${text}\n`);
    });
}
