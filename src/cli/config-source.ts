/**
 * Which config a command uses: `--config FILE`, else `./keyward.yaml`, else the built-in demo.
 * A `.env` beside the config file fills environment variables that are not already set, so
 * `keyward init && keyward start` works without exporting the master key by hand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { type CompiledConfig, compileConfig } from '../config/compile.js';
import { DEMO_CONFIG_YAML } from '../config/demo.js';
import { type LoadedConfig, loadConfigFile, parseConfig } from '../config/load.js';

export const DEFAULT_CONFIG_FILE = 'keyward.yaml';

export interface ResolvedConfig {
  loaded: LoadedConfig;
  compiled: CompiledConfig;
  isDemo: boolean;
}

function loadDotEnv(dir: string, env: NodeJS.ProcessEnv): void {
  const file = join(dir, '.env');
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}

/** Loads, validates and compiles the config a command should use; throws ConfigError. */
export function resolveConfig(
  configOption: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const file = configOption ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let loaded: LoadedConfig;
  if (file === undefined) {
    loadDotEnv(process.cwd(), env);
    loaded = parseConfig(DEMO_CONFIG_YAML, '(built-in demo)', env);
  } else {
    loadDotEnv(dirname(resolve(file)), env);
    loaded = loadConfigFile(file, env);
  }
  return { loaded, compiled: compileConfig(loaded), isDemo: file === undefined };
}
