/**
 * The uplinks: interfaces through which packets from other hosts arrive (ENIs and other physical NICs, VLAN
 * sub-interfaces, bonds, tunnel devices). A packet that arrives through one with a covered source was already
 * reported by its sender's side; anything else (no input interface: sent by the node; a pod-side interface: sent by
 * a local pod) is this node's to report. The set holds the datapath's name patterns (effective the moment a device
 * appears) plus the exact names of devices whose kind makes them uplinks, for NICs named otherwise (enp0s3, bond0).
 */
import type { Link } from "../kernel/links";
import { matchesIfnamePattern } from "../kernel/links";
import type { DatapathProfile } from "./profiles";

/** Device kinds through which other hosts' packets arrive; physical NICs have no kind. */
const UPLINK_KINDS = new Set(["vlan", "bond", "team", "ipip", "vxlan", "geneve", "gre", "wireguard"]);

/** Elements of the nft `uplinks` set (patterns and names), sorted, without duplicates. */
export function uplinkElements(
  links: readonly Link[],
  profile: DatapathProfile,
  override: readonly string[] | undefined,
  excluded: readonly string[],
): string[] {
  if (override) {
    return [...new Set(override)].sort();
  }
  const byKind = links
    .filter(
      (l) =>
        l.name !== "lo" &&
        !excluded.includes(l.name) &&
        !matchesIfnamePattern(l.name, profile.podSidePatterns) &&
        !matchesIfnamePattern(l.name, profile.uplinkPatterns) &&
        (l.kind === undefined || UPLINK_KINDS.has(l.kind)),
    )
    .map((l) => l.name);
  return [...new Set([...profile.uplinkPatterns, ...byKind])].sort();
}
