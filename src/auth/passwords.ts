/**
 * Password hashing for local users: Argon2id with OWASP's recommended parameters (19 MiB,
 * 2 passes, 1 lane). Hashes are PHC strings, so parameters travel with each hash and can be
 * raised later without breaking old ones. Unknown users are checked against a dummy hash so a
 * failed login takes the same time whether or not the user exists.
 */
import { randomBytes } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';

export const ARGON2_OPTIONS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Shortest password `users add` accepts (NIST SP 800-63B's minimum for user-chosen secrets). */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password accepted; a bound on hashing work per request, far above any real passphrase. */
export const MAX_PASSWORD_BYTES = 1024;

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `the password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES)
    return `the password must be at most ${MAX_PASSWORD_BYTES} bytes`;
  return null;
}

/** Hashes a password with Argon2id (off the event loop, on libuv's thread pool). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Checks a password against a stored hash; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Computes the dummy hash ahead of time, so even the first unknown-user login costs no extra hash. */
export async function prepareDummyHash(): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64'));
  await dummyHash;
}

/**
 * Spends the same work as a real check and always fails: used when the user does not exist,
 * so response time does not reveal which usernames are registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64'));
  await verifyPassword(await dummyHash, password);
  return false;
}
