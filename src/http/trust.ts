/** Which peers are trusted proxies (config `server.trustProxy`: false or a CIDR list). */
import { rangeMatcher } from '../cidr.js';

/** A predicate telling whether a socket peer address is one of the trusted proxies. */
export function trustedPeerMatcher(
  trustProxy: false | readonly string[],
): (address: string | undefined) => boolean {
  if (trustProxy === false || trustProxy.length === 0) return () => false;
  const matches = rangeMatcher(trustProxy);
  return (address) => address !== undefined && address !== '' && matches(address);
}
