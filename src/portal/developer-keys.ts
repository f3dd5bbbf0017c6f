/**
 * A developer's own keys: made with the portal's plan, roles and expiry, owned by the
 * developer, limited in number, listed and revoked only by their owner. Every check is made
 * here, on the server, from the signed-in user's id — never from anything the page sends.
 */
import type { KeyLifecycle } from '../auth/keys/lifecycle.js';
import type { Clock } from '../clock.js';
import { KeywardError } from '../errors.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../store/repositories/api-keys.js';
import type { Actor } from '../store/repositories/audit.js';

export interface DeveloperKeyPolicy {
  plan: string | null;
  roles: readonly string[];
  maxKeys: number;
  /** Lifetime of a new key, or null for keys that do not expire. */
  expiryMs: number | null;
}

/** The most keys (active or not) a developer's list shows. */
const LIST_LIMIT = 200;

export class DeveloperKeys {
  readonly #apiKeys: KeyLifecycle;
  readonly #repository: ApiKeyRepository;
  readonly #clock: Clock;
  readonly #policy: DeveloperKeyPolicy;
  /** Creations in progress per developer: two at once must not both pass the count. */
  readonly #pending = new Map<string, Promise<unknown>>();

  constructor(apiKeys: KeyLifecycle, repository: ApiKeyRepository, clock: Clock, policy: DeveloperKeyPolicy) {
    this.#apiKeys = apiKeys;
    this.#repository = repository;
    this.#clock = clock;
    this.#policy = policy;
  }

  /** The developer's keys, newest first. */
  async list(ownerId: string): Promise<ApiKeyRecord[]> {
    return (await this.#apiKeys.list({ owner: ownerId, limit: LIST_LIMIT })).items;
  }

  /** How many of the developer's keys still work. */
  countActive(ownerId: string): Promise<number> {
    return this.#repository.countActiveByOwner(ownerId, this.#clock.now());
  }

  /** One of the developer's keys; undefined for another's key or an unknown id alike. */
  async find(ownerId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const record = await this.#apiKeys.get(id);
    return record?.ownerId === ownerId ? record : undefined;
  }

  /** Makes a key for the developer, unless they already have the most they may. */
  create(owner: { id: string; username: string }, name: string, actor: Actor) {
    const previous = this.#pending.get(owner.id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#create(owner, name, actor));
    this.#pending.set(owner.id, next);
    return next.finally(() => {
      if (this.#pending.get(owner.id) === next) this.#pending.delete(owner.id);
    });
  }

  async #create(owner: { id: string; username: string }, name: string, actor: Actor) {
    const { plan, roles, maxKeys, expiryMs } = this.#policy;
    if ((await this.countActive(owner.id)) >= maxKeys)
      throw new KeywardError('KW_ERR_KEY_LIMIT', {
        detail: `You already have ${maxKeys} active keys, the most allowed; revoke one first.`,
      });
    return this.#apiKeys.create(
      {
        name,
        roles: [...roles],
        plan,
        metadata: { portalUser: owner.username },
        expiresAt: expiryMs === null ? null : this.#clock.now() + expiryMs,
        ownerId: owner.id,
      },
      actor,
    );
  }

  /** Revokes one of the developer's keys; undefined when it is not theirs (or unknown). */
  async revoke(ownerId: string, id: string, actor: Actor): Promise<ApiKeyRecord | undefined> {
    if (!(await this.find(ownerId, id))) return undefined;
    return this.#apiKeys.revoke(id, actor);
  }
}
