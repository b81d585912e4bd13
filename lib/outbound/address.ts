import ipaddr from "ipaddr.js";

/** A CIDR block as ipaddr.js reads it, e.g. `10.0.0.0/8`, `fd00::/8`. */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses `10.1.2.3`, `10.0.0.0/8` or `fd00::/8` into a CIDR block; a bare address is a /32 or /128. */
export function parseCidr(text: string): Cidr | undefined {
  if (ipaddr.isValidCIDR(text)) return ipaddr.parseCIDR(text);
  if (!ipaddr.isValid(text)) return undefined;
  const addr = ipaddr.parse(text);
  return [addr, addr.kind() === "ipv4" ? 32 : 128];
}

export const inCidrs = (address: string, cidrs: readonly Cidr[]) => {
  const addr = ipaddr.parse(address);
  return cidrs.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
};

/**
 * Why an address may not be reached from the server, or `undefined` if it is a public unicast one.
 * ipaddr.js names every special range (private, loopback, link-local — where cloud metadata lives —,
 * carrier-grade NAT, multicast, reserved, IPv4-mapped/translated IPv6, 6to4, Teredo…); anything it
 * does not call plain `unicast` is refused, so a range it learns to name later is refused too.
 */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return "not an IP address";
  const range = ipaddr.parse(address).range();
  return range === "unicast" ? undefined : `${range} address`;
}
