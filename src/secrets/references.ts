/**
 * `keyward check` resolves every `${secret:NAME}`: the master key must be set and right, and
 * each named secret must be in the store. A master key that is set is checked for shape even
 * when nothing references a secret, since `start` refuses a malformed one either way. Problems
 * come back with the YAML path that names them.
 */
import { existsSync } from 'node:fs';
import { systemClock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { ConfigProblem } from '../config/problems.js';
import { openStore } from '../store/db.js';
import { masterKeyFromConfig, SecretStoreError, SecretVault } from './vault.js';

/** Every unresolvable secret reference, as config problems. */
export async function secretReferenceProblems(config: CompiledConfig): Promise<ConfigProblem[]> {
  const refs = config.secretRefs;
  if (refs.length === 0 && config.masterKey === '') return [];
  let master: ReturnType<typeof masterKeyFromConfig>;
  try {
    master = masterKeyFromConfig(config.masterKey);
  } catch (error) {
    return [
      { path: 'secrets.masterKey', message: (error as Error).message.replace(/^secrets\.masterKey: /, '') },
    ];
  }
  if (refs.length === 0) return [];
  if (!master)
    return [
      { path: 'secrets.masterKey', message: `is not set, but ${refs.length} secret reference(s) need it` },
    ];
  // Checking must not create an SQLite file that does not exist yet: then nothing is stored.
  const path = config.storageUrl.startsWith('sqlite:') ? config.storageUrl.slice('sqlite:'.length) : null;
  const missing = (ref: (typeof refs)[number]) => ({
    path: ref.path,
    message: `secret "${ref.name}" is not in the secret store (run: keyward secrets set ${ref.name})`,
  });
  if (path !== null && path !== ':memory:' && !existsSync(path)) return refs.map(missing);
  const store = await openStore(config.storageUrl);
  try {
    const vault = new SecretVault(store, master, systemClock);
    try {
      await vault.verifyMasterKey();
    } catch (error) {
      if (error instanceof SecretStoreError)
        return [{ path: 'secrets.masterKey', message: error.message.replace(/^secrets\.masterKey /, '') }];
      throw error;
    }
    const problems: ConfigProblem[] = [];
    for (const ref of refs) if ((await vault.lookup(ref.name)) === undefined) problems.push(missing(ref));
    return problems;
  } finally {
    await store.close();
  }
}
