/**
 * The rules of the one VPC Traffic Mirroring filter shared by every node ENI's session: pure logic, no Pulumi.
 *
 * The filter is **egress-only**: AWS copies a packet where it leaves a mirrored node ENI, never where it enters one.
 * A packet between two mirrored ENIs is then copied once (at the sender), and what enters a node from a source that
 * is not mirrored (the internet, RDS, load balancers, nodes AWS cannot mirror, branch ENIs, Fargate) is left to the
 * agent on the receiving node, which knows the cluster's members from the Kubernetes API. The egress rules, in order:
 * 1. reject packets to the sensors (the agent's own stream, whatever port the sensor picked for its data);
 * 2. reject TCP and UDP packets whose source port is in the NodePort range: a node that forwards a NodePort reply
 *    sends it a second time with the NodePort as source port, after the backend's node already copied it;
 * 3. reject packets to the excluded CIDRs (e.g. Fargate subnets whose pods run the capture sidecar);
 * 4. accept the rest.
 * The agent applies the same three exclusions to what leaves its mirrored ENIs, so each packet has one place where
 * it is copied. AWS filter semantics (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-filters.html):
 * rules per direction, lowest number first, first match decides, no match = not mirrored, so no inbound rule = no
 * inbound traffic mirrored. The design and its residuals are in `docs/mirroring.md`; the proof is `tests/mirror/` and
 * the kernel simulation (`tests/agent/simulation*.test.ts`).
 */
import { DEFAULT_NODEPORT_RANGE, FILTER_RULE_QUOTA, type IntRange } from "../contract/mirror";
import { collapseCidrs, intToIp, isIpv4Address, isIpv4Cidr, toRange } from "../contract/cidr";

/**
 * AWS quota "Maximum number of filter rules per filter": 10, not adjustable
 * (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-quotas.html). An egress-only filter has no
 * inbound rules, so whether AWS counts per direction or in total makes no difference any more.
 */
export const MIRROR_FILTER_RULE_QUOTA = FILTER_RULE_QUOTA;

/** IANA protocol numbers the rules use. */
const TCP = 6;
const UDP = 17;

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

/** Inputs of {@link planMirrorFilter}. All addresses are IPv4 (Traffic Mirroring here is IPv4-only). */
export interface MirrorFilterInputs {
  /**
   * The VPC's IPv4 CIDRs, primary first. Required, 1 or more. They give the Amazon DNS addresses (the primary CIDR's
   * base + 2, and 169.254.169.253) that the `amazon-dns` network service mirrors in both directions.
   */
  vpcCidrs: string[];
  /** ExtraHop sensor addresses (1-10): packets sent to these are never mirrored. */
  sensorIps: string[];
  /**
   * The sensor's RPCAP port (1-65535). The agent's control connection goes there, but its data connection goes to a
   * port the sensor chooses, TCP or UDP, so the rules exclude every port of the sensor addresses, not just this one.
   */
  sensorPort: number;
  /**
   * The cluster's NodePort range (kube-apiserver `--service-node-port-range`; fixed at 30000-32767 on EKS). TCP and
   * UDP packets with a source port inside are not mirrored; the agent copies those it must. Default 30000-32767.
   */
  nodePortRange?: IntRange;
  /**
   * Destinations never mirrored (the agent's `MIRROR_EXCLUDED_CIDRS`), e.g. subnets used only by Fargate pods that run
   * the capture sidecar, which reports what its pod receives. Each collapsed block costs one rule. Default none.
   */
  excludedCidrs?: string[];
  /**
   * Adds the `amazon-dns` network service so DNS with the VPC resolver is mirrored (AWS never mirrors it otherwise).
   * With the service, AWS copies that DNS traffic in both directions whatever the rules say. Default true.
   */
  mirrorAmazonDns?: boolean;
  /** Rule budget. Default {@link MIRROR_FILTER_RULE_QUOTA} (10); may only be lowered. */
  ruleQuota?: number;
  /**
   * @deprecated Ignored. With an egress-only filter no CIDR declaration is needed to avoid double copies: every
   * packet is copied once where it leaves a mirrored ENI, wherever its ends live. A non-empty value adds a warning to
   * the plan. Remove it from the configuration.
   */
  mirroredOnlyCidrs?: string[];
}

/** The computed filter: what the Pulumi component creates. */
export interface MirrorFilterPlan {
  /** Rules, all egress, by ascending rule number. */
  rules: MirrorFilterRuleSpec[];
  /** Value for `aws.ec2.TrafficMirrorFilter` `networkServices`. */
  networkServices: MirrorNetworkService[];
  /** The sensor addresses as the exact covering CIDR blocks used in the rules (`/32`s merged only when adjacent). */
  sensorBlocks: string[];
  /** `excludedCidrs` collapsed to the blocks used in the rules. */
  excludedBlocks: string[];
  /** The NodePort range whose source ports are not mirrored. */
  nodePortRange: IntRange;
  /** Amazon DNS addresses the network service covers (empty when the service is off). */
  amazonDnsAddresses: string[];
  /** How double copies are avoided: only egress is mirrored. */
  dedup: "egress-only";
  /** Rules used / budget, e.g. `4/10`. */
  budget: string;
  /** Messages for the person deploying (deprecated inputs); empty when there is nothing to say. */
  warnings: string[];
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
/** The link-local address of the Amazon DNS server, valid in every VPC. */
const LINK_LOCAL_AMAZON_DNS = "169.254.169.253";

function checkCidrs(name: string, values: unknown, required: boolean): string[] {
  if (values === undefined && !required) {
    return [];
  }
  if (!Array.isArray(values) || (required && values.length === 0)) {
    throw new MirrorFilterInputError(
      name,
      `${JSON.stringify(values)} is not allowed: expected a ${required ? "non-empty " : ""}list of IPv4 CIDRs`,
    );
  }
  values.forEach((v, i) => {
    if (typeof v !== "string" || !isIpv4Cidr(v)) {
      throw new MirrorFilterInputError(
        `${name}[${i}]`,
        `${JSON.stringify(v)} is not an IPv4 CIDR (expected network/prefix with host bits zero, e.g. 10.0.64.0/20)`,
      );
    }
  });
  return values as string[];
}

/** The Amazon DNS server of a VPC: the primary CIDR's base address plus two. */
export function amazonDnsAddress(primaryVpcCidr: string): string {
  return intToIp(toRange(primaryVpcCidr).first + 2);
}

interface ValidInputs {
  vpc: string[];
  sensorIps: string[];
  sensorPort: number;
  nodePortRange: IntRange;
  excluded: string[];
  mirrorAmazonDns: boolean;
  quota: number;
  mirroredOnly: string[];
}

function checkPortRange(value: unknown): IntRange {
  if (value === undefined) {
    return DEFAULT_NODEPORT_RANGE;
  }
  const r = value as Partial<IntRange>;
  const port = (p: unknown): p is number =>
    Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
  if (typeof value !== "object" || value === null || !port(r.min) || !port(r.max) || r.min > r.max) {
    throw new MirrorFilterInputError(
      "nodePortRange",
      `${JSON.stringify(value)} is not allowed: expected {min, max} with 1 <= min <= max <= 65535 (EKS: 30000-32767)`,
    );
  }
  return { min: r.min, max: r.max };
}

function validate(inputs: MirrorFilterInputs): ValidInputs {
  const vpc = checkCidrs("vpcCidrs", inputs.vpcCidrs, true);
  const excluded = checkCidrs("excludedCidrs", inputs.excludedCidrs, false);
  const mirroredOnly = checkCidrs("mirroredOnlyCidrs", inputs.mirroredOnlyCidrs, false);

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
  const quota = inputs.ruleQuota ?? MIRROR_FILTER_RULE_QUOTA;
  if (!Number.isInteger(quota) || quota < 4 || quota > MIRROR_FILTER_RULE_QUOTA) {
    throw new MirrorFilterInputError(
      "ruleQuota",
      `${JSON.stringify(quota)} is not allowed: an integer 4-${MIRROR_FILTER_RULE_QUOTA} (AWS allows ${MIRROR_FILTER_RULE_QUOTA} rules per filter; the smallest filter has 4)`,
    );
  }
  return {
    vpc,
    sensorIps,
    sensorPort: port,
    nodePortRange: checkPortRange(inputs.nodePortRange),
    excluded,
    mirrorAmazonDns: inputs.mirrorAmazonDns ?? true,
    quota,
    mirroredOnly,
  };
}

/**
 * Rules needed for `sensorBlocks` sensor blocks and `excludedBlocks` excluded blocks: one reject per block, two
 * NodePort rejects (TCP, UDP) and the accept-all.
 */
export function rulesNeeded(sensorBlocks: number, excludedBlocks: number): number {
  return sensorBlocks + 2 + excludedBlocks + 1;
}

/**
 * Computes the filter rules and network services. Egress only, in this order (rule numbers step by 100 so a person
 * can insert a rule by hand): reject to each sensor block; reject TCP, then UDP, with a source port in the NodePort
 * range; reject to each excluded block; accept all. No inbound rules: nothing received is mirrored (except Amazon DNS
 * through the network service).
 *
 * @throws MirrorFilterInputError naming the input when a value is malformed or the rules do not fit the quota.
 */
export function planMirrorFilter(inputs: MirrorFilterInputs): MirrorFilterPlan {
  const v = validate(inputs);
  const sensorBlocks = collapseCidrs(v.sensorIps.map((ip) => `${ip}/32`));
  const excludedBlocks = collapseCidrs(v.excluded);
  const needed = rulesNeeded(sensorBlocks.length, excludedBlocks.length);
  if (needed > v.quota) {
    const input = rulesNeeded(sensorBlocks.length, 0) > v.quota ? "sensorIps" : "excludedCidrs";
    const value = input === "sensorIps" ? v.sensorIps.join(", ") : v.excluded.join(", ");
    throw new MirrorFilterInputError(
      input,
      `${value} needs ${needed} filter rules, over the budget of ${v.quota} (AWS: ${MIRROR_FILTER_RULE_QUOTA} rules per filter). ` +
        `Each sensor block costs 1 rule (${sensorBlocks.length} block(s): ${sensorBlocks.join(", ")}; addresses merge into one ` +
        `block only when adjacent and aligned, so nothing else is excluded), each excluded block 1 (${excludedBlocks.length} ` +
        `block(s): ${excludedBlocks.join(", ") || "none"}), plus 2 NodePort rules and the accept-all. ` +
        `Allowed: sensor blocks + excluded blocks + 3 <= ${v.quota}. Use fewer or adjacent sensor addresses, or fewer/wider excluded CIDRs.`,
    );
  }

  const range = { fromPort: v.nodePortRange.min, toPort: v.nodePortRange.max };
  const span = `${range.fromPort}-${range.toPort}`;
  const rules: Omit<MirrorFilterRuleSpec, "ruleNumber" | "trafficDirection">[] = [
    ...sensorBlocks.map((s) => ({
      ruleAction: "reject" as const,
      sourceCidrBlock: ANY,
      destinationCidrBlock: s,
      description: `never mirror what is sent to sensor ${s}: the agent stream (TCP ${v.sensorPort} control + sensor-chosen data port) and all other traffic`,
    })),
    ...[TCP, UDP].map((protocol) => ({
      ruleAction: "reject" as const,
      protocol,
      sourceCidrBlock: ANY,
      destinationCidrBlock: ANY,
      sourcePortRange: range,
      description: `${protocol === TCP ? "TCP" : "UDP"} from a NodePort (${span}): a forwarded NodePort reply was copied where the backend sent it; the agent copies the others`,
    })),
    ...excludedBlocks.map((e) => ({
      ruleAction: "reject" as const,
      sourceCidrBlock: ANY,
      destinationCidrBlock: e,
      description: `never mirror what is sent to ${e} (excluded: its receivers report it, or the agent does)`,
    })),
    {
      ruleAction: "accept",
      sourceCidrBlock: ANY,
      destinationCidrBlock: ANY,
      description: "mirror everything else a node ENI sends (nothing received is mirrored)",
    },
  ];

  const warnings: string[] = [];
  if (v.mirroredOnly.length > 0) {
    warnings.push(
      `mirroredOnlyCidrs (${v.mirroredOnly.join(", ")}) is deprecated and ignored: the filter mirrors each packet once, ` +
        "where it leaves a mirrored node ENI, and the agent covers what enters from elsewhere, so no CIDR needs declaring. " +
        "Remove it from the configuration.",
    );
  }
  return {
    rules: rules.map((r, i) => ({ ruleNumber: (i + 1) * RULE_STEP, trafficDirection: "egress", ...r })),
    networkServices: v.mirrorAmazonDns ? ["amazon-dns"] : [],
    sensorBlocks,
    excludedBlocks,
    nodePortRange: v.nodePortRange,
    amazonDnsAddresses: v.mirrorAmazonDns ? [amazonDnsAddress(v.vpc[0]), LINK_LOCAL_AMAZON_DNS] : [],
    dedup: "egress-only",
    budget: `${rules.length}/${v.quota}`,
    warnings,
  };
}
