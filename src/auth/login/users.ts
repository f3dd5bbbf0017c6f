/**
 * Local users: create, list, change password, remove, and check a login. Shared by the CLI and
 * the login endpoint. Usernames are compared lower-cased; passwords only ever pass through
 * Argon2id and are never logged or audited.
 */
import type { Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { Store } from '../../store/db.js';
import type { Actor } from '../../store/repositories/audit.js';
import type { UserRecord } from '../../store/repositories/users.js';
import {
  hashPassword,
  MAX_PASSWORD_BYTES,
  passwordProblem,
  verifyAgainstDummy,
  verifyPassword,
} from '../passwords.js';

const USERNAME = /^[a-z0-9][a-z0-9._@+-]{0,99}$/;
const ROLE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;

/** A user as shown by `users list` and the admin API: never the hash. */
export interface UserView {
  id: string;
  username: string;
  roles: string[];
  createdAt: string;
  updatedAt: string;
}

/** A request the user must fix (bad name, weak password, unknown user); the message is safe to print. */
export class UserInputError extends Error {
  override name = 'UserInputError';
}

/** The form usernames are stored and compared in. */
export function normalizeUsername(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

/** The public view of a user record. */
export function toUserView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    roles: user.roles,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}

/** Revokes the API keys a user made for themselves on the developer portal (KeyLifecycle fits). */
export interface OwnedKeys {
  revokeOwnedBy(ownerId: string, actor: Actor): Promise<number>;
}

export interface UserServiceOptions {
  /** Told the id of every user added, removed or given a new password. */
  changed?: (userId: string) => void;
  /** Where a removed user's own keys are revoked; without it their keys stay as they are. */
  ownedKeys?: OwnedKeys;
}

export class UserService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #changed: (userId: string) => void;
  readonly #ownedKeys: OwnedKeys | undefined;

  constructor(store: Store, clock: Clock, options: UserServiceOptions = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#changed = options.changed ?? (() => {});
    this.#ownedKeys = options.ownedKeys;
  }

  /** Creates a user with a fresh Argon2id hash. */
  async add(name: string, password: string, roles: string[], actor: Actor): Promise<UserRecord> {
    const username = checkUsername(name);
    const badRole = roles.find((r) => !ROLE.test(r));
    if (badRole !== undefined) throw new UserInputError(`"${badRole.slice(0, 64)}" is not a valid role name`);
    const weak = passwordProblem(password);
    if (weak) throw new UserInputError(weak);
    if (await this.#store.users.findByUsername(username))
      throw new UserInputError(`user ${username} already exists`);
    const now = this.#clock.now();
    const user: UserRecord = {
      id: newId('usr', now),
      username,
      passwordHash: await hashPassword(password),
      roles: [...new Set(roles)],
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.#store.users.insert(user))) throw new UserInputError(`user ${username} already exists`);
    await this.#audit(actor, 'user.create', user, { username, roles: user.roles });
    this.#changed(user.id);
    return user;
  }

  /** Every user, by name. */
  list(): Promise<UserRecord[]> {
    return this.#store.users.list();
  }

  /** Sets a new password and signs the user out everywhere (all refresh tokens revoked). */
  async passwd(name: string, password: string, actor: Actor): Promise<UserRecord> {
    const user = await this.#require(name);
    const weak = passwordProblem(password);
    if (weak) throw new UserInputError(weak);
    const now = this.#clock.now();
    await this.#store.users.setPasswordHash(user.id, await hashPassword(password), now);
    const revoked = await this.#store.refreshTokens.revokeUser(user.id, now);
    await this.#audit(actor, 'user.passwd', user, { username: user.username, refreshTokensRevoked: revoked });
    this.#changed(user.id);
    return user;
  }

  /**
   * Deletes a user, revokes their refresh tokens and the API keys they made on the portal (a
   * removed developer's keys must not outlive them); their access tokens lapse within accessTtl.
   */
  async remove(name: string, actor: Actor): Promise<{ user: UserRecord; keysRevoked: number }> {
    const user = await this.#require(name);
    await this.#store.refreshTokens.revokeUser(user.id, this.#clock.now());
    // Keys first: should this fail, the user is still there and the removal can be retried.
    const keysRevoked = (await this.#ownedKeys?.revokeOwnedBy(user.id, actor)) ?? 0;
    await this.#store.users.remove(user.id);
    await this.#audit(actor, 'user.remove', user, { username: user.username, keysRevoked });
    this.#changed(user.id);
    return { user, keysRevoked };
  }

  /**
   * Checks a login. Unknown users, wrong passwords and oversized inputs all cost one Argon2
   * verification and give the same answer, so neither the result nor its timing tells them apart.
   */
  async checkLogin(name: string, password: string): Promise<UserRecord | null> {
    const username = normalizeUsername(name);
    const tooLong = Buffer.byteLength(password) > MAX_PASSWORD_BYTES;
    const user = USERNAME.test(username) ? await this.#store.users.findByUsername(username) : undefined;
    if (!user || tooLong) {
      await verifyAgainstDummy(tooLong ? '' : password);
      return null;
    }
    return (await verifyPassword(user.passwordHash, password)) ? user : null;
  }

  /** The current record of a user, for refreshing tokens with up-to-date roles. */
  findById(id: string): Promise<UserRecord | undefined> {
    return this.#store.users.findById(id);
  }

  async #require(name: string): Promise<UserRecord> {
    const username = checkUsername(name);
    const user = await this.#store.users.findByUsername(username);
    if (!user) throw new UserInputError(`no user named ${username}`);
    return user;
  }

  #audit(actor: Actor, action: string, user: UserRecord, details: Record<string, unknown>): Promise<void> {
    return this.#store.audit.append({
      actor: actor.id,
      action,
      targetType: 'user',
      targetId: user.id,
      ip: actor.ip ?? null,
      details,
    });
  }
}

function checkUsername(name: string): string {
  const username = normalizeUsername(name);
  if (!USERNAME.test(username)) {
    throw new UserInputError(
      `"${name.slice(0, 40)}" is not a valid username (1-100 of: letters, digits, . _ @ + -; starting with a letter or digit)`,
    );
  }
  return username;
}
