/**
 * Signing key material: generation with jose, the public half as a JWK named by its RFC 7638
 * thumbprint, the private half as PKCS#8 sealed with the master key. The envelope's AAD names
 * the kid, so a sealed private key cannot be swapped onto another key's row.
 */
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JWK,
} from 'jose';
import type { LocalAlgorithm } from '../../config/jwt-settings.js';
import { decryptValue, EnvelopeError, encryptValue, type MasterKey } from '../../secrets/envelope.js';
import type { Store } from '../../store/db.js';
import type { SigningKeyRecord } from '../../store/repositories/signing-keys.js';

/** The master key cannot open the signing keys, or is missing; the message names what to fix. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** A freshly generated key: the row to store and the private key to sign with. */
export interface GeneratedSigningKey {
  record: SigningKeyRecord;
  privateKey: CryptoKey;
}

const aadFor = (kid: string) => `jwt-signing-key:${kid}`;

/** Generates a key pair for `algorithm` and seals its private half. */
export async function generateSigningKey(
  algorithm: LocalAlgorithm,
  master: MasterKey,
  now: number,
): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk: JWK = { ...jwk, kid, alg: algorithm, use: 'sig' };
  const pem = await exportPKCS8(privateKey);
  return {
    privateKey,
    record: {
      kid,
      algorithm,
      publicJwk: JSON.stringify(publicJwk),
      privateSealed: encryptValue(master, pem, aadFor(kid)),
      masterKeyId: master.fingerprint,
      createdAt: now,
      retiredAt: null,
    },
  };
}

/** Opens a stored key's private half; SigningKeyError when the master key is not the one that sealed it. */
export async function openPrivateKey(record: SigningKeyRecord, master: MasterKey): Promise<CryptoKey> {
  let pem: Buffer;
  try {
    pem = decryptValue(master, record.privateSealed, aadFor(record.kid));
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    if (error.code === 'ERR_ENVELOPE_WRONG_KEY') {
      throw new SigningKeyError(
        `secrets.masterKey (KEYWARD_MASTER_KEY) is not the key the JWT signing keys were sealed with (${record.masterKeyId}); set the original key`,
      );
    }
    throw new SigningKeyError(`the JWT signing key ${record.kid} could not be decrypted (${error.code})`);
  }
  try {
    return await importPKCS8(pem.toString('utf8'), record.algorithm);
  } finally {
    pem.fill(0);
  }
}

/** Re-seals stored private keys under a new master key (for master key rotation). */
export function resealPrivateKey(
  record: SigningKeyRecord,
  oldKey: MasterKey,
  newKey: MasterKey,
): { kid: string; privateSealed: string; masterKeyId: string } {
  const plaintext = decryptValue(oldKey, record.privateSealed, aadFor(record.kid));
  try {
    return {
      kid: record.kid,
      privateSealed: encryptValue(newKey, plaintext, aadFor(record.kid)),
      masterKeyId: newKey.fingerprint,
    };
  } finally {
    plaintext.fill(0);
  }
}

/** The public JWK stored with a key. */
export function publicJwkOf(record: SigningKeyRecord): JWK {
  return JSON.parse(record.publicJwk) as JWK;
}

/**
 * Re-seals every signing key sealed with `oldKey` under `newKey` (part of `secrets rotate-master`).
 * Keys sealed with some other key are left alone: only their public halves are still used.
 */
export async function resealSigningKeys(store: Store, oldKey: MasterKey, newKey: MasterKey): Promise<number> {
  const records = (await store.signingKeys.all()).filter((r) => r.masterKeyId === oldKey.fingerprint);
  await store.signingKeys.reseal(records.map((r) => resealPrivateKey(r, oldKey, newKey)));
  return records.length;
}
