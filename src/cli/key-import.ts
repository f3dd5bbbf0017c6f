/** Reading `keyward keys import` files: JSON lines, every line validated before anything is written. */
import { readFileSync } from 'node:fs';
import type { ImportedKeyInput } from '../auth/keys/lifecycle.js';
import { parseKeyOptions } from '../auth/keys/options.js';
import { systemClock } from '../clock.js';
import { UsageError } from './output.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
const PLAN_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const IMPORT_FIELDS = new Set([
  'key',
  'sha256',
  'name',
  'roles',
  'plan',
  'metadata',
  'expiresAt',
  'uses',
  'origins',
  'ips',
]);

/** Reads and validates every line before anything is written, so a bad file imports nothing. */
export function parseImportFile(file: string): ImportedKeyInput[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`${file}: cannot be read`);
  }
  const inputs: ImportedKeyInput[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file} line ${index + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new UsageError(`${where}: not valid JSON`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new UsageError(`${where}: expected an object`);
    const unknown = Object.keys(row).find((k) => !IMPORT_FIELDS.has(k));
    if (unknown) throw new UsageError(`${where}: unknown field "${unknown}"`);
    const { key, sha256 } = row;
    if ((key === undefined) === (sha256 === undefined))
      throw new UsageError(`${where}: give exactly one of "key" or "sha256"`);
    if (key !== undefined && (typeof key !== 'string' || key.length < 16 || key.length > 512)) {
      throw new UsageError(`${where}: "key" must be a string of 16-512 characters`);
    }
    if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256))) {
      throw new UsageError(`${where}: "sha256" must be 64 hex digits`);
    }
    const name = row.name ?? `imported ${index + 1}`;
    if (typeof name !== 'string' || name === '' || name.length > 200)
      throw new UsageError(`${where}: "name" must be 1-200 characters`);
    const roles = row.roles ?? [];
    if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !NAME_RE.test(r))) {
      throw new UsageError(`${where}: "roles" must be a list of role names`);
    }
    const plan = row.plan ?? null;
    if (plan !== null && (typeof plan !== 'string' || !PLAN_RE.test(plan)))
      throw new UsageError(`${where}: "plan" is not a valid plan name`);
    const metadata = row.metadata ?? {};
    if (
      typeof metadata !== 'object' ||
      metadata === null ||
      Object.values(metadata).some((v) => typeof v !== 'string')
    ) {
      throw new UsageError(`${where}: "metadata" must map names to strings`);
    }
    const uses = row.uses ?? null;
    if (uses !== null && (!Number.isSafeInteger(uses) || (uses as number) < 0))
      throw new UsageError(`${where}: "uses" must be a whole number`);
    const stringList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
    if (row.origins !== undefined && !stringList(row.origins))
      throw new UsageError(`${where}: "origins" must be a list`);
    if (row.ips !== undefined && !stringList(row.ips)) throw new UsageError(`${where}: "ips" must be a list`);
    if (row.expiresAt !== undefined && typeof row.expiresAt !== 'string')
      throw new UsageError(`${where}: "expiresAt" must be an ISO time`);
    const options = parseKeyOptions(
      {
        expiresAt: row.expiresAt as string | undefined,
        origins: row.origins as string[] | undefined,
        ips: row.ips as string[] | undefined,
      },
      systemClock.now(),
    );
    if (!options.ok)
      throw new UsageError(`${where}: ${options.errors[0]?.path}: ${options.errors[0]?.message}`);
    const identity = typeof key === 'string' ? `k:${key}` : `h:${String(sha256).toLowerCase()}`;
    if (seen.has(identity)) throw new UsageError(`${where}: duplicate of an earlier line`);
    seen.add(identity);
    inputs.push({
      ...(typeof key === 'string' ? { key } : { sha256: String(sha256) }),
      name,
      roles: roles as string[],
      plan: plan as string | null,
      metadata: metadata as Record<string, string>,
      expiresAt: options.value.expiresAt,
      remainingUses: uses as number | null,
      allowedOrigins: options.value.origins,
      allowedIps: options.value.ips,
    });
  });
  if (inputs.length === 0) throw new UsageError(`${file}: no keys to import`);
  return inputs;
}
