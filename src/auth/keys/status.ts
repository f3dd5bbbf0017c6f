/**
 * What can be wrong with a presented API key, and the one table that turns each reason into
 * the error the caller sees (unkey's `status.go`): verification returns reasons, only the HTTP
 * edge throws.
 */
import { type ErrorCode, KeywardError } from '../../errors.js';
import type { ApiKeyRecord } from '../../store/repositories/api-keys.js';

export type KeyFailure =
  | 'malformed'
  | 'checksum'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'rotated'
  | 'exhausted'
  | 'origin'
  | 'ip';

const FAILURES: Record<KeyFailure, { code: ErrorCode; detail: string }> = {
  malformed: { code: 'KW_ERR_KEY_MALFORMED', detail: 'The API key is not in the expected format.' },
  checksum: {
    code: 'KW_ERR_KEY_CHECKSUM',
    detail: 'The API key checksum does not match; check for a typo.',
  },
  unknown: { code: 'KW_ERR_KEY_UNKNOWN', detail: 'The API key is not valid.' },
  revoked: { code: 'KW_ERR_KEY_REVOKED', detail: 'The API key has been revoked.' },
  expired: { code: 'KW_ERR_KEY_EXPIRED', detail: 'The API key has expired.' },
  rotated: {
    code: 'KW_ERR_KEY_ROTATED',
    detail: 'The API key was replaced and its grace period has ended; use the new key.',
  },
  exhausted: { code: 'KW_ERR_KEY_EXHAUSTED', detail: 'The API key has no remaining uses.' },
  origin: { code: 'KW_ERR_ORIGIN_NOT_ALLOWED', detail: 'This API key may not be used from this origin.' },
  ip: { code: 'KW_ERR_IP_NOT_ALLOWED', detail: 'This API key may not be used from this address.' },
};

/** The error a caller sees for a key verification failure. */
export function keyFailureError(reason: KeyFailure): KeywardError {
  const { code, detail } = FAILURES[reason];
  return new KeywardError(code, { detail });
}

export type KeyState = 'active' | 'revoked' | 'expired' | 'rotated';

/** The lifecycle state of a key at `now`, ignoring bindings and uses. */
export function keyState(record: ApiKeyRecord, now: number): KeyState {
  if (record.revokedAt !== null) return 'revoked';
  if (record.graceUntil !== null && now >= record.graceUntil) return 'rotated';
  if (record.expiresAt !== null && now >= record.expiresAt) return 'expired';
  return 'active';
}
