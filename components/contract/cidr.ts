/**
 * IPv4 CIDR set arithmetic on top of ipaddr.js: parsing is the library's, the set operations (overlap,
 * collapse) are the few lines it lacks.
 */
import * as ipaddr from "ipaddr.js";

/** True for a canonical dotted-quad IPv4 address such as `10.0.12.7`. */
export function isIpv4Address(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value);
}

/** True for an IPv4 CIDR with a dotted-quad network, a 0-32 prefix and no host bits set (`10.0.0.0/16`). */
export function isIpv4Cidr(value: string): boolean {
  const [addr, len, ...rest] = value.split("/");
  if (rest.length || !addr || !len || !/^\d{1,2}$/.test(len) || !isIpv4Address(addr)) {
    return false;
  }
  const prefix = Number(len);
  if (prefix > 32) {
    return false;
  }
  return toRange(value).first === ipToInt(addr);
}

/** An inclusive range of IPv4 addresses as unsigned 32-bit integers. */
export interface Ipv4Range {
  /** First address of the range. */
  first: number;
  /** Last address of the range. */
  last: number;
}

/** Converts a dotted quad to an unsigned 32-bit integer. */
export function ipToInt(address: string): number {
  return ipaddr.IPv4.parse(address)
    .toByteArray()
    .reduce((acc, byte) => acc * 256 + byte, 0);
}

/** Converts an unsigned 32-bit integer to a dotted quad. */
export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The address range a CIDR covers. */
export function toRange(cidr: string): Ipv4Range {
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - prefix);
  const base = addr.toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
  const first = base - (base % size);
  return { first, last: first + size - 1 };
}

/** True when the two CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const ra = toRange(a);
  const rb = toRange(b);
  return ra.first <= rb.last && rb.first <= ra.last;
}

/** True when `address` (IPv4) lies inside `cidr`. */
export function cidrContains(cidr: string, address: string): boolean {
  const r = toRange(cidr);
  const ip = ipToInt(address);
  return r.first <= ip && ip <= r.last;
}

/** Every pair (a from `left`, b from `right`) that overlaps. */
export function overlappingPairs(left: string[], right: string[]): [string, string][] {
  return left.flatMap((a) => right.filter((b) => cidrsOverlap(a, b)).map((b): [string, string] => [a, b]));
}

/**
 * The smallest sorted list of CIDRs covering exactly the union of the input: duplicates and nested blocks
 * vanish, adjacent blocks merge. Keeps `PODNET` short without widening it.
 */
export function collapseCidrs(cidrs: string[]): string[] {
  const ranges = cidrs.map(toRange).sort((a, b) => a.first - b.first || b.last - a.last);
  const merged: Ipv4Range[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.first <= last.last + 1) {
      last.last = Math.max(last.last, r.last);
    } else {
      merged.push({ ...r });
    }
  }
  return merged.flatMap(rangeToCidrs);
}

/** Splits an inclusive range into the minimal list of aligned CIDR blocks. */
export function rangeToCidrs(range: Ipv4Range): string[] {
  const out: string[] = [];
  let first = range.first;
  while (first <= range.last) {
    let size = 1;
    // Grow the block while it stays aligned on `first` and inside the range.
    while (size < 2 ** 32 && first % (size * 2) === 0 && first + size * 2 - 1 <= range.last) {
      size *= 2;
    }
    out.push(`${intToIp(first)}/${32 - Math.log2(size)}`);
    first += size;
  }
  return out;
}
