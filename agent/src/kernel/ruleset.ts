/**
 * The node agent's nftables table: which packets this node reports, decided once per packet per node, and how the
 * chosen ones are cloned onto the capture device. Pure rendering: the text `nft -f` loads.
 *
 * Hooks: postrouting and input at priority mangle (-150), i.e. after kube-proxy's DNAT (prerouting/output, -100)
 * and before any SNAT (+100): every packet crosses exactly one of them on a node (a packet a node sends to itself
 * crosses both, through `lo`, and is excluded), and is seen with its real pod endpoints, which is what makes both
 * directions of a NATed connection consistent. The decision (docs/agent.md has the argument):
 *
 *     the sensors' own traffic, loopback, packets still addressed to a service IP      -> skip
 *     an overlay's outer packet between two nodes (the inner one is decided on its own) -> skip
 *     to a Fargate pod whose sidecar runs (the sidecar reports what its pod receives)  -> skip
 *     arrived through an uplink from a covered source (its sender's side reported it)  -> skip
 *     leaves through a mirrored ENI and AWS copies it there                            -> skip
 *     otherwise                                                                        -> clone once
 *
 * "AWS copies it" is decided on the headers the packet has on the wire, after SNAT (the mirror filter sees those: a
 * SNAT source port may fall into the NodePort range), so such a packet is marked at -150 and decided by a second
 * postrouting chain at srcnat + 1, with the filter's exclusions, the Amazon DNS network service and the services AWS
 * never mirrors (instance metadata, DHCP, NTP), as harness/mirror/agentModel.ts states them.
 *
 * Clone: a packet leaving through a device that has the agent's egress chain (`egress_hooked`, see
 * egressRuleset.ts) gets the {@link RulesetSpec.captureMark} bit and is cloned at that device's egress hook, where
 * the bit is cleared again; anything else (delivered at input, or a device not hooked yet) is cloned here with
 * `dup` (nf_dup_ipv4: a copy routed to the capture device through the IP output path).
 */
import type { IntRange } from "../../../components/contract/mirror";
import { renderSetDeclaration, SET_NAMES } from "../membership/sets";

/** The name of the agent's table (family ip). */
export const TABLE = "extrahop_rpcapd";
/** The capture device's address and its neighbour, to which `dup` routes the clones. */
export const CAPTURE_ADDRESS = "169.254.255.1";
/** Gateway of the `dup` clones: a permanent neighbour entry with a MAC nobody owns, so no ARP is ever sent. */
export const CAPTURE_GATEWAY = "169.254.255.2";
/** Instance metadata: AWS never mirrors it. */
export const INSTANCE_METADATA = "169.254.169.254";
/** UDP ports of services AWS never mirrors: DHCP (67, 68) and NTP (123). */
export const NEVER_MIRRORED_UDP_PORTS: readonly number[] = [67, 68, 123];

/** Per-class counters (named nft counters) the metrics endpoint reports. */
export const COUNTERS = {
  selectedLocal: "selected_local",
  selectedInbound: "selected_inbound",
  selectedMirrorGap: "selected_mirror_gap",
  skippedCovered: "skipped_covered",
  skippedSidecar: "skipped_sidecar",
  skippedOverlay: "skipped_overlay",
  skippedMirrored: "skipped_mirrored",
  clonedDup: "cloned_dup",
} as const;

/** The dynamic sets the agent and membership update while running. */
export const SETS = {
  covered4: "covered4",
  coveredNets4: "coverednets4",
  sidecar4: "sidecar4",
  nodes4: "nodes4",
  uplinkDevices: "uplink_devices",
  mirroredUplinks: "mirrored_uplinks",
  egressHooked: "egress_hooked",
} as const;

/** Everything the table depends on. */
export interface RulesetSpec {
  /** Identifies this agent instance: only the owner removes the table. */
  owner: string;
  /** Sensor addresses. */
  sensors: readonly string[];
  /** Service ranges. */
  serviceCidrs: readonly string[];
  /** The capture device. */
  captureDevice: string;
  /** Mark bit for clones taken at the device egress. */
  captureMark: number;
  /** Uplink name patterns (`prefix*` or names), fixed for the table's life. */
  uplinkPatterns: readonly string[];
  /** Overlay outer-packet UDP destination ports (VXLAN, Geneve). */
  overlayUdpPorts: readonly number[];
  /** The datapath encapsulates in IP-in-IP between nodes (Calico). */
  overlayIpip: boolean;
  /** VPC_MIRRORING. */
  vpcMirroring: boolean;
  /** The mirror filter's NodePort range. */
  nodePortRange: IntRange;
  /** The mirror filter's excluded destinations. */
  mirrorExcludedCidrs: readonly string[];
  /** VPC resolver addresses. */
  amazonDnsIps: readonly string[];
  /** The amazon-dns network service is on (AWS then mirrors DNS with those resolvers both ways). */
  mirrorAmazonDns: boolean;
}

// Protocols by number (4 = IP-in-IP, 6 = TCP, 17 = UDP): nft resolves names through /etc/protocols, which a slim
// image does not have.
const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
const quoted = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(", ");
const elements = (items: readonly (string | number)[]): string =>
  items.length > 0 ? `\n\t\telements = { ${items.join(", ")} }` : "";

/** The full table, replacing any previous version in one transaction (restart-safe); touches no other table. */
export function renderRuleset(spec: RulesetSpec): string {
  const mark = hex(spec.captureMark);
  const unmark = hex(~spec.captureMark);
  const m = spec.vpcMirroring;
  const np = `${spec.nodePortRange.min}-${spec.nodePortRange.max}`;
  const dnsRules = (then: string): string[] => [
    `meta l4proto { 6, 17 } ip daddr @amazon_dns th dport 53 ${then}`,
    `meta l4proto { 6, 17 } ip saddr @amazon_dns th sport 53 ${then}`,
  ];
  const lines: string[] = [
    `table ip ${TABLE}`,
    `delete table ip ${TABLE}`,
    `table ip ${TABLE} {`,
    `\tcomment "owner ${spec.owner}"`,
    // A hash set: every selected packet pays these lookups, and an interval set (rbtree) costs several times more.
    `\tset sensors {\n\t\ttype ipv4_addr${elements(spec.sensors)}\n\t}`,
    // Membership's sets, declared as membership declares them (agent/src/membership/sets.ts).
    ...SET_NAMES.map(renderSetDeclaration),
    `\tset ${SETS.uplinkDevices} {\n\t\ttype ifname\n\t}`,
    `\tset ${SETS.egressHooked} {\n\t\ttype iface_index\n\t\tcomment "devices whose egress chain clones marked packets"\n\t}`,
  ];
  if (m) {
    lines.push(
      `\tset ${SETS.mirroredUplinks} {\n\t\ttype ifname\n\t\tcomment "this node's ENI devices whose egress AWS mirrors"\n\t}`,
      `\tset mirror_excluded {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge${elements(spec.mirrorExcludedCidrs)}\n\t}`,
      `\tset amazon_dns {\n\t\ttype ipv4_addr${elements(spec.amazonDnsIps)}\n\t}`,
    );
  }
  for (const c of Object.values(COUNTERS)) {
    if (m || (c !== COUNTERS.selectedMirrorGap && c !== COUNTERS.skippedMirrored)) {
      lines.push(`\tcounter ${c} {\n\t}`);
    }
  }
  lines.push(
    "\tchain postrouting {",
    "\t\ttype filter hook postrouting priority mangle; policy accept;",
    `\t\toifname { "lo", ${JSON.stringify(spec.captureDevice)} } return`,
    "\t\tjump select",
    "\t}",
    "\tchain input {",
    "\t\ttype filter hook input priority mangle; policy accept;",
    '\t\tiifname "lo" return',
    "\t\tjump select",
    "\t}",
    "\tchain select {",
    "\t\tip saddr @sensors return",
    "\t\tip daddr @sensors return",
    "\t\tip saddr 127.0.0.0/8 return",
    // One prefix compare per service range (a bitwise and a compare: cheaper than an interval lookup).
    ...spec.serviceCidrs.map((c) => `\t\tip daddr ${c} return`),
    // Only where the datapath encapsulates between nodes: every rule costs every selected packet.
    ...(spec.overlayIpip
      ? [
          `\t\tip protocol 4 ip saddr @${SETS.nodes4} ip daddr @${SETS.nodes4} counter name "${COUNTERS.skippedOverlay}" return`,
        ]
      : []),
    ...(spec.overlayUdpPorts.length > 0
      ? [
          `\t\tudp dport { ${spec.overlayUdpPorts.join(", ")} } ip saddr @${SETS.nodes4} ip daddr @${SETS.nodes4} counter name "${COUNTERS.skippedOverlay}" return`,
        ]
      : []),
    `\t\tip daddr @${SETS.sidecar4} counter name "${COUNTERS.skippedSidecar}" return`,
    // One compare per pattern (a wildcard is a prefix compare), then the devices found by kind.
    ...spec.uplinkPatterns.map((p) => `\t\tiifname ${JSON.stringify(p)} goto from_uplink`),
    `\t\tiifname @${SETS.uplinkDevices} goto from_uplink`,
    ...(m ? [`\t\toifname @${SETS.mirroredUplinks} goto defer_to_wire`] : []),
    `\t\tcounter name "${COUNTERS.selectedLocal}" goto clone`,
    "\t}",
    "\tchain from_uplink {",
    `\t\tip saddr @${SETS.covered4} counter name "${COUNTERS.skippedCovered}" return`,
    `\t\tip saddr @${SETS.coveredNets4} counter name "${COUNTERS.skippedCovered}" return`,
  );
  if (m && spec.mirrorAmazonDns) {
    // The amazon-dns network service mirrors DNS with the resolver inbound too.
    for (const r of dnsRules(`counter name "${COUNTERS.skippedMirrored}" return`)) {
      lines.push(`\t\tiifname @${SETS.mirroredUplinks} ${r}`);
    }
  }
  if (m) {
    lines.push(`\t\toifname @${SETS.mirroredUplinks} goto defer_to_wire`);
  }
  lines.push(
    `\t\tcounter name "${COUNTERS.selectedInbound}" goto clone`,
    "\t}",
    "\tchain clone {",
    `\t\toif @${SETS.egressHooked} meta mark set meta mark | ${mark} return`,
    `\t\tcounter name "${COUNTERS.clonedDup}" dup to ${CAPTURE_GATEWAY} device ${JSON.stringify(spec.captureDevice)}`,
    "\t}",
  );
  if (m) {
    lines.push(
      "\tchain defer_to_wire {",
      `\t\tmeta mark set meta mark | ${mark}`,
      "\t}",
      // After SNAT (srcnat = 100): the headers the mirror filter sees.
      "\tchain postrouting_wire {",
      "\t\ttype filter hook postrouting priority srcnat + 1; policy accept;",
      `\t\tmeta mark & ${mark} == 0 return`,
      `\t\toifname != @${SETS.mirroredUplinks} return`,
      `\t\tmeta mark set meta mark & ${unmark}`,
      `\t\tip daddr ${INSTANCE_METADATA} goto mirror_gap`,
      `\t\tip saddr ${INSTANCE_METADATA} goto mirror_gap`,
      `\t\tudp sport { ${NEVER_MIRRORED_UDP_PORTS.join(", ")} } goto mirror_gap`,
      `\t\tudp dport { ${NEVER_MIRRORED_UDP_PORTS.join(", ")} } goto mirror_gap`,
      ...dnsRules(
        spec.mirrorAmazonDns ? `counter name "${COUNTERS.skippedMirrored}" return` : "goto mirror_gap",
      ).map((r) => `\t\t${r}`),
      `\t\tmeta l4proto { 6, 17 } th sport ${np} goto mirror_gap`,
      "\t\tip daddr @mirror_excluded goto mirror_gap",
      `\t\tcounter name "${COUNTERS.skippedMirrored}"`,
      "\t}",
      "\tchain mirror_gap {",
      `\t\tcounter name "${COUNTERS.selectedMirrorGap}" goto clone`,
      "\t}",
    );
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** Commands that add and delete elements of one of the table's sets, in one transaction. */
export function setDelta(set: string, add: readonly string[], del: readonly string[], quote = false): string {
  const fmt = (xs: readonly string[]): string => (quote ? quoted(xs) : xs.join(", "));
  const out: string[] = [];
  if (del.length > 0) {
    out.push(`delete element ip ${TABLE} ${set} { ${fmt(del)} }`);
  }
  if (add.length > 0) {
    out.push(`add element ip ${TABLE} ${set} { ${fmt(add)} }`);
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
}
