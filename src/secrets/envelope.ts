/**
 * Envelope encryption for stored secrets: AES-256-GCM with a fresh 12-byte nonce per value,
 * under a data key derived from the master key with HKDF-SHA256. The envelope names the
 * master key that sealed it (a fingerprint, not the key), so a wrong master key is detected
 * before decryption and a rotation can re-seal everything under a new key.
 *
 * Format: `kw1.<fingerprint>.<nonce>.<ciphertext>.<tag>` (fingerprint: 8 hex; the rest base64url,
 * unpadded). Stored envelopes depend on every detail here (KDF inputs, AAD, encoding): a change
 * needs a new version prefix, not an edit.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const VERSION = 'kw1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const REDACTED = '[redacted]';
const NOT_SET = 'secrets.masterKey is not set; run `keyward init` or set KEYWARD_MASTER_KEY';

export type EnvelopeErrorCode = 'ERR_ENVELOPE_FORMAT' | 'ERR_ENVELOPE_WRONG_KEY' | 'ERR_ENVELOPE_TAMPERED';

/** Decryption failed; the message never contains plaintext, key material or the envelope itself. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
  readonly code: EnvelopeErrorCode;

  constructor(code: EnvelopeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// Lets this module's functions read a key's private data key without giving anyone else a way to.
let dataKeyOf: (master: MasterKey) => Buffer;

/** The 32-byte master key; only its fingerprint is public, and it prints as `[redacted]` everywhere. */
export class MasterKey {
  /** First 8 hex of SHA-256('keyward-master-key-id' + key): names the key without revealing it. */
  readonly fingerprint: string;
  // Only the derived AES key is kept: the raw master bytes are not needed after construction.
  readonly #dataKey: Buffer;

  static {
    dataKeyOf = (master) => master.#dataKey;
  }

  constructor(bytes: Uint8Array) {
    if (bytes.length !== KEY_BYTES) throw new RangeError(`a master key is ${KEY_BYTES} bytes`);
    this.fingerprint = createHash('sha256')
      .update('keyward-master-key-id')
      .update(bytes)
      .digest('hex')
      .slice(0, 8);
    this.#dataKey = Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), 'keyward-secrets-v1', KEY_BYTES));
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export type MasterKeyParse = { ok: true; key: MasterKey } | { ok: false; message: string };

/** Parses a 32-byte master key in base64 (standard or URL-safe, padded or not); messages never echo it. */
export function parseMasterKey(text: string | undefined): MasterKeyParse {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { ok: false, message: NOT_SET };
  const match = /^([A-Za-z0-9+/_-]+)(=*)$/.exec(trimmed);
  const body = match?.[1] ?? '';
  const padding = match?.[2] ?? '';
  // Buffer.from(…, 'base64') silently skips junk, so the shape is checked strictly first.
  const wellFormed =
    match !== null &&
    body.length % 4 !== 1 &&
    (padding === '' || (padding.length <= 2 && trimmed.length % 4 === 0));
  if (!wellFormed) {
    return {
      ok: false,
      message: 'the master key is not base64 (expected 44 characters: A-Z a-z 0-9 and + / or - _)',
    };
  }
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== KEY_BYTES) {
    return {
      ok: false,
      message: `the master key must be ${KEY_BYTES} bytes of base64, but it decodes to ${bytes.length} bytes`,
    };
  }
  // A last character with stray low bits decodes "fine" but means the text was mistyped.
  if (bytes.toString('base64url') !== body.replace(/\+/g, '-').replace(/\//g, '_')) {
    return { ok: false, message: 'the master key is not canonical base64 (is its last character mistyped?)' };
  }
  return { ok: true, key: new MasterKey(bytes) };
}

/** A new random master key: 32 bytes, standard base64. */
export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Seals `plaintext`, bound to `aad` (the secret's name) so envelopes cannot be swapped between slots. */
export function encryptValue(master: MasterKey, plaintext: string | Buffer, aad: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKeyOf(master), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const input = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const ciphertext = Buffer.concat([cipher.update(input), cipher.final()]);
  const parts = [nonce, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [VERSION, master.fingerprint, ...parts].join('.');
}

/** Opens an envelope; throws EnvelopeError for a malformed envelope, another master key, or tampering. */
export function decryptValue(master: MasterKey, sealed: string, aad: string): Buffer {
  const { fingerprint, nonce, ciphertext, tag } = parseEnvelope(sealed);
  if (fingerprint !== master.fingerprint) {
    // Fingerprints are public key ids, safe to print, and tell the operator which key is needed.
    throw new EnvelopeError(
      'ERR_ENVELOPE_WRONG_KEY',
      `sealed with master key ${fingerprint}, but the configured master key is ${master.fingerprint}`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKeyOf(master), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new EnvelopeError(
      'ERR_ENVELOPE_TAMPERED',
      'the envelope failed authentication (altered, or copied from another secret)',
    );
  }
}

/** Re-seals an envelope under a new master key (for `rotate-master`); `aad` stays the same. */
export function reencrypt(oldKey: MasterKey, newKey: MasterKey, sealed: string, aad: string): string {
  const plaintext = decryptValue(oldKey, sealed, aad);
  try {
    return encryptValue(newKey, plaintext, aad);
  } finally {
    // The plaintext is ours alone here; don't leave it in memory longer than needed.
    plaintext.fill(0);
  }
}

interface Envelope {
  fingerprint: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

// Everything is checked before the key is: a damaged row is a format error, not a "wrong key".
function parseEnvelope(sealed: unknown): Envelope {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  const [version, fingerprint, nonceText, ciphertextText, tagText] = parts;
  if (parts.length !== 5 || version !== VERSION) throw formatError('not a kw1 secret envelope');
  if (!/^[0-9a-f]{8}$/.test(fingerprint ?? '')) throw formatError('bad key fingerprint');
  const nonce = base64url(nonceText);
  const ciphertext = base64url(ciphertextText);
  const tag = base64url(tagText);
  if (!nonce || !ciphertext || !tag) throw formatError('a part is not base64url');
  if (nonce.length !== NONCE_BYTES) throw formatError('bad nonce length');
  if (tag.length !== TAG_BYTES) throw formatError('bad tag length');
  return { fingerprint: fingerprint as string, nonce, ciphertext, tag };
}

// Strict decoding: only the canonical spelling is accepted, so one envelope has exactly one text.
function base64url(text: string | undefined): Buffer | null {
  if (text === undefined || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

// The reason names the part that is wrong, never its content (a mis-stored row could be plaintext).
function formatError(reason: string): EnvelopeError {
  return new EnvelopeError('ERR_ENVELOPE_FORMAT', `malformed secret envelope: ${reason}`);
}
