/**
 * Reads keyward.yaml: YAML → `${ENV}` substitution → schema defaults → validation.
 * Every problem is collected with its YAML path (and line) so `keyward check` can print them all
 * at once; nothing here throws a stack trace at the user.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type ConfigProblem } from './problems.js';
import { ConfigSchema, type KeywardConfig } from './schema.js';
import { semanticProblems } from './semantics.js';

/** A `${secret:NAME}` reference found in the config, resolved per request later. */
export interface SecretReference {
  path: string;
  name: string;
}

/** A value taken from the environment, kept so secret-bearing ones can be masked later. */
export interface EnvSubstitution {
  path: string;
  value: string;
}

export interface LoadedConfig {
  config: KeywardConfig;
  file: string;
  /** The config file's directory, which relative paths in it are resolved against; unset: the current directory. */
  baseDir?: string;
  secretRefs: SecretReference[];
  envValues: EnvSubstitution[];
}

export type Environment = Record<string, string | undefined>;

/** Loads and validates a config file. */
export function loadConfigFile(file: string, env: Environment = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read';
    throw new ConfigError([{ path: '(file)', message: `${file}: ${reason}` }], file);
  }
  return { ...parseConfig(text, file, env), baseDir: dirname(resolve(file)) };
}

/** Parses and validates config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string, env: Environment = process.env): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.slice(0, 1).map((e) => ({
      path: '(yaml)',
      message: (e.message.split('\n')[0] ?? 'invalid YAML').replace(/ at line \d+, column \d+:?$/, ''),
      ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}),
    }));
    throw new ConfigError(problems, file);
  }
  const lineOf = (segments: (string | number)[]): number | undefined => {
    for (let n = segments.length; n >= 0; n--) {
      const node = doc.getIn(segments.slice(0, n), true) as Node | undefined;
      if (node && (isScalar(node) || isMap(node) || isSeq(node)) && node.range) {
        return lineCounter.linePos(node.range[0]).line;
      }
    }
    return undefined;
  };

  let raw: unknown;
  try {
    // Resolving aliases happens here: one to a missing anchor, or too many, throws.
    raw = doc.toJS() ?? {};
  } catch (error) {
    throw new ConfigError(
      [{ path: '(yaml)', message: (error as Error).message.split('\n')[0] ?? 'invalid YAML' }],
      file,
    );
  }
  const problems: ConfigProblem[] = [];
  const secretRefs: SecretReference[] = [];
  const envValues: EnvSubstitution[] = [];
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      [{ path: '(root)', message: 'expected a mapping of sections like server:, routes:' }],
      file,
    );
  }
  const substituted = substitute(raw, [], { env, problems, secretRefs, envValues });
  for (const p of problems) p.line ??= lineOf(parsePath(p.path));

  const withDefaults = Value.Default(ConfigSchema, Value.Clone(substituted));
  problems.push(...schemaProblems(withDefaults, lineOf));
  if (problems.length === 0) {
    for (const p of semanticProblems(withDefaults as KeywardConfig)) {
      // A problem about a key the file does not contain (a default) has no line to point at.
      const segments = parsePath(p.path);
      problems.push(doc.hasIn(segments) ? { ...p, line: lineOf(segments) as number } : p);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, file);
  return { config: withDefaults as KeywardConfig, file, secretRefs, envValues };
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replaces `${NAME}` and `${NAME:-default}` in every string value; records `${secret:NAME}`. */
interface SubstitutionContext {
  env: Environment;
  problems: ConfigProblem[];
  secretRefs: SecretReference[];
  envValues: EnvSubstitution[];
}

function substitute(value: unknown, path: (string | number)[], ctx: SubstitutionContext): unknown {
  const { env, problems, secretRefs } = ctx;
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, [...path, i], ctx));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, [...path, k], ctx);
    return out;
  }
  if (typeof value !== 'string' || !value.includes('${')) return value;

  const whole = /^\$\{[^}]*\}$/.test(value);
  const result = value.replace(PLACEHOLDER, (match, body: string) => {
    if (body.startsWith('secret:')) {
      const name = body.slice('secret:'.length);
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name)) {
        problems.push({ path: formatPath(path), message: `invalid secret reference ${match}` });
      } else {
        secretRefs.push({ path: formatPath(path), name });
      }
      return match;
    }
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!ENV_NAME.test(name)) {
      problems.push({
        path: formatPath(path),
        message: `invalid placeholder ${match}; use \${NAME} or \${NAME:-default}`,
      });
      return match;
    }
    const fromEnv = env[name];
    const resolved =
      fromEnv !== undefined && fromEnv !== '' ? fromEnv : sep !== -1 ? body.slice(sep + 2) : undefined;
    if (resolved !== undefined) {
      ctx.envValues.push({ path: formatPath(path), value: resolved });
      return resolved;
    }
    problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
    return '';
  });
  // A value that is exactly one placeholder takes the type it would have in YAML (port: ${PORT}).
  if (whole) {
    if (/^-?[0-9]+$/.test(result) && Number.isSafeInteger(Number(result))) return Number(result);
    if (result === 'true' || result === 'false') return result === 'true';
  }
  return result;
}

/** Turns TypeBox's errors into one problem per YAML path, with our wording. */
function schemaProblems(
  value: unknown,
  lineOf: (s: (string | number)[]) => number | undefined,
): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const error of Value.Errors(ConfigSchema, value)) {
    const segments = pointerSegments(error.path);
    const path = formatPath(segments);
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push({ path, message: describe(error), line: lineOf(segments) } as ConfigProblem);
  }
  return problems;
}

function describe(error: { message: string; schema: unknown; value: unknown; type: number }): string {
  const custom = (error.schema as { errorMessage?: string }).errorMessage;
  if (error.value === undefined) return 'is required';
  if (/additional properties|unexpected property/i.test(error.message)) return 'unknown key';
  const message = custom ?? error.message.replace(/^Expected/, 'expected');
  if (typeof error.value === 'object' && error.value !== null) return message;
  const got = JSON.stringify(error.value);
  return `${message}, got ${got.length > 60 ? `${got.slice(0, 57)}...` : got}`;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

/** `['routes', 0, 'upstream']` → `routes[0].upstream`. */
export function formatPath(segments: (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === '' ? '(root)' : out;
}

function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return segments;
}
