import { isIP, isIPv4, isIPv6 } from "node:net";

/**
 * Which addresses the service may connect to when it fetches from the web: public unicast only,
 * unless the operator allows more (FETCH_ALLOW). A careful CIDR matcher of its own rather than
 * `net.BlockList`, which matches IPv4 addresses against IPv4-mapped IPv6 rules and back: here an
 * IPv4 range matches IPv4 addresses only, an IPv6 range IPv6 addresses only, and every IPv6 form
 * that embeds an IPv4 address is refused as such.
 */

type Family = 4 | 6;

interface Cidr {
  family: Family;
  /** The address as a number: 32 bits for IPv4, 128 for IPv6. */
  base: bigint;
  prefix: number;
}

interface NamedRange extends Cidr {
  /** What the range is, as a refusal names it: "loopback", "private", "ipv4-mapped"… */
  name: string;
}

const bitsOf = (family: Family) => (family === 4 ? 32 : 128);

function parseIPv4(text: string): bigint {
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** An IPv6 address (validated by net.isIPv6 first, zone id removed) as a 128-bit number. */
function parseIPv6(text: string): bigint {
  let s = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIPv4(dotted[1]!);
    s = `${s.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = s.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...zeros, ...tailGroups].reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An address as net.isIP accepts it, without brackets or zone id; null when it is not one. */
export function parseAddress(text: string): { family: Family; value: bigint } | null {
  const bare = text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  if (isIPv4(bare)) return { family: 4, value: parseIPv4(bare) };
  if (isIPv6(bare)) return { family: 6, value: parseIPv6(bare) };
  return null;
}

function parseCidr(text: string): Cidr | null {
  const [addr = "", prefixText, ...rest] = text.split("/");
  const parsed = parseAddress(addr);
  if (!parsed || rest.length > 0) return null;
  const bits = bitsOf(parsed.family);
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return null;
  return { family: parsed.family, base: parsed.value, prefix };
}

function contains(range: Cidr, family: Family, value: bigint): boolean {
  if (range.family !== family) return false;
  const shift = BigInt(bitsOf(family) - range.prefix);
  return value >> shift === range.base >> shift;
}

const ranges = (list: ReadonlyArray<readonly [string, string]>): NamedRange[] =>
  list.map(([cidr, name]) => ({ ...parseCidr(cidr)!, name }));

/**
 * IPv6 forms that carry an IPv4 address (or reach one through a translator): refused even when
 * FETCH_ALLOW lists the IPv4 address they embed, so nothing reaches a refused IPv4 address in
 * IPv6 clothing. (`::` and `::1` are in ::/96 but are the unspecified and loopback addresses.)
 */
const embedding = ranges([
  ["::ffff:0:0/96", "ipv4-mapped"],
  ["::ffff:0:0:0/96", "ipv4-translated"],
  ["64:ff9b::/96", "nat64"],
  ["64:ff9b:1::/48", "nat64"],
  ["2002::/16", "6to4"],
  ["2001::/32", "teredo"],
]);
const ipv4Compatible = parseCidr("::/96")!;

/** Every range refused unless FETCH_ALLOW lists it (the first that matches names the refusal). */
const forbidden = ranges([
  ["0.0.0.0/8", "unspecified"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "cgnat"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "reserved"],
  ["192.0.2.0/24", "documentation"],
  ["192.88.99.0/24", "6to4-relay"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmark"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["255.255.255.255/32", "broadcast"],
  ["240.0.0.0/4", "reserved"],
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fc00::/7", "unique-local"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local"],
  ["ff00::/8", "multicast"],
  ["100::/64", "discard"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
  ["2001::/23", "reserved"],
]);
/** IPv6 outside global unicast (2000::/3) is refused as "reserved". */
const globalUnicast = parseCidr("2000::/3")!;

/** A host name that always means this machine, whatever a resolver says. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** A host name as FETCH_ALLOW and the checks compare it: lower-case, no trailing dot, no brackets. */
export const normalizeHostName = (hostname: string): string =>
  hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.+$/, "");

export interface AllowList {
  /** Host names whose name rules (localhost) are lifted; their addresses are still checked. */
  hosts: ReadonlySet<string>;
  /** Addresses allowed whatever the host name: `127.0.0.1`, `10.1.0.0/16`, `::1`. */
  cidrs: readonly Cidr[];
}

export class AllowListError extends Error {}

/** FETCH_ALLOW: a comma-separated list of host names, addresses and CIDRs. */
export function parseAllowList(text: string): AllowList {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const cidr = /^[\d.]+(\/\d+)?$|:/.test(entry) ? parseCidr(entry.replace(/^\[(.*)\](\/\d+)?$/, "$1$2")) : null;
    if (cidr) cidrs.push(cidr);
    else if (/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(entry) && !/^[\d.]+$/.test(entry)) {
      hosts.add(normalizeHostName(entry));
    } else {
      throw new AllowListError(
        `has ${JSON.stringify(entry.slice(0, 100))}, which is neither a host name nor an address or CIDR (like 10.0.0.0/8)`,
      );
    }
  }
  return { hosts, cidrs };
}

export const emptyAllowList: AllowList = { hosts: new Set(), cidrs: [] };

/** Why an address is refused: the range it is in; null when it may be connected to. */
export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

export class AddressPolicy {
  constructor(private readonly allow: AllowList = emptyAllowList) {}

  /** Whether the operator lifted the name rules for this host (FETCH_ALLOW lists the name). */
  hostAllowed(hostname: string): boolean {
    return this.allow.hosts.has(normalizeHostName(hostname));
  }

  /** The host name rules alone (before any resolution): `localhost` and its subdomains. */
  checkName(hostname: string): AddressVerdict {
    if (isIP(normalizeHostName(hostname)) === 0 && isLocalhostName(hostname) && !this.hostAllowed(hostname)) {
      return { allowed: false, range: "localhost" };
    }
    return { allowed: true };
  }

  /** An address as a resolver answered it or a URL named it (brackets and zone ids are tolerated). */
  checkAddress(address: string): AddressVerdict {
    const parsed = parseAddress(address);
    if (!parsed) return { allowed: false, range: "not-an-address" };
    const { family, value } = parsed;
    const embedded = embedding.find((r) => contains(r, family, value));
    if (embedded) return { allowed: false, range: embedded.name };
    if (contains(ipv4Compatible, family, value) && value > 1n) return { allowed: false, range: "ipv4-compatible" };
    if (this.allow.cidrs.some((r) => contains(r, family, value))) return { allowed: true };
    const refused = forbidden.find((r) => contains(r, family, value));
    if (refused) return { allowed: false, range: refused.name };
    if (family === 6 && !contains(globalUnicast, family, value)) return { allowed: false, range: "reserved" };
    return { allowed: true };
  }
}
