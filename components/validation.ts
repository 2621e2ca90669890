/**
 * Validation of `PodPacketForwarding`'s arguments once their values are known: one schema for every entry point
 * (TypeScript users, stack config, embedding API, plan, plugin), so they accept and reject the same values with the
 * same messages. Each problem names the argument, the value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isIpv4Address, isIpv4Cidr } from "./contract/cidr";
import {
  DEFAULT_RECONCILE_SCHEDULE,
  DEFAULT_SESSION_NUMBER,
  PACKET_LENGTH,
  SCHEDULE_PATTERN,
  SESSION_NUMBER,
  VIRTUAL_NETWORK_ID,
  EKS_CLUSTER_NAME_PATTERN,
} from "./contract/mirror";
import { DEFAULTS, DATAPATHS, IMAGE_PLATFORMS, MAX_SENSORS } from "./defaults";

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
const labelKey = z
  .string()
  .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a Kubernetes label key");
const quantity = z
  .string()
  .regex(
    /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/,
    "must be a Kubernetes quantity such as 100m or 128Mi",
  );

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

const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must look like sg-0123456789abcdef0");

const tolerationSchema = z
  .object({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .strict();

/**
 * The schema of the known argument values (the `cluster` argument as a name; an `eks.Cluster` is checked apart).
 * Exported for the adapters, which map their own key names onto it.
 */
export const argsSchema = z
  .object({
    cluster: z
      .string()
      .regex(EKS_CLUSTER_NAME_PATTERN, "must be an EKS cluster name (letters, digits, - and _)")
      .optional(),
    kubeconfig: z.string().min(1, "must not be empty when set").optional(),
    sensorIps: z
      .array(ipv4, { required_error: "is required: list the ExtraHop sensor IPv4 address(es)" })
      .min(1, "must list at least one sensor")
      .max(
        MAX_SENSORS,
        `must list at most ${MAX_SENSORS} sensors (rpcapd accepts ${MAX_SENSORS} ActiveClients)`,
      )
      .refine((ips) => new Set(ips).size === ips.length, "must not list a sensor twice"),
    sensorPort: integer(1, 65535).default(DEFAULTS.sensorPort),
    podCidrs: cidrList.optional(),
    serviceCidrs: cidrList.optional(),
    datapath: z.enum(DATAPATHS).default("auto"),
    mirrorTarget: mirrorTargetSchema.optional(),
    mirrorSessionNumber: integer(SESSION_NUMBER.min, SESSION_NUMBER.max).default(DEFAULT_SESSION_NUMBER),
    mirrorPacketLength: integer(PACKET_LENGTH.min, PACKET_LENGTH.max).optional(),
    mirrorVni: integer(VIRTUAL_NETWORK_ID.min, VIRTUAL_NETWORK_ID.max).optional(),
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
      .regex(SCHEDULE_PATTERN, "must be an EventBridge schedule such as rate(5 minutes)")
      .default(DEFAULT_RECONCILE_SCHEDULE),
    fargateCidrs: cidrList.optional(),
    mirroredOnlyCidrs: cidrList.optional(),
    rpcapdPackage: z
      .string()
      .regex(/\.(deb|tar\.gz|tgz)$/, "must be the vendor's .deb or .tar.gz installer")
      .optional(),
    agentImage: z
      .string()
      .regex(/@sha256:[0-9a-f]{64}$/, "must be an image reference pinned by digest (repo@sha256:...)")
      .optional(),
    imageRegistry: z
      .object({
        repository: z
          .string()
          .regex(
            /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+$/,
            "must be a repository without tag, such as registry.example.com/secops/extrahop-rpcapd",
          ),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      })
      .strict()
      .refine((r) => (r.username === undefined) === (r.password === undefined), {
        message:
          "must set username and password together (or neither, to use the Docker config's credentials)",
      })
      .optional(),
    imagePlatform: z.enum(IMAGE_PLATFORMS).default(DEFAULTS.imagePlatform),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Kubernetes namespace name (RFC 1123 label)")
      .default(DEFAULTS.namespace),
    createNamespace: z.boolean({ invalid_type_error: "must be true or false" }).default(true),
    excludeNodeLabel: labelKey.default(DEFAULTS.excludeNodeLabel),
    tolerations: z.array(tolerationSchema).default(DEFAULTS.tolerations),
    nodeSelector: z.record(labelKey, z.string()).optional(),
    resources: z
      .object({
        requests: z.record(z.enum(["cpu", "memory"]), quantity).optional(),
        limits: z.record(z.enum(["cpu", "memory"]), quantity).optional(),
      })
      .strict()
      .default(DEFAULTS.resources),
    priorityClassName: z.string().min(1).default(DEFAULTS.priorityClassName),
    coverageReport: z.boolean({ invalid_type_error: "must be true or false" }).default(true),
    sensorApis: z
      .array(
        z
          .object({
            apiUrl: z.string().regex(/^https:\/\/[^\s/]+(\/api\/v1)?\/?$/, "must be https://<sensor>[:port]"),
            apiKey: z.string().regex(/^\S+$/, "must be an ExtraHop API key"),
            caCertificate: z
              .string()
              .includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM bundle" })
              .optional(),
            tlsServerName: z.string().min(1).optional(),
            tlsInsecure: z.boolean({ invalid_type_error: "must be true or false" }).optional(),
            addToRemoteDiscovery: z.boolean({ invalid_type_error: "must be true or false" }).optional(),
          })
          .strict(),
      )
      .optional(),
    fargateProfiles: z
      .array(
        z
          .object({
            name: z.string().min(1),
            selectors: z
              .array(
                z.object({ namespace: z.string().min(1), labels: z.record(z.string()).optional() }).strict(),
              )
              .min(1, "must list 1 to 5 selectors")
              .max(5, "must list 1 to 5 selectors"),
          })
          .strict(),
      )
      .optional(),
    sensorSecurityGroupId: securityGroupId.optional(),
    podSecurityGroupIds: z.array(securityGroupId).optional(),
    mirrorTargetSecurityGroupId: securityGroupId.optional(),
    sensorDataPorts: z
      .object({ from: integer(0, 65535), to: integer(0, 65535) })
      .strict()
      .refine((r) => r.from <= r.to, { message: "must have from <= to" })
      .optional(),
    tags: z.record(z.string()).default({}),
  })
  .strict();

/** Validated argument values with defaults applied. */
export type ResolvedArgs = z.output<typeof argsSchema>;

/** What the cross-argument rules need to know besides the values. */
export interface ArgsContext {
  /** An EKS cluster is given (an `eks.Cluster` or a name). */
  eksCluster: boolean;
  /** A Kubernetes provider was passed in the resource options. */
  kubernetesProvider: boolean;
}

/** One bad argument, as Pulumi reports it. */
export type ArgProblem = pulumi.InputPropertyErrorDetails;

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

/** `a.b[2].c` from zod's path. */
export function formatPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    "",
  );
}

function allowedKeysAt(path: (string | number)[]): string[] {
  let schema: z.ZodTypeAny = argsSchema;
  for (const p of path) {
    while (
      schema instanceof z.ZodOptional ||
      schema instanceof z.ZodDefault ||
      schema instanceof z.ZodEffects
    ) {
      schema = schema instanceof z.ZodEffects ? schema.innerType() : (schema._def.innerType as z.ZodTypeAny);
    }
    if (schema instanceof z.ZodObject) {
      schema = schema.shape[p as string];
    } else if (schema instanceof z.ZodArray) {
      schema = schema.element;
    } else {
      return [];
    }
  }
  while (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodEffects
  ) {
    schema = schema instanceof z.ZodEffects ? schema.innerType() : (schema._def.innerType as z.ZodTypeAny);
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** The rules between arguments, which no single value shows. */
function crossArgumentProblems(args: Partial<ResolvedArgs>, context: ArgsContext): ArgProblem[] {
  const problems: ArgProblem[] = [];
  if (!args.rpcapdPackage && !args.agentImage) {
    problems.push({
      propertyPath: "rpcapdPackage",
      reason: "is required unless agentImage names a prebuilt image",
    });
  }
  if (args.mirrorTarget && !context.eksCluster) {
    problems.push({
      propertyPath: "mirrorTarget",
      reason: "needs an EKS cluster (cluster): VPC Traffic Mirroring follows the cluster's nodes",
    });
  }
  if (args.sensorSecurityGroupId && !context.eksCluster) {
    problems.push({
      propertyPath: "sensorSecurityGroupId",
      reason: "needs an EKS cluster (cluster): the rules are written for the cluster's node security groups",
    });
  }
  if (!context.eksCluster) {
    if (!args.kubeconfig && !context.kubernetesProvider) {
      problems.push({
        propertyPath: "kubeconfig",
        reason:
          "is required without an EKS cluster (cluster), unless a kubernetes provider is passed in the resource options",
      });
    } else if (!args.kubeconfig && !(args.podCidrs && args.serviceCidrs)) {
      problems.push({
        propertyPath: "podCidrs",
        reason:
          "and serviceCidrs are required when the cluster is reached through a kubernetes provider only " +
          "(discovery through the Kubernetes API needs kubeconfig)",
      });
    }
    if (args.rpcapdPackage && !args.agentImage && !args.imageRegistry) {
      problems.push({
        propertyPath: "imageRegistry",
        reason: "is required to push the agent image without an EKS cluster (or set agentImage)",
      });
    }
  }
  return problems;
}

/**
 * Every problem of a set of known argument values, or the validated values with defaults.
 * @param raw argument values (no Outputs), `cluster` as a name or absent
 * @param context what else was given
 */
export function checkArgs(
  raw: unknown,
  context: ArgsContext,
): { ok: true; args: ResolvedArgs } | { ok: false; problems: ArgProblem[] } {
  const result = argsSchema.safeParse(raw);
  const given = raw && typeof raw === "object" ? (raw as Partial<ResolvedArgs>) : {};
  if (!result.success) {
    // An object with a typo gets the unknown-key message only, not also what its other rules make of the rest.
    const withUnknownKeys = new Set(
      result.error.issues
        .filter((i) => i.code === z.ZodIssueCode.unrecognized_keys)
        .map((i) => formatPath(i.path)),
    );
    const issues = result.error.issues.filter(
      (i) => i.code !== z.ZodIssueCode.custom || !withUnknownKeys.has(formatPath(i.path)),
    );
    const problems = issues.map((issue): ArgProblem => {
      if (issue.code === z.ZodIssueCode.unrecognized_keys) {
        return {
          propertyPath: formatPath(issue.path),
          reason: `unknown key(s) ${issue.keys.join(", ")} (allowed: ${allowedKeysAt(issue.path).join(", ")})`,
        };
      }
      const value = valueAt(raw, issue.path);
      // Refinements of leaf values already quote the value.
      const quoted = issue.message.startsWith('"') || value === undefined ? "" : `${JSON.stringify(value)} `;
      return { propertyPath: formatPath(issue.path), reason: `${quoted}${issue.message}` };
    });
    return { ok: false, problems: [...problems, ...crossArgumentProblems(given, context)] };
  }
  const cross = crossArgumentProblems(result.data, context);
  return cross.length ? { ok: false, problems: cross } : { ok: true, args: result.data };
}

/** The Pulumi error for a list of problems: the engine prints each with its argument. */
export function argsError(problems: ArgProblem[], what = "PodPacketForwarding"): pulumi.InputPropertiesError {
  return new pulumi.InputPropertiesError({
    message: `${what}: invalid arguments:\n${problems
      .map((p) => `  - ${p.propertyPath ? `${p.propertyPath}: ` : ""}${p.reason}`)
      .join("\n")}`,
    errors: problems,
  });
}
