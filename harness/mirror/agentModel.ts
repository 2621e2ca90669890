/**
 * A model of the node agent's per-packet decision (the v2 rule of the shared agent design) and of the Fargate
 * sidecar, at the level of the flow matrix: which copies the agents add to the ones AWS mirroring makes. The kernel
 * simulation runs the real agent; this model lets the flow matrix cover what the simulation cannot build (load
 * balancers, RDS, the EKS control plane, a node waiting for its session) and states the rule in one place.
 *
 * The node agent, for a packet P at the one hook of node N that selects it (postrouting or input):
 *   - never: P to or from a sensor;                                     (`ip saddr/daddr @sensors return`)
 *   - never: P to a Fargate pod whose sidecar runs (it reports what it receives);          (`@sidecar4`)
 *   - never: P leaving through one of N's mirrored ENIs when AWS copies it there, decided on the headers P has on
 *     the wire (after SNAT): the filter's exclusions (sensors, TCP/UDP source port in the NodePort range, excluded
 *     destinations), Amazon DNS (the network service copies it whatever the rules), and what AWS never mirrors
 *     (instance metadata, NTP, DHCP: AWS does not copy them, so the agent must);
 *   - never: Amazon DNS arriving through a mirrored ENI (the network service copies it inbound as well);
 *   - never: P that arrived through an uplink from a covered source (its sender's side reported it);
 *   - otherwise: once.
 * Three points go beyond the design text and are what the simulation showed to be needed (docs/mirroring.md):
 * the exclusions are evaluated after SNAT (the SNAT source port is random and may fall into the NodePort range),
 * Amazon DNS is copied by AWS in both directions, and AWS never mirrors instance metadata, NTP or DHCP.
 */
import { cidrContains } from "../../components/contract/cidr";
import type { MirrorFilterPlan } from "../../components/mirror/filterRules";
import { MirrorPacket, PROTO, neverMirroredService } from "./ruleEvaluator";

/** A node as the agents' membership sees it, and as the reconciler treats its ENIs. */
export interface FlowNode {
  /** Short name for the tables, e.g. `nodeA`. */
  name: string;
  /** An agent pod runs on it, Ready and not terminating. */
  agent: boolean;
  /** Its `interface` ENIs have a mirror session with the filter (the reconciler's doing). */
  sessions: boolean;
  /**
   * The agents count it as mirror-covered: `aws://` provider ID, not Fargate, mirrorable instance type, older than
   * MIRROR_SETTLE. Normally equal to `sessions`; the two differ only while a node joins or its session is late.
   */
  mirrorCovered: boolean;
}

/** What an address is, for the membership rule. */
export type MemberKind = "node" | "pod" | "branch-pod" | "fargate-pod";

/** An address the cluster's API knows. */
export interface Member {
  /** IPv4 address. */
  ip: string;
  /** Its kind. */
  kind: MemberKind;
  /** The node it lives on (not for Fargate pods). */
  node?: FlowNode;
  /** Fargate pods: whether the capture sidecar runs (container ready). */
  sidecar?: boolean;
}

/** Cluster-wide agent settings the decision depends on. */
export interface AgentSettings {
  /** `VPC_MIRRORING`. */
  vpcMirroring: boolean;
  /** The filter the agents mirror their exclusions from (sensors, NodePort range, excluded CIDRs, DNS). */
  plan: MirrorFilterPlan;
  /** `FARGATE_CIDRS` of the sidecars: what another Fargate pod sent is left to that pod's sidecar. */
  fargateCidrs: string[];
}

/** True when the address is covered: its packets were already reported once before they reach another node. */
export function isCovered(ip: string, members: Member[], s: AgentSettings): boolean {
  return members.some((m) => {
    if (m.ip !== ip) {
      return false;
    }
    if (m.kind === "fargate-pod") {
      return m.sidecar === true;
    }
    const node = m.node as FlowNode;
    const mirrorCovered = s.vpcMirroring && node.mirrorCovered && m.kind !== "branch-pod";
    return node.agent || mirrorCovered;
  });
}

/** True when the address is a Fargate pod whose sidecar runs (`sidecar4`). */
export function isSidecarPod(ip: string, members: Member[]): boolean {
  return members.some((m) => m.ip === ip && m.kind === "fargate-pod" && m.sidecar === true);
}

function isAmazonDns(p: MirrorPacket, plan: MirrorFilterPlan): boolean {
  const ported = p.protocol === PROTO.TCP || p.protocol === PROTO.UDP;
  const dns = plan.amazonDnsAddresses;
  return ported && ((dns.includes(p.dst) && p.dstPort === 53) || (dns.includes(p.src) && p.srcPort === 53));
}

/**
 * What the agent believes AWS does with a packet leaving a mirrored ENI of its node: the filter's exclusions, the
 * DNS network service and AWS's never-mirrored services, written from the filter's inputs (as the agent gets them
 * from its environment), not by evaluating AWS rules, so a disagreement with AWS shows up as a wrong count.
 * @param wire the packet as it leaves the node (after SNAT); `srcPort` of the datagram even for fragments
 */
export function agentExpectsMirrorCopy(wire: MirrorPacket, plan: MirrorFilterPlan): boolean {
  if (neverMirroredService(wire)) {
    return false;
  }
  if (isAmazonDns(wire, plan)) {
    return plan.networkServices.includes("amazon-dns");
  }
  if (plan.sensorBlocks.some((b) => cidrContains(b, wire.dst))) {
    return false;
  }
  const ported = wire.protocol === PROTO.TCP || wire.protocol === PROTO.UDP;
  const r = plan.nodePortRange;
  if (ported && wire.srcPort !== undefined && wire.srcPort >= r.min && wire.srcPort <= r.max) {
    return false;
  }
  return !plan.excludedBlocks.some((b) => cidrContains(b, wire.dst));
}

/** How a packet came to the node whose agent decides. */
export type Arrival =
  /** Sent by the node itself (no input interface) or by one of its pods (a pod-side veth). */
  | { via: "local" }
  /** Through an uplink (ENI or VLAN sub-interface), with the source address it had then (before any NAT). */
  | { via: "uplink"; source: string; eniMirrored: boolean };

/** How the packet leaves the node (or is delivered in it). */
export type Departure =
  /** Delivered to the node or one of its pods. */
  | { via: "local" }
  /** Out through an uplink; `mirrored` = one of the node's ENIs the agent counts as mirrored. */
  | { via: "uplink"; mirrored: boolean; wire: MirrorPacket };

/**
 * Copies the agent of a node adds for one packet (0 or 1). `packet` carries the addresses the hook sees (after
 * DNAT, before SNAT; for the sensor and sidecar checks); `departure.wire` the headers on the wire.
 */
export function nodeAgentCopies(
  packet: MirrorPacket,
  arrival: Arrival,
  departure: Departure,
  members: Member[],
  s: AgentSettings,
): number {
  const sensor = (ip: string) => s.plan.sensorBlocks.some((b) => cidrContains(b, ip));
  if (sensor(packet.src) || sensor(packet.dst)) {
    return 0;
  }
  if (isSidecarPod(packet.dst, members)) {
    return 0;
  }
  if (
    s.vpcMirroring &&
    departure.via === "uplink" &&
    departure.mirrored &&
    agentExpectsMirrorCopy(departure.wire, s.plan)
  ) {
    return 0;
  }
  if (arrival.via === "uplink") {
    if (
      s.vpcMirroring &&
      arrival.eniMirrored &&
      isAmazonDns(packet, s.plan) &&
      s.plan.networkServices.length > 0
    ) {
      return 0;
    }
    if (isCovered(arrival.source, members, s)) {
      return 0;
    }
  }
  return 1;
}

/**
 * Copies the Fargate sidecars add for one packet between `src` and `dst` (0, 1 or 2): the sender's sidecar reports
 * what its pod sends, the receiver's what its pod receives unless the sender is in FARGATE_CIDRS.
 */
export function sidecarCopies(src: string, dst: string, members: Member[], s: AgentSettings): number {
  const sensor = (ip: string) => s.plan.sensorBlocks.some((b) => cidrContains(b, ip));
  if (sensor(src) || sensor(dst)) {
    return 0;
  }
  const fromFargate = s.fargateCidrs.some((c) => cidrContains(c, src));
  return (isSidecarPod(src, members) ? 1 : 0) + (isSidecarPod(dst, members) && !fromFargate ? 1 : 0);
}
