/**
 * IPv4 addresses and prefixes as numbers. Addresses are kept as signed 32-bit integers (`address | 0`): V8 stores
 * those unboxed (as small integers) in arrays, maps and sets, which keeps tens of thousands of members cheap.
 */

/** An IPv4 address as a signed 32-bit integer (the bits of the address, `| 0`). */
export type Ipv4 = number;

/** An IPv4 prefix: its first address and its length. */
export interface Ipv4Prefix {
  /** First address of the prefix (host bits cleared). */
  readonly base: Ipv4;
  /** Prefix length, 0-32. */
  readonly length: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted-quad IPv4 address; undefined for anything else (IPv6, names, out-of-range octets). */
export function parseIpv4(text: string): Ipv4 | undefined {
  const m = DOTTED_QUAD.exec(text);
  if (!m) {
    return undefined;
  }
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i].length > 1 && m[i][0] === "0")) {
      return undefined;
    }
    value = (value << 8) | octet;
  }
  return value | 0;
}

/** Formats an address as a dotted quad. */
export function formatIpv4(address: Ipv4): string {
  return `${(address >>> 24) & 255}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

/** The netmask of a prefix length as a signed 32-bit integer. */
export function prefixMask(length: number): number {
  return length === 0 ? 0 : (~0 << (32 - length)) | 0;
}

/**
 * Parses `a.b.c.d/len` (host bits are cleared, as the kernel stores them) or a bare address (a /32); undefined when
 * the text is not an IPv4 prefix.
 */
export function parseIpv4Prefix(text: string): Ipv4Prefix | undefined {
  const slash = text.indexOf("/");
  const address = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) {
    return undefined;
  }
  if (slash < 0) {
    return { base: address, length: 32 };
  }
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lengthText) || Number(lengthText) > 32) {
    return undefined;
  }
  const length = Number(lengthText);
  return { base: (address & prefixMask(length)) | 0, length };
}

/** Formats a prefix in nft syntax: `a.b.c.d/len`, or the bare address for a /32. */
export function formatIpv4Prefix(prefix: Ipv4Prefix): string {
  return prefix.length === 32 ? formatIpv4(prefix.base) : `${formatIpv4(prefix.base)}/${prefix.length}`;
}

/** True when `outer` contains `inner` (equal prefixes contain each other). */
export function prefixContains(outer: Ipv4Prefix, inner: Ipv4Prefix): boolean {
  return outer.length <= inner.length && ((inner.base & prefixMask(outer.length)) | 0) === outer.base;
}
