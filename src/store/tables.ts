/**
 * Row types of every table, as Kysely sees them. Columns are dialect-neutral: text ids,
 * integer milliseconds for times, JSON as text, so SQLite and Postgres share repositories.
 */
import type { Generated } from 'kysely';

export interface SettingsTable {
  key: string;
  value: string;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  ip: string | null;
  details: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  digest: string;
  last4: string;
  roles: string;
  plan: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  remaining_uses: number | null;
  allowed_origins: string | null;
  allowed_ips: string | null;
  rotated_to: string | null;
  grace_until: number | null;
  version: Generated<number>;
  /** User id of the developer who made the key in the portal; null for operators' keys. */
  owner_id: string | null;
}

export interface SecretsTable {
  name: string;
  /** AES-256-GCM envelope (see secrets/envelope.ts); never the plaintext. */
  sealed: string;
  /** Fingerprint of the master key that sealed it. */
  key_id: string;
  created_at: number;
  updated_at: number;
}

export interface UsageMinutesTable {
  /** Start of the minute, ms since the epoch. */
  bucket: number;
  /** Principal id (key or user), or `-` for anonymous calls. */
  principal: string;
  route: string;
  /** `2xx`, `4xx`, ..., and `429` apart from the other 4xx. */
  status_class: string;
  count: number;
}

export interface QuotaCountersTable {
  /** Counter id: scope, policy and subject. */
  id: string;
  /** Start of the UTC day or month, ms since the epoch. */
  period_start: number;
  count: number;
}

export interface PlacesTable {
  id: string;
  name: string;
  /** Degrees, WGS 84. */
  latitude: number;
  longitude: number;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  /** Lower-cased login name, unique. */
  username: string;
  /** Argon2id PHC string (auth/passwords.ts); never the password. */
  password_hash: string;
  /** JSON array of role names. */
  roles: string;
  created_at: number;
  updated_at: number;
}

export interface RefreshTokensTable {
  id: string;
  /** Every token descended from one login shares a family; reuse of any revokes them all. */
  family_id: string;
  user_id: string;
  /** SHA-256 hex of the token; the token itself is never stored. */
  digest: string;
  created_at: number;
  expires_at: number;
  /** Set when the token was exchanged for its successor; a second use is a replay. */
  used_at: number | null;
  revoked_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  /** Public JWK (JSON) as published at /.well-known/jwks.json. */
  public_jwk: string;
  /** PKCS#8 private key sealed with the master key (secrets/envelope.ts). */
  private_sealed: string;
  /** Fingerprint of the master key that sealed it. */
  master_key_id: string;
  created_at: number;
  /** When a newer key took over signing; the key still verifies for the access-token lifetime. */
  retired_at: number | null;
}

export interface InvitationsTable {
  id: string;
  /** SHA-256 hex of the invitation code; the code itself is never stored. */
  digest: string;
  note: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** Username of the developer who registered with it. */
  used_by: string | null;
  revoked_at: number | null;
}

export interface Database {
  settings: SettingsTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  secrets: SecretsTable;
  usage_minutes: UsageMinutesTable;
  quota_counters: QuotaCountersTable;
  places: PlacesTable;
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  invitations: InvitationsTable;
}
