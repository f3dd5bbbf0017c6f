/** Opening the secret vault with the configured master key, shared by start, prepare and tests. */
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import {
  masterKeyFromConfig,
  type SecretChangeListener,
  SecretStoreError,
  SecretVault,
} from '../secrets/vault.js';
import type { Store } from '../store/db.js';

/**
 * Opens the secret store with the configured master key. A missing key is an error only when
 * something needs it (a route references a secret, or secrets are stored); a wrong key always is.
 */
export async function openVault(
  store: Store,
  config: CompiledConfig,
  clock: Clock,
  changed?: SecretChangeListener,
): Promise<SecretVault> {
  const master = masterKeyFromConfig(config.masterKey);
  const refs = config.secretRefs;
  if (!master && refs.length > 0) {
    throw new SecretStoreError(
      `${refs[0]?.path} uses \${secret:${refs[0]?.name}} but secrets.masterKey is not set (KEYWARD_MASTER_KEY)`,
    );
  }
  const vault = new SecretVault(store, master, clock, changed);
  await vault.verifyMasterKey();
  return vault;
}
