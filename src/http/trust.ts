/** Which peers are trusted proxies (config `server.trustProxy`: false or a CIDR list). */
import { BlockList, isIPv4 } from 'node:net';
import { parseCidr } from '../auth/keys/bindings.js';

/** A predicate telling whether a socket peer address is one of the trusted proxies. */
export function trustedPeerMatcher(
  trustProxy: false | readonly string[],
): (address: string | undefined) => boolean {
  if (trustProxy === false || trustProxy.length === 0) return () => false;
  const list = new BlockList();
  for (const range of trustProxy) {
    const cidr = parseCidr(range);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    return list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  };
}
