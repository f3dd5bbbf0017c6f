/**
 * Per-key bindings: a key may be limited to browser origins and client address ranges, so a
 * key copied out of a web app is useless from anywhere else. Deny unless allowed: a bound key
 * presented without an Origin header is refused.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ApiKeyRecord } from '../../store/repositories/api-keys.js';

export interface CallerBinding {
  origin: string | undefined;
  ip: string;
}

const blockLists = new WeakMap<readonly string[], BlockList>();

/** Parses `10.0.0.0/8` or `2001:db8::1`; returns null when it is neither. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', bits] = text.split('/', 2);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  if (!family) return null;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!/^[0-9]{1,3}$/.test(bits ?? String(max)) || prefix > max) return null;
  return { address, prefix, family };
}

function blockListFor(ranges: readonly string[]): BlockList {
  let list = blockLists.get(ranges);
  if (!list) {
    list = new BlockList();
    for (const range of ranges) {
      const cidr = parseCidr(range);
      if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    blockLists.set(ranges, list);
  }
  return list;
}

/** `::ffff:10.1.2.3` (IPv4 on a dual-stack socket) is matched as 10.1.2.3. */
function normalizeIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address: ip, family: isIPv4(ip) ? 'ipv4' : 'ipv6' };
}

/** `null` when the caller satisfies the key's bindings, else which binding failed. */
export function checkBindings(record: ApiKeyRecord, caller: CallerBinding): 'origin' | 'ip' | null {
  if (record.allowedOrigins && !(caller.origin && record.allowedOrigins.includes(caller.origin)))
    return 'origin';
  if (record.allowedIps) {
    const { address, family } = normalizeIp(caller.ip);
    if (!(isIPv4(address) || isIPv6(address)) || !blockListFor(record.allowedIps).check(address, family))
      return 'ip';
  }
  return null;
}
