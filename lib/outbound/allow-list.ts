import { type Cidr, inCidrs, parseCidr } from "./address.ts";

/** Private hosts and networks the operator opens to integrations (never to link previews). */
export interface OutboundAllow {
  hosts: ReadonlySet<string>;
  cidrs: readonly Cidr[];
}

export const NOTHING_ALLOWED: OutboundAllow = { hosts: new Set(), cidrs: [] };

/**
 * Reads `AJET_OUTBOUND_ALLOW`: comma-separated host names and CIDRs (`ci.internal,10.20.0.0/16`).
 * Returns an error message for an entry that is neither.
 */
export function parseOutboundAllow(text: string): OutboundAllow | string {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const entry of text.split(",").map((s) => s.trim().toLowerCase())) {
    if (!entry) continue;
    const cidr = parseCidr(entry.replace(/^\[|\]$/g, ""));
    if (cidr) cidrs.push(cidr);
    else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry))
      hosts.add(entry);
    else return `"${entry}" is neither a host name nor a CIDR such as 10.0.0.0/8`;
  }
  return { hosts, cidrs };
}

export const allows = (allow: OutboundAllow, host: string, address: string) =>
  allow.hosts.has(host.toLowerCase()) || inCidrs(address, allow.cidrs);
