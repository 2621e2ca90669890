/**
 * Evaluates Traffic Mirroring filter rules the way AWS documents it, for one packet observed at one source ENI in one
 * direction:
 * - only the rules of that direction apply; "if you don't add outbound rules, then no outbound traffic is mirrored";
 * - rules are evaluated "from the lowest value to the highest value. The first rule that matches the traffic
 *   determines whether the traffic is mirrored. If you don't add any rules, then no traffic is mirrored"
 *   (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-filters.html);
 * - a rule matches on protocol (absent = all), source/destination CIDR, and source/destination port ranges, which
 *   "apply to the TCP and UDP protocols" (CreateTrafficMirrorFilterRule API reference);
 * - ARP, DHCP, instance metadata, NTP and Windows activation are never mirrored
 *   (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-network-limitations.html); Amazon DNS is not
 *   eligible unless the filter has the `amazon-dns` network service, and then "all traffic (inbound and outbound)
 *   related to that network service is mirrored" (traffic-mirroring-filters.html, ModifyTrafficMirrorFilterNetworkServices).
 */
import { cidrContains, isIpv4Address, isIpv4Cidr } from "../../components/contract/cidr";
import {
  MIRROR_FILTER_RULE_QUOTA,
  MirrorFilterRuleSpec,
  MirrorNetworkService,
  TrafficDirection,
} from "../../components/mirror/filterRules";

/** IANA protocol numbers used here. */
export const PROTO = { ICMP: 1, TCP: 6, UDP: 17 } as const;

/** An IPv4 packet as seen at an ENI. */
export interface MirrorPacket {
  /** IANA protocol number. */
  protocol: number;
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** TCP/UDP source port; absent for other protocols and for non-first fragments. */
  srcPort?: number;
  /** TCP/UDP destination port; absent for other protocols and for non-first fragments. */
  dstPort?: number;
}

/** A filter: its rules and network services. */
export interface MirrorFilter {
  /** The rules, any order. */
  rules: MirrorFilterRuleSpec[];
  /** Network services of the filter. */
  networkServices: MirrorNetworkService[];
}

/** Where the evaluation happens (which VPC: its Amazon DNS addresses). */
export interface EvaluationContext {
  /** Amazon DNS server addresses (VPC base + 2; 169.254.169.253). Default just the link-local one. */
  amazonDnsIps?: string[];
}

/** Why a packet was or was not mirrored. */
export type MirrorDecision =
  | { mirrored: boolean; reason: "rule"; rule: MirrorFilterRuleSpec }
  | { mirrored: false; reason: "no-match" }
  | { mirrored: false; reason: "never-mirrored"; service: string }
  | { mirrored: boolean; reason: "network-service"; service: MirrorNetworkService };

/** A rule set AWS would refuse, or that breaks the quota. */
export class InvalidMirrorRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidMirrorRuleError";
  }
}

const IMDS = "169.254.169.254";
const LINK_LOCAL_DNS = "169.254.169.253";

function validPort(p: number): boolean {
  return Number.isInteger(p) && p >= 0 && p <= 65535;
}

/**
 * Checks a rule list the way the EC2 API would before accepting it: rule numbers unique per direction and in range,
 * CIDRs and ports well formed, port ranges only with TCP/UDP, at most `quota` rules in all.
 * @throws InvalidMirrorRuleError naming the rule
 */
export function validateMirrorRules(rules: MirrorFilterRuleSpec[], quota = MIRROR_FILTER_RULE_QUOTA): void {
  if (rules.length > quota) {
    throw new InvalidMirrorRuleError(`${rules.length} rules exceed the quota of ${quota} rules per filter`);
  }
  const seen = new Set<string>();
  for (const r of rules) {
    const name = `${r.trafficDirection} rule ${r.ruleNumber}`;
    if (r.trafficDirection !== "ingress" && r.trafficDirection !== "egress") {
      throw new InvalidMirrorRuleError(`${name}: trafficDirection must be ingress or egress`);
    }
    if (r.ruleAction !== "accept" && r.ruleAction !== "reject") {
      throw new InvalidMirrorRuleError(`${name}: ruleAction must be accept or reject`);
    }
    if (!Number.isInteger(r.ruleNumber) || r.ruleNumber < 1 || r.ruleNumber > 32766) {
      throw new InvalidMirrorRuleError(`${name}: ruleNumber must be an integer 1-32766`);
    }
    const key = `${r.trafficDirection}/${r.ruleNumber}`;
    if (seen.has(key)) {
      throw new InvalidMirrorRuleError(`${name}: rule numbers must be unique per direction`);
    }
    seen.add(key);
    for (const [field, cidr] of [
      ["sourceCidrBlock", r.sourceCidrBlock],
      ["destinationCidrBlock", r.destinationCidrBlock],
    ] as const) {
      if (!isIpv4Cidr(cidr)) {
        throw new InvalidMirrorRuleError(`${name}: ${field} ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
      }
    }
    if (r.protocol !== undefined && !(Number.isInteger(r.protocol) && r.protocol >= 0 && r.protocol <= 255)) {
      throw new InvalidMirrorRuleError(`${name}: protocol must be an IANA protocol number 0-255`);
    }
    for (const [field, range] of [
      ["sourcePortRange", r.sourcePortRange],
      ["destinationPortRange", r.destinationPortRange],
    ] as const) {
      if (range === undefined) {
        continue;
      }
      if (r.protocol !== PROTO.TCP && r.protocol !== PROTO.UDP) {
        throw new InvalidMirrorRuleError(
          `${name}: ${field} is supported only with protocol TCP (6) or UDP (17)`,
        );
      }
      if (!validPort(range.fromPort) || !validPort(range.toPort) || range.fromPort > range.toPort) {
        throw new InvalidMirrorRuleError(`${name}: ${field} must be fromPort <= toPort within 0-65535`);
      }
    }
  }
}

function inRange(port: number | undefined, range: { fromPort: number; toPort: number } | undefined): boolean {
  if (range === undefined) {
    return true;
  }
  return port !== undefined && range.fromPort <= port && port <= range.toPort;
}

/** True when the rule's match conditions (not its direction) hold for the packet. */
export function ruleMatches(rule: MirrorFilterRuleSpec, p: MirrorPacket): boolean {
  if (rule.protocol !== undefined && rule.protocol !== p.protocol) {
    return false;
  }
  if (!cidrContains(rule.sourceCidrBlock, p.src) || !cidrContains(rule.destinationCidrBlock, p.dst)) {
    return false;
  }
  const ported = p.protocol === PROTO.TCP || p.protocol === PROTO.UDP;
  if ((rule.sourcePortRange || rule.destinationPortRange) && !ported) {
    return false;
  }
  return inRange(p.srcPort, rule.sourcePortRange) && inRange(p.dstPort, rule.destinationPortRange);
}

/** The traffic AWS never mirrors that the packet belongs to, if any (ARP/Windows activation are not IPv4 flows here). */
export function neverMirroredService(p: MirrorPacket): string | undefined {
  const ends = [p.src, p.dst];
  const ports = [p.srcPort, p.dstPort];
  if (ends.includes(IMDS)) {
    return "instance metadata";
  }
  if (p.protocol === PROTO.UDP && (ports.includes(67) || ports.includes(68))) {
    return "DHCP";
  }
  if (p.protocol === PROTO.UDP && ports.includes(123)) {
    return "NTP";
  }
  return undefined;
}

function isAmazonDns(p: MirrorPacket, ctx: EvaluationContext): boolean {
  const servers = ctx.amazonDnsIps ?? [LINK_LOCAL_DNS];
  const proto = p.protocol === PROTO.UDP || p.protocol === PROTO.TCP;
  return (
    proto && ((servers.includes(p.dst) && p.dstPort === 53) || (servers.includes(p.src) && p.srcPort === 53))
  );
}

/**
 * Decides whether AWS mirrors `packet` observed at a source ENI in `direction` under `filter`.
 * The rule list is validated first (an invalid list would be refused by AWS, so evaluating it would prove nothing).
 */
export function evaluateMirror(
  filter: MirrorFilter,
  packet: MirrorPacket,
  direction: TrafficDirection,
  ctx: EvaluationContext = {},
): MirrorDecision {
  validateMirrorRules(filter.rules);
  if (!isIpv4Address(packet.src) || !isIpv4Address(packet.dst)) {
    throw new InvalidMirrorRuleError(`packet ${packet.src} -> ${packet.dst}: addresses must be IPv4`);
  }
  const never = neverMirroredService(packet);
  if (never) {
    return { mirrored: false, reason: "never-mirrored", service: never };
  }
  if (isAmazonDns(packet, ctx)) {
    return filter.networkServices.includes("amazon-dns")
      ? { mirrored: true, reason: "network-service", service: "amazon-dns" }
      : { mirrored: false, reason: "never-mirrored", service: "Amazon DNS (amazon-dns network service off)" };
  }
  const ordered = filter.rules
    .filter((r) => r.trafficDirection === direction)
    .sort((a, b) => a.ruleNumber - b.ruleNumber);
  const rule = ordered.find((r) => ruleMatches(r, packet));
  if (!rule) {
    return { mirrored: false, reason: "no-match" };
  }
  return { mirrored: rule.ruleAction === "accept", reason: "rule", rule };
}

/** Shorthand: true when AWS mirrors the packet at this ENI and direction. */
export function isMirrored(
  filter: MirrorFilter,
  packet: MirrorPacket,
  direction: TrafficDirection,
  ctx: EvaluationContext = {},
): boolean {
  return evaluateMirror(filter, packet, direction, ctx).mirrored;
}
