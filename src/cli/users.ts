/**
 * `keyward users add|list|passwd|remove`: local users for JWT login, straight on the store.
 * Passwords are read from stdin (piped) or a prompt that does not echo, never from arguments,
 * so they stay out of shell history and process listings.
 */
import type { Command } from 'commander';
import { KeyLifecycle, NO_KEY_CACHES } from '../auth/keys/lifecycle.js';
import { toUserView, type UserService, UserService as Users } from '../auth/login/users.js';
import { systemClock } from '../clock.js';
import { openStore } from '../store/db.js';
import { resolveConfig } from './config-source.js';
import { printJson, printTable, UsageError } from './output.js';
import { readSecretInput } from './stdin.js';

const CLI_ACTOR = { id: 'cli' };

async function withUsers<T>(
  configFile: string | undefined,
  fn: (users: UserService) => Promise<T>,
): Promise<T> {
  const { compiled } = resolveConfig(configFile);
  const store = await openStore(compiled.storageUrl);
  try {
    // A running gateway sees keys revoked here within its key cache TTL, as with `keys revoke`.
    const ownedKeys = new KeyLifecycle(store, {
      prefix: compiled.apiKeys.prefix,
      clock: systemClock,
      caches: NO_KEY_CACHES,
    });
    return await fn(new Users(store, systemClock, { ownedKeys }));
  } finally {
    await store.close();
  }
}

function parseRoles(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

// On a terminal the password is typed twice, so a typo does not lock the user out.
async function readNewPassword(name: string): Promise<string> {
  const password = await readSecretInput(`password for ${name}: `);
  if (process.stdin.isTTY && (await readSecretInput('again: ')) !== password) {
    throw new UsageError('the two passwords differ; nothing changed');
  }
  return password;
}

function date(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

/** Registers the users command group. */
export function registerUsersCommands(program: Command): void {
  const users = program
    .command('users')
    .description('manage local users who log in for JWTs (POST /auth/login)');

  users
    .command('add')
    .argument('<name>', 'username (letters, digits, . _ @ + -; compared case-insensitively)')
    .description('create a user; the password is read from stdin or a hidden prompt, never from arguments')
    .option('--roles <a,b>', 'roles the user gets in their tokens')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (name: string, o: { roles?: string; json?: boolean; config?: string }) => {
      const roles = parseRoles(o.roles);
      const password = await readNewPassword(name);
      const user = await withUsers(o.config, (u) => u.add(name, password, roles, CLI_ACTOR));
      if (o.json) return printJson(toUserView(user));
      process.stdout.write(`created user ${user.username} (${user.id})\n`);
    });

  users
    .command('list')
    .description('list users and their roles (never passwords or hashes)')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (o: { json?: boolean; config?: string }) => {
      const views = (await withUsers(o.config, (u) => u.list())).map(toUserView);
      if (o.json) return printJson(views);
      printTable(
        ['ID', 'NAME', 'ROLES', 'CREATED', 'UPDATED'],
        views.map((v) => [v.id, v.username, v.roles.join(',') || '-', date(v.createdAt), date(v.updatedAt)]),
      );
    });

  users
    .command('passwd')
    .argument('<name>', 'username')
    .description('set a new password (stdin or hidden prompt); signs the user out everywhere')
    .option('-c, --config <file>', 'config file')
    .action(async (name: string, o: { config?: string }) => {
      const password = await readNewPassword(name);
      const user = await withUsers(o.config, (u) => u.passwd(name, password, CLI_ACTOR));
      process.stdout.write(`changed the password of ${user.username}; their refresh tokens are revoked\n`);
    });

  users
    .command('remove')
    .argument('<name>', 'username')
    .description('delete a user, revoking their refresh tokens and the API keys they made on the portal')
    .option('-c, --config <file>', 'config file')
    .action(async (name: string, o: { config?: string }) => {
      const { user, keysRevoked } = await withUsers(o.config, (u) => u.remove(name, CLI_ACTOR));
      const keys = keysRevoked === 0 ? '' : `; revoked the ${keysRevoked} API key(s) they made on the portal`;
      process.stdout.write(`removed user ${user.username}${keys}\n`);
    });
}
