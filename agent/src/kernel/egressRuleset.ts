/**
 * The cheap clone path: a netdev-family table with one egress chain per device. The L3 decision (ruleset.ts) only
 * sets a mark bit on the packets it selects when they leave through a device listed in `egress_hooked`; that
 * device's egress hook (kernel >= 5.16, after SNAT, on the frame about to be transmitted) clears the bit and clones
 * the frame onto the capture device with `dup` (nf_dup_netdev: an skb clone handed to the capture device's
 * transmit, no second trip through routing and the IP output hooks). Clearing the bit at the first egress also
 * keeps stacked devices (a bridge and its port, a tunnel and its underlay, a VLAN and its parent) from cloning the
 * same packet twice.
 *
 * A device gets its chain and its `egress_hooked` entry in one transaction; it loses the entry before the chain. The
 * set holds interface indexes, which a new device does not reuse, so a packet is marked only for a device whose
 * chain exists, and everything else takes the `dup` path: there is no moment without a clone path.
 */
import { SETS, TABLE } from "./ruleset";

/** The egress table's name (family netdev). */
export const EGRESS_TABLE = "extrahop_rpcapd_egress";
/** Its counter of clones taken at egress. */
export const EGRESS_COUNTER = "cloned_egress";

/** A device with (or to get) an egress chain. */
export interface HookedDevice {
  /** Interface index (the chain is named after it). */
  ifindex: number;
  /** Interface name (what the hook binds to). */
  name: string;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** The chain name of a device. */
export function egressChainName(ifindex: number): string {
  return `dev${ifindex}`;
}

/** Creates (or replaces) the egress table, empty but for its counter. */
export function renderEgressTable(owner: string): string {
  return [
    `table netdev ${EGRESS_TABLE}`,
    `delete table netdev ${EGRESS_TABLE}`,
    `table netdev ${EGRESS_TABLE} {`,
    `\tcomment "owner ${owner}"`,
    `\tcounter ${EGRESS_COUNTER} {\n\t}`,
    "}",
    "",
  ].join("\n");
}

/** Adds a device's chain and its `egress_hooked` entry. */
export function hookDevice(d: HookedDevice, captureDevice: string, captureMark: number): string {
  const chain = egressChainName(d.ifindex);
  return [
    `add chain netdev ${EGRESS_TABLE} ${chain} { type filter hook egress device ${JSON.stringify(d.name)} priority 0; policy accept; }`,
    `add rule netdev ${EGRESS_TABLE} ${chain} meta mark & ${hex(captureMark)} == ${hex(captureMark)} ` +
      `meta mark set meta mark & ${hex(~captureMark)} counter name "${EGRESS_COUNTER}" dup to ${JSON.stringify(captureDevice)}`,
    `add element ip ${TABLE} ${SETS.egressHooked} { ${d.ifindex} }`,
    "",
  ].join("\n");
}

/** Removes a device's `egress_hooked` entry (by index, so it works for a device that is gone). */
export function unmarkDevice(ifindex: number): string {
  return `delete element ip ${TABLE} ${SETS.egressHooked} { ${ifindex} }\n`;
}

/**
 * Removes a device's chain. Kernels before 6.16 release a netdev chain themselves when its only device goes away;
 * the caller then ignores nft's "No such file or directory".
 */
export function unhookDevice(ifindex: number): string {
  return `delete chain netdev ${EGRESS_TABLE} ${egressChainName(ifindex)}\n`;
}

/** A throwaway table that loads only where the kernel has netdev egress hooks and netdev `dup`. */
export function renderEgressProbe(probeTable: string, captureDevice: string): string {
  return [
    `add table netdev ${probeTable}`,
    `add chain netdev ${probeTable} probe { type filter hook egress device "lo" priority 0; policy accept; }`,
    `add rule netdev ${probeTable} probe meta mark 0xffffffff dup to ${JSON.stringify(captureDevice)}`,
    `delete table netdev ${probeTable}`,
    "",
  ].join("\n");
}
