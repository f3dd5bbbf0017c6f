/** A key record as the public sees it (admin API, CLI --json): never the digest, never the key. */

import type { ApiKeyRecord } from '../../store/repositories/api-keys.js';
import { keyState } from './status.js';
import type { KeyView } from './view-shape.js';

export type { KeyView };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Converts a stored record into its public view at `now`. */
export function toKeyView(record: ApiKeyRecord, now: number): KeyView {
  const state = keyState(record, now);
  return {
    id: record.id,
    name: record.name,
    hint: `${record.prefix ? `${record.prefix}_` : ''}…${record.last4}`,
    status: state === 'active' && record.remainingUses === 0 ? 'exhausted' : state,
    roles: record.roles,
    plan: record.plan,
    metadata: record.metadata,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    expiresAt: iso(record.expiresAt),
    revokedAt: iso(record.revokedAt),
    lastUsedAt: iso(record.lastUsedAt),
    remainingUses: record.remainingUses,
    origins: record.allowedOrigins,
    ips: record.allowedIps,
    rotatedTo: record.rotatedTo,
    graceUntil: iso(record.graceUntil),
    owner: record.ownerId,
  };
}
