/**
 * The public shape of a key (admin API, CLI --json): never the digest, never the key. On its own,
 * without imports, so the dashboard can use the same type for what the API sends it.
 */
export interface KeyView {
  id: string;
  name: string;
  /** Display hint like `kw_…a1B2`. */
  hint: string;
  status: 'active' | 'revoked' | 'expired' | 'rotated' | 'exhausted';
  roles: string[];
  plan: string | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  remainingUses: number | null;
  origins: string[] | null;
  ips: string[] | null;
  rotatedTo: string | null;
  graceUntil: string | null;
  /** User id of the portal developer who made it, or null. */
  owner: string | null;
}
