/**
 * The built-in demo's master key: made on first use and kept in `./data/master.key` (mode
 * 600) beside the demo's database, so the demo has JWT login and encrypted secrets with
 * nothing to set up, and no key is ever written in the code or the docs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the demo keeps its state, relative to the current directory. */
export const DEMO_DATA_DIR = 'data';

/** The environment variable the demo config reads its master key from. */
export const DEMO_MASTER_KEY_VARIABLE = 'KEYWARD_DEMO_MASTER_KEY';

/** Reads the demo's master key from `dir/master.key`, creating it (32 random bytes, base64) the first time. */
export function demoMasterKey(dir: string = DEMO_DATA_DIR): string {
  const file = join(dir, 'master.key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64');
  try {
    writeFileSync(file, `${key}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    // Another process (a second command started at the same moment) made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}
