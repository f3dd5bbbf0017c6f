/**
 * Envelope encryption for stored secrets: AES-256-GCM with a fresh 12-byte nonce per value,
 * under a data key derived from the master key with HKDF-SHA256. The envelope names the
 * master key that sealed it (a fingerprint, not the key), so a wrong master key is detected
 * before decryption and a rotation can re-seal everything under a new key.
 *
 * Format: `kw1.<fingerprint>.<nonce>.<ciphertext>.<tag>` (base64url parts).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const VERSION = 'kw1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export type EnvelopeErrorCode = 'ERR_ENVELOPE_FORMAT' | 'ERR_ENVELOPE_WRONG_KEY' | 'ERR_ENVELOPE_TAMPERED';

/** Decryption failed; the message never contains plaintext or key material. */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  constructor(code: EnvelopeErrorCode, message: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.code = code;
  }
}

/** The 32-byte master key; it prints as `[redacted]` everywhere. */
export class MasterKey {
  readonly fingerprint: string;
  readonly #dataKey: Buffer;

  constructor(bytes: Buffer) {
    this.fingerprint = createHash('sha256')
      .update('keyward-master-key-id')
      .update(bytes)
      .digest('hex')
      .slice(0, 8);
    this.#dataKey = Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), 'keyward-secrets-v1', 32));
  }

  /** The derived AES key; only this module uses it. */
  dataKey(): Buffer {
    return this.#dataKey;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Parses a base64 (standard or URL-safe) 32-byte master key. */
export function parseMasterKey(text: string): { ok: true; key: MasterKey } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '')
    return {
      ok: false,
      message: 'secrets.masterKey is not set; run `keyward init` or set KEYWARD_MASTER_KEY',
    };
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed))
    return { ok: false, message: 'the master key is not base64' };
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32)
    return {
      ok: false,
      message: `the master key must be 32 bytes of base64; it decodes to ${bytes.length} bytes`,
    };
  return { ok: true, key: new MasterKey(bytes) };
}

/** A new random master key, base64. */
export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/** Seals `plaintext`, bound to `aad` (the secret's name) so envelopes cannot be swapped between slots. */
export function encryptValue(master: MasterKey, plaintext: string | Buffer, aad: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.dataKey(), nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const parts = [nonce, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [VERSION, master.fingerprint, ...parts].join('.');
}

/** Opens an envelope; throws EnvelopeError for a malformed envelope, another key, or tampering. */
export function decryptValue(master: MasterKey, sealed: string, aad: string): Buffer {
  const parts = sealed.split('.');
  if (
    parts.length !== 5 ||
    parts[0] !== VERSION ||
    !parts.slice(2).every((p) => /^[A-Za-z0-9_-]*$/.test(p))
  ) {
    throw new EnvelopeError('ERR_ENVELOPE_FORMAT', 'not a Keyward secret envelope');
  }
  const [, fingerprint, nonceText, ciphertextText, tagText] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (fingerprint !== master.fingerprint) {
    throw new EnvelopeError('ERR_ENVELOPE_WRONG_KEY', 'sealed with a different master key');
  }
  const nonce = Buffer.from(nonceText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES)
    throw new EnvelopeError('ERR_ENVELOPE_FORMAT', 'bad nonce or tag length');
  try {
    const decipher = createDecipheriv('aes-256-gcm', master.dataKey(), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]);
  } catch {
    throw new EnvelopeError('ERR_ENVELOPE_TAMPERED', 'the envelope failed authentication');
  }
}

/** Re-seals an envelope under a new master key. */
export function reencrypt(oldKey: MasterKey, newKey: MasterKey, sealed: string, aad: string): string {
  return encryptValue(newKey, decryptValue(oldKey, sealed, aad), aad);
}
