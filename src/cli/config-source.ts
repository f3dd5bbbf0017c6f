/**
 * Which config a command uses: `--config FILE`, else `$KEYWARD_CONFIG`, else `./keyward.yaml`,
 * else the built-in demo. A `.env` beside the config file fills environment variables that are
 * not already set, so `keyward init && keyward start` works without exporting the master key
 * by hand. Relative paths in a config file are relative to that file (config/compile.ts); the
 * demo's stay relative to the current directory (`./data`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { type CompiledConfig, compileConfig } from '../config/compile.js';
import { DEMO_CONFIG_YAML } from '../config/demo.js';
import { type LoadedConfig, loadConfigFile, parseConfig } from '../config/load.js';
import { DEMO_MASTER_KEY_VARIABLE, demoMasterKey } from '../demo/master-key.js';

export const DEFAULT_CONFIG_FILE = 'keyward.yaml';

/** The environment variable naming the config file when `--config` is not given. */
export const CONFIG_VARIABLE = 'KEYWARD_CONFIG';

export interface ResolvedConfig {
  loaded: LoadedConfig;
  compiled: CompiledConfig;
  isDemo: boolean;
}

/** The config file a command should read, or undefined for the built-in demo. */
export function chooseConfigFile(
  configOption: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (configOption !== undefined) return configOption;
  const fromEnv = env[CONFIG_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
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
  const file = chooseConfigFile(configOption, env);
  let loaded: LoadedConfig;
  if (file === undefined) {
    loadDotEnv(process.cwd(), env);
    env[DEMO_MASTER_KEY_VARIABLE] = demoMasterKey();
    loaded = parseConfig(DEMO_CONFIG_YAML, '(built-in demo)', env);
  } else {
    loadDotEnv(dirname(resolve(file)), env);
    loaded = loadConfigFile(file, env);
  }
  return { loaded, compiled: compileConfig(loaded), isDemo: file === undefined };
}
