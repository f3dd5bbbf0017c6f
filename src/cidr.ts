/** IP ranges as the config and key bindings write them: one address, or CIDR notation. */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

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

/**
 * A predicate telling whether an address lies in one of `ranges` (invalid entries ignored).
 * `::ffff:10.1.2.3`, IPv4 on a dual-stack socket, is matched as 10.1.2.3; a string that is no
 * address at all never matches.
 */
export function rangeMatcher(ranges: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    const ip = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
    if (isIPv4(ip)) return list.check(ip, 'ipv4');
    return isIPv6(ip) && list.check(ip, 'ipv6');
  };
}
