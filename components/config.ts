/**
 * The stack configuration: one schema shared by `pulumi up` (stack config), the Automation API and the offline
 * plan, so every entry point accepts and rejects exactly the same values with the same messages.
 */
import { z } from "zod";
import { isIpv4Address, isIpv4Cidr } from "./contract/cidr";

/** Where VPC Traffic Mirroring sends its copies: exactly one kind of target. */
export interface MirrorTargetConfig {
  /** An existing ENI (e.g. of a sensor or a collector). An ENI target accepts 10 source ENIs (100 on the largest sizes). */
  networkInterfaceId?: string;
  /** A Network Load Balancer with a UDP 4789 listener in front of the sensors; no source limit. */
  networkLoadBalancerArn?: string;
  /** A Gateway Load Balancer endpoint; no source limit. */
  gatewayLoadBalancerEndpointId?: string;
}

/** Validated stack configuration with defaults applied. See `Pulumi.yaml` for the documented keys. */
export interface StackConfig {
  /** EKS cluster to look up. Required unless both `podCidrs` and `serviceCidrs` are given. */
  clusterName?: string;
  /** ExtraHop sensor IPv4 addresses (1-10); each receives a full copy of the forwarded traffic. */
  sensorIps: string[];
  /** Port of the sensor's packet-forwarding (RPCAP) rule. Default 2003. */
  sensorPort: number;
  /** Overrides the looked-up pod ranges (env `PODNET`). */
  podCidrs?: string[];
  /** Overrides the looked-up service range (env `SVCNET`). */
  serviceCidrs?: string[];
  /** When set, VPC Traffic Mirroring is configured for the node ENIs; when absent, the agent forwards everything. */
  mirrorTarget?: MirrorTargetConfig;
  /** Path of the vendor's rpcapd installer (`.deb` or the "other Linux" `.tar.gz`). Required unless `agentImage`. */
  rpcapdPackage?: string;
  /** A prebuilt agent image reference (`repo@sha256:...`); skips the ECR repository and the build. */
  agentImage?: string;
  /** Kubernetes namespace of the agent. Default `extrahop`. */
  namespace: string;
  /** Nodes carrying this label key get no agent. Default `extrahop/norpcapd`. */
  excludeNodeLabel: string;
  /** Traffic Mirroring session number (1-32766; the lowest matching session on an ENI wins). Default 10. */
  mirrorSessionNumber: number;
  /** Bytes of each packet to mirror (truncation); absent = whole packet. */
  mirrorPacketLength?: number;
  /** VXLAN network identifier of the mirror sessions; absent = AWS picks one. */
  mirrorVni?: number;
  /**
   * CIDRs in which every address is on a mirrored node ENI (e.g. custom-networking pod subnets): the filter
   * deduplicates packets touching them. Default none: see docs/mirroring.md for what that leaves duplicated.
   */
  mirroredOnlyCidrs?: string[];
  /** Mirror DNS traffic with the VPC resolver (the `amazon-dns` network service). Default true. */
  mirrorAmazonDns: boolean;
  /** Instance types (or families with `*`, e.g. `t2.*`) that cannot be mirrored; replaces the built-in list. */
  mirrorUnsupportedInstanceTypes?: string[];
  /** EventBridge schedule of the full mirror reconcile. Default `rate(5 minutes)`. */
  reconcileSchedule: string;
  /** Platform of the agent image build. Default `linux/amd64`. */
  imagePlatform: "linux/amd64" | "linux/arm64";
  /** Kubeconfig to deploy with; absent = built from the cluster lookup (uses `aws eks get-token`). */
  kubeconfig?: string;
  /** Tags applied to every AWS resource the program creates. */
  tags: Record<string, string>;
}

const ipv4 = z.string().refine(isIpv4Address, (v) => ({
  message: `${JSON.stringify(v)} is not an IPv4 address (expected a dotted quad such as 10.0.12.7)`,
}));
const cidr = z.string().refine(isIpv4Cidr, (v) => ({
  message: `${JSON.stringify(v)} is not an IPv4 CIDR (expected network/prefix such as 10.0.0.0/16, host bits zero)`,
}));
const cidrList = z.array(cidr).min(1, "must list at least one CIDR when set");
const integer = (min: number, max: number) =>
  z
    .number({ invalid_type_error: "must be an integer" })
    .int("must be an integer")
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

const mirrorTargetSchema = z
  .object({
    networkInterfaceId: z
      .string()
      .regex(/^eni-[0-9a-f]{8,17}$/, "must look like eni-0123456789abcdef0")
      .optional(),
    networkLoadBalancerArn: z
      .string()
      .regex(/^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:loadbalancer\/net\//, "must be an NLB ARN")
      .optional(),
    gatewayLoadBalancerEndpointId: z
      .string()
      .regex(/^vpce-[0-9a-f]{8,17}$/, "must look like vpce-0123456789abcdef0")
      .optional(),
  })
  .strict()
  .refine((t) => Object.values(t).filter((v) => v !== undefined).length === 1, {
    message:
      "must set exactly one of networkInterfaceId, networkLoadBalancerArn, gatewayLoadBalancerEndpointId",
  });

/** The zod schema of the stack configuration; exported for the Automation API and tests. */
export const stackConfigSchema = z
  .object({
    clusterName: z
      .string()
      .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, "must be an EKS cluster name (letters, digits, - and _)")
      .optional(),
    sensorIps: z
      .array(ipv4, { required_error: "is required: list the ExtraHop sensor IPv4 address(es)" })
      .min(1, "must list at least one sensor")
      .max(10, "must list at most 10 sensors (rpcapd accepts 10 ActiveClients)")
      .refine((ips) => new Set(ips).size === ips.length, "must not list a sensor twice"),
    sensorPort: integer(1, 65535).default(2003),
    podCidrs: cidrList.optional(),
    serviceCidrs: cidrList.optional(),
    mirrorTarget: mirrorTargetSchema.optional(),
    rpcapdPackage: z
      .string()
      .regex(/\.(deb|tar\.gz|tgz)$/, "must be the vendor's .deb or .tar.gz installer")
      .optional(),
    agentImage: z
      .string()
      .regex(/@sha256:[0-9a-f]{64}$/, "must be an image reference pinned by digest (repo@sha256:...)")
      .optional(),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Kubernetes namespace name (RFC 1123 label)")
      .default("extrahop"),
    excludeNodeLabel: z
      .string()
      .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a label key")
      .default("extrahop/norpcapd"),
    mirrorSessionNumber: integer(1, 32766).default(10),
    mirrorPacketLength: integer(20, 8500).optional(),
    mirrorVni: integer(0, 16777215).optional(),
    mirroredOnlyCidrs: cidrList.optional(),
    mirrorAmazonDns: z.boolean({ invalid_type_error: "must be true or false" }).default(true),
    mirrorUnsupportedInstanceTypes: z
      .array(
        z
          .string()
          .regex(
            /^[a-z0-9*-]+\.[a-z0-9.*-]+$/,
            "must be an instance type or pattern such as t2.*, *.metal* or m7i.metal-24xl",
          ),
      )
      .optional(),
    reconcileSchedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, "must be an EventBridge schedule such as rate(5 minutes)")
      .default("rate(5 minutes)"),
    imagePlatform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
    kubeconfig: z.string().min(1).optional(),
    tags: z.record(z.string()).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.clusterName && !(c.podCidrs && c.serviceCidrs)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["clusterName"],
        message: "is required unless both podCidrs and serviceCidrs are given",
      });
    }
    if (!c.rpcapdPackage && !c.agentImage) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["rpcapdPackage"],
        message: "is required unless agentImage names a prebuilt image",
      });
    }
    if (c.mirrorTarget && !c.clusterName) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["mirrorTarget"],
        message: "needs clusterName: mirroring follows the cluster's nodes",
      });
    }
  });

/** Bad configuration: every problem found, each naming the key, the value and what is allowed. */
export class ConfigError extends Error {
  /** One line per problem, e.g. `sensorPort: 70000 must be between 1 and 65535`. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") {
      return undefined;
    }
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

function formatPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    "",
  );
}

/**
 * Validates raw configuration (stack config values or an Automation API object) and applies defaults.
 * @param raw key/value object as read from the stack (`clusterName`, `sensorIps`, ...)
 * @throws ConfigError listing every problem
 */
export function parseStackConfig(raw: unknown): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      const allowed = Object.keys(stackConfigSchema.innerType().shape).join(", ");
      const where = issue.path.length ? `${formatPath(issue.path)}: ` : "";
      return `${where}unknown key(s) ${issue.keys.join(", ")} (allowed: ${allowed})`;
    }
    const key = formatPath(issue.path) || "config";
    const value = valueAt(raw, issue.path);
    // Refinements on leaf values already quote the value; the others get it appended here.
    const quoted = issue.message.startsWith('"') || value === undefined ? "" : `${JSON.stringify(value)} `;
    return `${key}: ${quoted}${issue.message}`;
  });
  throw new ConfigError(problems);
}
