/**
 * The rules of the one VPC Traffic Mirroring filter shared by every node ENI's session: pure logic, no Pulumi.
 *
 * What the rules must achieve (issue 2, section 3): the agent's own stream to the sensors is never mirrored, and a
 * packet that crosses two mirrored ENIs (egress at one, ingress at the other) reaches the sensor once, not twice.
 * AWS filter rules see only protocol, CIDRs and ports, per direction, first match wins, no match = not mirrored
 * (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-filters.html). The design and its residuals
 * are in `docs/mirroring.md`; the proof is `tests/mirror/`.
 */
import {
  cidrContains,
  cidrsOverlap,
  collapseCidrs,
  intToIp,
  isIpv4Address,
  isIpv4Cidr,
  toRange,
} from "../contract/cidr";

/**
 * AWS quota "Maximum number of filter rules per filter": 10, not adjustable
 * (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-quotas.html). The table does not say "per
 * direction" (unlike the network ACL quota, which AWS calls one-way), so rules of both directions are counted together.
 */
export const MIRROR_FILTER_RULE_QUOTA = 10;

/** Direction of a rule: `ingress` = packets the source ENI receives, `egress` = packets it sends. */
export type TrafficDirection = "ingress" | "egress";

/** Inclusive port range of a rule; AWS applies it to TCP and UDP only. */
export interface MirrorPortRange {
  /** First port (0-65535). */
  fromPort: number;
  /** Last port (0-65535, >= fromPort). */
  toPort: number;
}

/** One rule, shaped like the args of `aws.ec2.TrafficMirrorFilterRule` minus `trafficMirrorFilterId`. */
export interface MirrorFilterRuleSpec {
  /** Evaluation order within the direction, ascending; unique per direction. */
  ruleNumber: number;
  /** Which traffic of the source ENI the rule applies to. */
  trafficDirection: TrafficDirection;
  /** `accept` = mirror the packet, `reject` = do not. */
  ruleAction: "accept" | "reject";
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP); absent = every protocol. */
  protocol?: number;
  /** Source CIDR the packet's source address must lie in. */
  sourceCidrBlock: string;
  /** Destination CIDR the packet's destination address must lie in. */
  destinationCidrBlock: string;
  /** Source port range (TCP/UDP only); absent = any port. */
  sourcePortRange?: MirrorPortRange;
  /** Destination port range (TCP/UDP only); absent = any port. */
  destinationPortRange?: MirrorPortRange;
  /** Human-readable reason, shown in the console next to the rule. */
  description: string;
}

/** Network services a filter can add (`aws.ec2.TrafficMirrorFilter` `networkServices`); AWS offers only Amazon DNS. */
export type MirrorNetworkService = "amazon-dns";

/**
 * How a packet that crosses two mirrored ENIs is reduced to one copy.
 * - `mirrored-end` (default): a packet with an end inside `mirroredOnlyCidrs` is copied at that end only: at the
 *   sender's egress when the source is inside (whether or not anything receives it), otherwise at the receiver's
 *   ingress when the destination is inside. Exactly once for every such packet, whatever the other end is; the one
 *   exception is a packet from a mirrored node in a shared subnet to a mirrored-only address nobody holds (0 copies),
 *   besides legs re-sent by a middlebox that keeps a mirrored-only address (NLB client IP preservation; 0 copies).
 *   Costs 3 rules per mirrored-only block.
 * - `sender`: copy everything on egress; on ingress skip sources inside `mirroredOnlyCidrs` (their sender already
 *   copied it). Exactly once between mirrored-only addresses, but node→pod packets from shared subnets twice.
 *   Costs 1 rule per block; offered for when the budget does not fit `mirrored-end`.
 * - `none`: only the sensor exclusion; every packet between two mirrored ENIs is copied twice. A baseline.
 */
export type DedupStrategy = "mirrored-end" | "sender" | "none";

/** Inputs of {@link planMirrorFilter}. All addresses are IPv4 (Traffic Mirroring here is IPv4-only). */
export interface MirrorFilterInputs {
  /**
   * CIDRs in which every address that sends or receives is on an ENI that has a mirror session with this filter:
   * typically custom-networking pod subnets (e.g. `100.64.0.0/16`) or node subnets dedicated to the cluster. Packets
   * are deduplicated by these. Declaring a CIDR that also holds unmirrored hosts (RDS, load balancer or VPC endpoint
   * ENIs, EKS control-plane ENIs, nodes of unsupported instance types) loses their packets: see
   * {@link findMirroredOnlyViolations}. Must lie inside `vpcCidrs` and not overlap `sharedCidrs`. Default: none.
   */
  mirroredOnlyCidrs?: string[];
  /**
   * Node and pod subnets that also hold unmirrored hosts (the Amazon VPC CNI default: pods, nodes, endpoints and
   * databases share subnets). Not used by the rules (a shared CIDR gets no dedup rule); validated and reported so
   * the plan can say where duplicates remain. Must not overlap `mirroredOnlyCidrs`. Default: none.
   */
  sharedCidrs?: string[];
  /**
   * The VPC's IPv4 CIDRs, primary first (the Amazon DNS server is the primary CIDR's base + 2). Required, 1 or more.
   */
  vpcCidrs: string[];
  /** ExtraHop sensor addresses (1-10): all traffic between a node and these is never mirrored, either direction. */
  sensorIps: string[];
  /**
   * The sensor's RPCAP port (1-65535). The agent's control connection goes there, but its data connection goes to a
   * port the sensor chooses, TCP or UDP, so the rules exclude every port of the sensor addresses, not just this one.
   */
  sensorPort: number;
  /**
   * Adds the `amazon-dns` network service so DNS with the VPC resolver is mirrored (AWS never mirrors it otherwise).
   * Default true: the resolver is not a mirrored ENI, so each DNS packet is copied once, at the node.
   */
  mirrorAmazonDns?: boolean;
  /** Dedup strategy; see {@link DedupStrategy}. Default `mirrored-end`. */
  dedup?: DedupStrategy;
  /** Rule budget counted over both directions. Default {@link MIRROR_FILTER_RULE_QUOTA} (10); may only be lowered. */
  ruleQuota?: number;
}

/** The computed filter: what the Pulumi component creates. */
export interface MirrorFilterPlan {
  /** Rules, egress first then ingress, each direction by ascending rule number. */
  rules: MirrorFilterRuleSpec[];
  /** Value for `aws.ec2.TrafficMirrorFilter` `networkServices`. */
  networkServices: MirrorNetworkService[];
  /** The sensor addresses as the exact covering CIDR blocks used in the rules (`/32`s merged only when adjacent). */
  sensorBlocks: string[];
  /** `mirroredOnlyCidrs` collapsed to the blocks used in the rules. */
  mirroredOnlyBlocks: string[];
  /** The strategy used. */
  dedup: DedupStrategy;
  /** Rules used / budget, e.g. `7/10`. */
  budget: string;
}

/** Bad filter input: names the input, the value and what is allowed. */
export class MirrorFilterInputError extends Error {
  /** The input at fault, e.g. `sensorIps[2]`. */
  readonly input: string;
  constructor(input: string, message: string) {
    super(`${input}: ${message}`);
    this.name = "MirrorFilterInputError";
    this.input = input;
  }
}

const ANY = "0.0.0.0/0";
const RULE_STEP = 100;

function checkCidrs(name: string, values: unknown, required: boolean): string[] {
  if (values === undefined && !required) {
    return [];
  }
  if (!Array.isArray(values) || (required && values.length === 0)) {
    throw new MirrorFilterInputError(
      name,
      `${JSON.stringify(values)} is not allowed: expected a non-empty list of IPv4 CIDRs`,
    );
  }
  values.forEach((v, i) => {
    if (typeof v !== "string" || !isIpv4Cidr(v)) {
      throw new MirrorFilterInputError(
        `${name}[${i}]`,
        `${JSON.stringify(v)} is not an IPv4 CIDR (expected network/prefix with host bits zero, e.g. 100.64.0.0/16)`,
      );
    }
  });
  return values as string[];
}

function coveredBy(cidr: string, cover: string[]): boolean {
  // A CIDR lies inside a union when subtracting the union leaves nothing: collapse(cover + cidr) == collapse(cover).
  const before = collapseCidrs(cover);
  const after = collapseCidrs([...cover, cidr]);
  return before.length === after.length && before.every((c, i) => c === after[i]);
}

/** The Amazon DNS server of a VPC: the primary CIDR's base address plus two. */
export function amazonDnsAddress(primaryVpcCidr: string): string {
  return intToIp(toRange(primaryVpcCidr).first + 2);
}

interface ValidInputs {
  mirroredOnly: string[];
  shared: string[];
  vpc: string[];
  sensorIps: string[];
  sensorPort: number;
  mirrorAmazonDns: boolean;
  dedup: DedupStrategy;
  quota: number;
}

function validate(inputs: MirrorFilterInputs): ValidInputs {
  const vpc = checkCidrs("vpcCidrs", inputs.vpcCidrs, true);
  const mirroredOnly = checkCidrs("mirroredOnlyCidrs", inputs.mirroredOnlyCidrs, false);
  const shared = checkCidrs("sharedCidrs", inputs.sharedCidrs, false);

  const sensorIps = inputs.sensorIps;
  if (!Array.isArray(sensorIps) || sensorIps.length < 1 || sensorIps.length > 10) {
    throw new MirrorFilterInputError(
      "sensorIps",
      `${JSON.stringify(sensorIps)} is not allowed: list 1 to 10 sensor IPv4 addresses`,
    );
  }
  sensorIps.forEach((ip, i) => {
    if (typeof ip !== "string" || !isIpv4Address(ip)) {
      throw new MirrorFilterInputError(
        `sensorIps[${i}]`,
        `${JSON.stringify(ip)} is not an IPv4 address (e.g. 10.0.128.10)`,
      );
    }
  });
  const port = inputs.sensorPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MirrorFilterInputError(
      "sensorPort",
      `${JSON.stringify(port)} is not allowed: an integer 1-65535`,
    );
  }
  const dedup = inputs.dedup ?? "mirrored-end";
  if (!["mirrored-end", "sender", "none"].includes(dedup)) {
    throw new MirrorFilterInputError(
      "dedup",
      `${JSON.stringify(dedup)} is not allowed: mirrored-end, sender or none`,
    );
  }
  const quota = inputs.ruleQuota ?? MIRROR_FILTER_RULE_QUOTA;
  if (!Number.isInteger(quota) || quota < 2 || quota > MIRROR_FILTER_RULE_QUOTA) {
    throw new MirrorFilterInputError(
      "ruleQuota",
      `${JSON.stringify(quota)} is not allowed: an integer 2-${MIRROR_FILTER_RULE_QUOTA} (AWS allows ${MIRROR_FILTER_RULE_QUOTA} rules per filter)`,
    );
  }

  mirroredOnly.forEach((c, i) => {
    if (!coveredBy(c, vpc)) {
      throw new MirrorFilterInputError(
        `mirroredOnlyCidrs[${i}]`,
        `${c} is not inside the VPC (${vpc.join(", ")}): only VPC addresses can be on mirrored ENIs`,
      );
    }
    shared.forEach((s, j) => {
      if (cidrsOverlap(c, s)) {
        throw new MirrorFilterInputError(
          `mirroredOnlyCidrs[${i}]`,
          `${c} overlaps sharedCidrs[${j}] ${s}: a range either holds only mirrored ENIs or is shared, not both`,
        );
      }
    });
  });

  return {
    mirroredOnly,
    shared,
    vpc,
    sensorIps,
    sensorPort: port,
    mirrorAmazonDns: inputs.mirrorAmazonDns ?? true,
    dedup,
    quota,
  };
}

/** Rules needed for `sensorBlocks` and `mirroredOnlyBlocks` sensor/dedup blocks under a strategy. */
export function rulesNeeded(dedup: DedupStrategy, sensorBlocks: number, mirroredOnlyBlocks: number): number {
  const perBlock = dedup === "mirrored-end" ? 3 : dedup === "sender" ? 1 : 0;
  return 2 * sensorBlocks + perBlock * mirroredOnlyBlocks + 2;
}

/**
 * Computes the filter rules and network services.
 *
 * Rules (k sensor blocks S, m mirrored-only blocks M), `mirrored-end`:
 * - egress: reject dst S (k); accept src M (m); reject dst M (m); accept all.
 * - ingress: reject src S (k); reject src M (m); accept all.
 * Total 2k + 3m + 2 (`sender`: egress reject S, accept all; ingress reject S, reject src M, accept all = 2k + m + 2).
 *
 * @throws MirrorFilterInputError naming the input when a value is malformed, contradictory, or the rules do not fit
 *   the quota.
 */
export function planMirrorFilter(inputs: MirrorFilterInputs): MirrorFilterPlan {
  const v = validate(inputs);
  const sensorBlocks = collapseCidrs(v.sensorIps.map((ip) => `${ip}/32`));
  const mirroredOnlyBlocks = v.dedup === "none" ? [] : collapseCidrs(v.mirroredOnly);
  const needed = rulesNeeded(v.dedup, sensorBlocks.length, mirroredOnlyBlocks.length);
  if (needed > v.quota) {
    const sensorCost = 2 * sensorBlocks.length;
    const perBlock = v.dedup === "mirrored-end" ? 3 : 1;
    const input = sensorCost + 2 > v.quota ? "sensorIps" : "mirroredOnlyCidrs";
    const value = input === "sensorIps" ? v.sensorIps.join(", ") : v.mirroredOnly.join(", ");
    throw new MirrorFilterInputError(
      input,
      `${value} needs ${needed} filter rules, over the budget of ${v.quota} (AWS: ${MIRROR_FILTER_RULE_QUOTA} rules per filter, ` +
        `both directions). Sensors cost 2 rules per block (${sensorBlocks.length} block(s): ${sensorBlocks.join(", ")}; ` +
        `addresses merge into one block only when adjacent and aligned, so nothing else is excluded), each mirrored-only ` +
        `block costs ${perBlock} with dedup "${v.dedup}" (${mirroredOnlyBlocks.length} block(s): ${mirroredOnlyBlocks.join(", ") || "none"}), ` +
        `plus 2 catch-all rules. Allowed: 2 x sensor blocks + ${perBlock} x mirrored-only blocks + 2 <= ${v.quota}. ` +
        `Use fewer or adjacent sensor addresses, declare fewer/wider mirrored-only CIDRs, or dedup "sender" (1 rule per block).`,
    );
  }

  const egress: Omit<MirrorFilterRuleSpec, "ruleNumber" | "trafficDirection">[] = [];
  const ingress: Omit<MirrorFilterRuleSpec, "ruleNumber" | "trafficDirection">[] = [];
  const streamNote = `agent stream (TCP ${v.sensorPort} control + sensor-chosen data port) and all other sensor traffic`;
  for (const s of sensorBlocks) {
    egress.push({
      ruleAction: "reject",
      sourceCidrBlock: ANY,
      destinationCidrBlock: s,
      description: `never mirror ${streamNote} to ${s}`,
    });
    ingress.push({
      ruleAction: "reject",
      sourceCidrBlock: s,
      destinationCidrBlock: ANY,
      description: `never mirror ${streamNote} from ${s}`,
    });
  }
  if (v.dedup === "mirrored-end") {
    for (const m of mirroredOnlyBlocks) {
      egress.push({
        ruleAction: "accept",
        sourceCidrBlock: m,
        destinationCidrBlock: ANY,
        description: `dedup: from ${m} (all ENIs mirrored) is copied here, at the sender`,
      });
    }
    for (const m of mirroredOnlyBlocks) {
      egress.push({
        ruleAction: "reject",
        sourceCidrBlock: ANY,
        destinationCidrBlock: m,
        description: `dedup: to ${m} (all ENIs mirrored) from elsewhere is copied at the receiver`,
      });
    }
  }
  if (v.dedup !== "none") {
    for (const m of mirroredOnlyBlocks) {
      ingress.push({
        ruleAction: "reject",
        sourceCidrBlock: m,
        destinationCidrBlock: ANY,
        description: `dedup: from ${m} (all ENIs mirrored) was copied at the sender`,
      });
    }
  }
  egress.push({
    ruleAction: "accept",
    sourceCidrBlock: ANY,
    destinationCidrBlock: ANY,
    description: "mirror everything else sent",
  });
  ingress.push({
    ruleAction: "accept",
    sourceCidrBlock: ANY,
    destinationCidrBlock: ANY,
    description: "mirror everything else received",
  });

  const numbered = (list: typeof egress, trafficDirection: TrafficDirection): MirrorFilterRuleSpec[] =>
    list.map((r, i) => ({ ruleNumber: (i + 1) * RULE_STEP, trafficDirection, ...r }));
  const rules = [...numbered(egress, "egress"), ...numbered(ingress, "ingress")];
  return {
    rules,
    networkServices: v.mirrorAmazonDns ? ["amazon-dns"] : [],
    sensorBlocks,
    mirroredOnlyBlocks,
    dedup: v.dedup,
    budget: `${rules.length}/${v.quota}`,
  };
}

/** An address found on an ENI without a mirror session, inside a CIDR declared mirrored-only. */
export interface MirroredOnlyViolation {
  /** The declared CIDR. */
  cidr: string;
  /** The address inside it. */
  address: string;
  /** Who holds it (ENI id, instance id, "RDS ...", as the caller describes it). */
  holder: string;
}

/**
 * Cross-checks the mirrored-only declaration against what is known to hold addresses (e.g. DescribeNetworkInterfaces
 * of the VPC): every address inside a mirrored-only CIDR must be on a mirrored ENI, or its packets are lost (see
 * docs/mirroring.md). The component can warn or fail with the result.
 * @param mirroredOnlyCidrs the declared CIDRs
 * @param holders every known address holder with whether its ENI has a session with this filter
 */
export function findMirroredOnlyViolations(
  mirroredOnlyCidrs: string[],
  holders: { holder: string; addresses: string[]; mirrored: boolean }[],
): MirroredOnlyViolation[] {
  return holders
    .filter((h) => !h.mirrored)
    .flatMap((h) =>
      h.addresses.flatMap((address) =>
        mirroredOnlyCidrs
          .filter((cidr) => cidrContains(cidr, address))
          .map((cidr) => ({ cidr, address, holder: h.holder })),
      ),
    );
}
