/**
 * Per-key bindings: a key may be limited to browser origins and client address ranges, so a
 * key copied out of a web app is useless from anywhere else. Deny unless allowed: a bound key
 * presented without an Origin header is refused.
 */
import { rangeMatcher } from '../../cidr.js';
import type { ApiKeyRecord } from '../../store/repositories/api-keys.js';

export interface CallerBinding {
  origin: string | undefined;
  ip: string;
}

/** One matcher per key record's range list, built on first use (records are cached objects). */
const matchers = new WeakMap<readonly string[], (address: string) => boolean>();

function inRanges(ranges: readonly string[], address: string): boolean {
  let matches = matchers.get(ranges);
  if (!matches) {
    matches = rangeMatcher(ranges);
    matchers.set(ranges, matches);
  }
  return matches(address);
}

/** `null` when the caller satisfies the key's bindings, else which binding failed. */
export function checkBindings(record: ApiKeyRecord, caller: CallerBinding): 'origin' | 'ip' | null {
  if (record.allowedOrigins && !(caller.origin && record.allowedOrigins.includes(caller.origin)))
    return 'origin';
  if (record.allowedIps && !inRanges(record.allowedIps, caller.ip)) return 'ip';
  return null;
}
