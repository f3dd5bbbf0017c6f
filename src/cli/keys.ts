/** `keyward keys create|list|revoke|rotate|import`: key management straight on the store. */
import type { Command } from 'commander';
import { KeyLifecycle, KeyStateError, NO_KEY_CACHES } from '../auth/keys/lifecycle.js';
import { parseKeyOptions } from '../auth/keys/options.js';
import { type KeyView, toKeyView } from '../auth/keys/view.js';
import { systemClock } from '../clock.js';
import { parseDuration } from '../config/units.js';
import { openStore, type Store } from '../store/db.js';
import { resolveConfig } from './config-source.js';
import { EXIT_FAILURE } from './exit-codes.js';
import { type ImportProblem, importDigest, parseImportFile } from './key-import.js';
import { printJson, printTable, UsageError } from './output.js';

const CLI_ACTOR = { id: 'cli' };
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
const PLAN_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

async function withKeys<T>(
  configFile: string | undefined,
  fn: (keys: KeyLifecycle, store: Store) => Promise<T>,
): Promise<T> {
  const { compiled } = resolveConfig(configFile);
  const store = await openStore(compiled.storageUrl);
  // A running gateway sees the change within its key cache's lifetime (half a second).
  const keys = new KeyLifecycle(store, {
    prefix: compiled.apiKeys.prefix,
    clock: systemClock,
    caches: NO_KEY_CACHES,
  });
  try {
    return await fn(keys, store);
  } finally {
    await store.close();
  }
}

function list(text: string | undefined): string[] {
  return text === undefined
    ? []
    : text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

function parseRoles(text: string | undefined): string[] {
  const roles = list(text);
  const bad = roles.find((r) => !NAME_RE.test(r));
  if (bad !== undefined) throw new UsageError(`--roles: "${bad}" is not a valid role name`);
  return roles;
}

function parseMeta(pairs: string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--meta: expected key=value, got "${pair}"`);
    meta[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return meta;
}

function parseUses(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^[0-9]{1,12}$/.test(text) || Number(text) < 1)
    throw new UsageError(`--uses: expected a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

function date(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').slice(0, 16);
}

function printKeys(views: KeyView[]): void {
  printTable(
    ['ID', 'NAME', 'KEY', 'STATUS', 'ROLES', 'PLAN', 'EXPIRES', 'LAST USED'],
    views.map((v) => [
      v.id,
      v.name,
      v.hint,
      v.status,
      v.roles.join(',') || '-',
      v.plan ?? '-',
      date(v.expiresAt),
      date(v.lastUsedAt),
    ]),
  );
}

interface CreateOptions {
  config?: string;
  name: string;
  roles?: string;
  plan?: string;
  expires?: string;
  uses?: string;
  origins?: string;
  ips?: string;
  meta: string[];
  json?: boolean;
}

/** Registers the keys command group. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys');

  keys
    .command('create')
    .description('create a key and print it once')
    .requiredOption('--name <name>', 'a label for the key')
    .option('--roles <a,b>', 'roles the key carries')
    .option('--plan <plan>', 'plan whose limits apply')
    .option('--expires <duration>', 'expire after this long, e.g. 30d')
    .option('--uses <n>', 'number of requests the key may make')
    .option('--origins <url,...>', 'browser origins allowed to use the key')
    .option('--ips <cidr,...>', 'client address ranges allowed to use the key')
    .option('--meta <k=v>', 'metadata (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (o: CreateOptions) => {
      if (o.name.trim() === '' || o.name.length > 200)
        throw new UsageError('--name: expected 1-200 characters');
      if (o.plan !== undefined && !PLAN_RE.test(o.plan))
        throw new UsageError(`--plan: "${o.plan}" is not a valid plan name`);
      const parsed = parseKeyOptions(
        { expiresIn: o.expires, origins: list(o.origins), ips: list(o.ips) },
        systemClock.now(),
      );
      if (!parsed.ok) {
        const first = parsed.errors[0];
        throw new UsageError(
          `--${first?.path.replace(/\[.*$/, '').replace('expiresIn', 'expires')}: ${first?.message}`,
        );
      }
      const input = {
        name: o.name,
        roles: parseRoles(o.roles),
        plan: o.plan ?? null,
        metadata: parseMeta(o.meta),
        expiresAt: parsed.value.expiresAt,
        remainingUses: parseUses(o.uses),
        allowedOrigins: parsed.value.origins,
        allowedIps: parsed.value.ips,
      };
      const { record, key } = await withKeys(o.config, (k) => k.create(input, CLI_ACTOR));
      if (o.json) return printJson({ ...toKeyView(record, systemClock.now()), key });
      // The key alone on stdout, so `APP_KEY=$(keyward keys create …)` captures it; the rest is for people.
      process.stderr.write(`created ${record.id} (${record.name}); the key is shown once, store it now:\n`);
      process.stdout.write(`${key}\n`);
    });

  keys
    .command('list')
    .description('list keys (never shows the keys themselves)')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (o: { json?: boolean; config?: string }) => {
      const views = await withKeys(o.config, async (k) => {
        const all: KeyView[] = [];
        let cursor: string | undefined;
        do {
          const page = await k.list({ limit: 500, ...(cursor ? { cursor } : {}) });
          all.push(...page.items.map((r) => toKeyView(r, systemClock.now())));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return all;
      });
      if (o.json) return printJson(views);
      printKeys(views);
    });

  keys
    .command('revoke')
    .argument('<id>', 'key id')
    .description('revoke a key; it stops working within a second')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (id: string, o: { json?: boolean; config?: string }) => {
      const record = await withKeys(o.config, (k) => k.revoke(id, CLI_ACTOR));
      if (!record) throw new UsageError(`no API key with id ${id}`);
      if (o.json) return printJson(toKeyView(record, systemClock.now()));
      process.stdout.write(`revoked ${id}\n`);
    });

  keys
    .command('rotate')
    .argument('<id>', 'key id')
    .description('issue a replacement key; the old one keeps working for the grace period')
    .option('--grace <duration>', 'how long the old key keeps working', '24h')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (id: string, o: { grace: string; json?: boolean; config?: string }) => {
      const graceMs = parseDuration(o.grace);
      if (graceMs === undefined)
        throw new UsageError(`--grace: expected a duration like 24h, got "${o.grace}"`);
      const rotated = await withKeys(o.config, async (k) => {
        try {
          return await k.rotate(id, graceMs, CLI_ACTOR);
        } catch (error) {
          if (error instanceof KeyStateError) throw new UsageError(error.message);
          throw error;
        }
      });
      if (!rotated) throw new UsageError(`no API key with id ${id}`);
      const now = systemClock.now();
      if (o.json)
        return printJson({
          ...toKeyView(rotated.record, now),
          key: rotated.key,
          previous: toKeyView(rotated.previous, now),
        });
      process.stderr.write(
        `rotated ${id} → ${rotated.record.id}; the old key works until ${new Date(rotated.previous.graceUntil ?? now).toISOString()}. The new key is shown once, store it now:\n`,
      );
      process.stdout.write(`${rotated.key}\n`);
    });

  keys
    .command('import')
    .argument(
      '<file>',
      'JSON lines: {"key": "..."} or {"sha256": "..."} with name, roles, plan, metadata, expiresAt, uses, origins, ips',
    )
    .description(
      'import existing keys (or their SHA-256 digests); any bad line imports nothing unless --skip-invalid',
    )
    .option('--skip-invalid', 'import the valid lines and report the others, instead of importing nothing')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (file: string, o: { skipInvalid?: boolean; json?: boolean; config?: string }) => {
      const { valid, problems } = parseImportFile(file);
      const records = await withKeys(o.config, async (k, store) => {
        const fresh = [];
        for (const row of valid) {
          if (await store.apiKeys.findByDigest(importDigest(row.input)))
            problems.push({ line: row.line, message: 'this key is already in the store' });
          else fresh.push(row);
        }
        problems.sort((a, b) => a.line - b.line);
        if (problems.length > 0 && !o.skipInvalid) return null;
        if (fresh.length === 0) return [];
        try {
          return await k.importMany(
            fresh.map((row) => row.input),
            CLI_ACTOR,
          );
        } catch (error) {
          if (error instanceof KeyStateError)
            throw new UsageError(`${file}: ${error.message}; nothing imported`);
          throw error;
        }
      });
      reportImportProblems(file, problems, records === null);
      if (records === null || records.length === 0) {
        if (records !== null) process.stderr.write(`keyward: ${file}: no keys to import\n`);
        process.exitCode = EXIT_FAILURE;
        return;
      }
      if (o.json) return printJson(records.map((r) => toKeyView(r, systemClock.now())));
      process.stdout.write(`imported ${records.length} key${records.length === 1 ? '' : 's'}\n`);
    });
}

/** One stderr line per bad line, in line order, then what became of the file. */
function reportImportProblems(file: string, problems: ImportProblem[], nothingImported: boolean): void {
  for (const p of problems) process.stderr.write(`keyward: ${file} line ${p.line}: ${p.message}\n`);
  if (problems.length === 0) return;
  const count = `${problems.length} bad line${problems.length === 1 ? '' : 's'}`;
  process.stderr.write(
    nothingImported
      ? `keyward: ${count}; nothing imported (--skip-invalid imports the valid lines)\n`
      : `keyward: skipped ${count}\n`,
  );
}
