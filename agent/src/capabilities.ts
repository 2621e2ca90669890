/**
 * The capabilities the agent needs, checked up front so a missing one is named rather than showing up as an odd
 * failure later: NET_ADMIN (links, addresses, neighbours, nft, ethtool, tc; node role) and NET_RAW (rpcapd's packet
 * socket; both roles). Read from `CapEff` in /proc/self/status (capability numbers from linux/capability.h).
 */
import * as fs from "fs";

/** CAP_NET_ADMIN. */
export const CAP_NET_ADMIN = 12;
/** CAP_NET_RAW. */
export const CAP_NET_RAW = 13;

/** The effective capability mask, or undefined when /proc does not say. */
export function effectiveCapabilities(status: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** Names of the required capabilities missing from `status` (the text of /proc/self/status). */
export function missingCapabilities(status: string, required: readonly number[]): string[] {
  const eff = effectiveCapabilities(status);
  if (eff === undefined) {
    return [];
  }
  const names: Record<number, string> = { [CAP_NET_ADMIN]: "NET_ADMIN", [CAP_NET_RAW]: "NET_RAW" };
  return required.filter((c) => ((eff >> BigInt(c)) & 1n) === 0n).map((c) => names[c] ?? `capability ${c}`);
}

/** Reads this process's status. */
export function ownStatus(): string {
  try {
    return fs.readFileSync("/proc/self/status", "utf8");
  } catch {
    return "";
  }
}
