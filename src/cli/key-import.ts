/**
 * Reading `keyward keys import` files: JSON lines, every line validated before anything is
 * written. Every bad line is reported with its number, not only the first, so one pass over
 * the file finds them all.
 */
import { readFileSync } from 'node:fs';
import { digestApiKey } from '../auth/keys/format.js';
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

/** One valid line of an import file. */
export interface ImportLine {
  /** 1-based line number in the file. */
  line: number;
  input: ImportedKeyInput;
}

/** One rejected line of an import file. */
export interface ImportProblem {
  line: number;
  message: string;
}

/** Every line of an import file, sorted into valid keys and problems (in line order). */
export interface ParsedImport {
  valid: ImportLine[];
  problems: ImportProblem[];
}

/** Reads and validates every line; throws UsageError only when the file itself cannot be read. */
export function parseImportFile(file: string): ParsedImport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`${file}: cannot be read`);
  }
  const parsed: ParsedImport = { valid: [], problems: [] };
  const seen = new Map<string, number>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const input = parseImportLine(line, index + 1);
      const identity = input.key !== undefined ? `k:${input.key}` : `h:${String(input.sha256).toLowerCase()}`;
      const first = seen.get(identity);
      if (first !== undefined) throw new UsageError(`the same key as line ${first}`);
      seen.set(identity, index + 1);
      parsed.valid.push({ line: index + 1, input });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      parsed.problems.push({ line: index + 1, message: error.message });
    }
  });
  return parsed;
}

/** Validates one JSON line; throws UsageError with the reason. */
function parseImportLine(line: string, lineNumber: number): ImportedKeyInput {
  let row: Record<string, unknown>;
  try {
    row = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new UsageError('not valid JSON');
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row))
    throw new UsageError('expected an object');
  const unknown = Object.keys(row).find((k) => !IMPORT_FIELDS.has(k));
  if (unknown) throw new UsageError(`unknown field "${unknown}"`);
  const { key, sha256 } = row;
  if ((key === undefined) === (sha256 === undefined))
    throw new UsageError('give exactly one of "key" or "sha256"');
  if (key !== undefined && (typeof key !== 'string' || key.length < 16 || key.length > 512)) {
    throw new UsageError('"key" must be a string of 16-512 characters');
  }
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256))) {
    throw new UsageError('"sha256" must be 64 hex digits');
  }
  const name = row.name ?? `imported ${lineNumber}`;
  if (typeof name !== 'string' || name === '' || name.length > 200)
    throw new UsageError('"name" must be 1-200 characters');
  const roles = row.roles ?? [];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !NAME_RE.test(r))) {
    throw new UsageError('"roles" must be a list of role names');
  }
  const plan = row.plan ?? null;
  if (plan !== null && (typeof plan !== 'string' || !PLAN_RE.test(plan)))
    throw new UsageError('"plan" is not a valid plan name');
  const metadata = row.metadata ?? {};
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    Object.values(metadata).some((v) => typeof v !== 'string')
  ) {
    throw new UsageError('"metadata" must map names to strings');
  }
  const uses = row.uses ?? null;
  if (uses !== null && (!Number.isSafeInteger(uses) || (uses as number) < 0))
    throw new UsageError('"uses" must be a whole number');
  const stringList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (row.origins !== undefined && !stringList(row.origins)) throw new UsageError('"origins" must be a list');
  if (row.ips !== undefined && !stringList(row.ips)) throw new UsageError('"ips" must be a list');
  if (row.expiresAt !== undefined && typeof row.expiresAt !== 'string')
    throw new UsageError('"expiresAt" must be an ISO time');
  const options = parseKeyOptions(
    {
      expiresAt: row.expiresAt as string | undefined,
      origins: row.origins as string[] | undefined,
      ips: row.ips as string[] | undefined,
    },
    systemClock.now(),
  );
  if (!options.ok) throw new UsageError(`${options.errors[0]?.path}: ${options.errors[0]?.message}`);
  return {
    ...(typeof key === 'string' ? { key } : { sha256: String(sha256) }),
    name,
    roles: roles as string[],
    plan: plan as string | null,
    metadata: metadata as Record<string, string>,
    expiresAt: options.value.expiresAt,
    remainingUses: uses as number | null,
    allowedOrigins: options.value.origins,
    allowedIps: options.value.ips,
  };
}

/** The digest an import line's key is stored under, to find keys already in the store. */
export function importDigest(input: ImportedKeyInput): string {
  return input.key !== undefined ? digestApiKey(input.key) : String(input.sha256).toLowerCase();
}
