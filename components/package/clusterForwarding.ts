/**
 * `ClusterForwarding`: the program as one component for other Pulumi languages (`pulumi package add`). Its args are
 * the stack config keys as plain Inputs (no unions, no functions) so the Node SDK's schema inference can describe
 * them; it resolves them, validates them with the stack schema, and runs the same program factory as `index.ts`.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../config";
import { podPacketForwardingProgram, type ProgramOptions, type StackOutputs } from "../../program";

/** Where VPC Traffic Mirroring sends its copies: set exactly one field. */
export interface MirrorTarget {
  /** An existing ENI (e.g. of a sensor); an ENI target accepts 10 source ENIs (100 on the largest sizes). */
  networkInterfaceId?: pulumi.Input<string>;
  /** A Network Load Balancer with a UDP 4789 listener in front of the sensors; no source limit. */
  networkLoadBalancerArn?: pulumi.Input<string>;
  /** A Gateway Load Balancer endpoint (vpce-...); no source limit. */
  gatewayLoadBalancerEndpointId?: pulumi.Input<string>;
}

/** Arguments of `ClusterForwarding`: the stack configuration keys, plus the AWS region. */
export interface ClusterForwardingArgs {
  /** AWS region of the cluster. Default: the stack's `aws:region` config, then `AWS_REGION`. */
  region?: pulumi.Input<string>;
  /** EKS cluster to look up. Required unless both `podCidrs` and `serviceCidrs` are given. */
  clusterName?: pulumi.Input<string>;
  /** ExtraHop sensor IPv4 addresses (1-10); each receives a full copy of the forwarded traffic. */
  sensorIps: pulumi.Input<pulumi.Input<string>[]>;
  /** Port of the sensor's packet-forwarding (RPCAP) rule, 1-65535. Default 2003. */
  sensorPort?: pulumi.Input<number>;
  /** IPv4 CIDRs overriding the looked-up pod ranges (PODNET). Default: every associated CIDR of the cluster's VPC. */
  podCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** IPv4 CIDRs overriding the looked-up service range (SVCNET). Default: the cluster's serviceIpv4Cidr. */
  serviceCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** When set, VPC Traffic Mirroring is configured for every eligible node ENI; absent, the agent forwards everything. */
  mirrorTarget?: pulumi.Input<MirrorTarget>;
  /** Absolute path of the vendor's rpcapd installer (.deb or Linux .tar.gz). Required unless `agentImage` is set. */
  rpcapdPackage?: pulumi.Input<string>;
  /** A prebuilt agent image pinned by digest (repo@sha256:...); skips the ECR repository and the build. */
  agentImage?: pulumi.Input<string>;
  /** Kubernetes namespace of the agent. Default `extrahop`. */
  namespace?: pulumi.Input<string>;
  /** Nodes carrying this label key get no agent. Default `extrahop/norpcapd`. */
  excludeNodeLabel?: pulumi.Input<string>;
  /** Traffic Mirroring session number, 1-32766 (the lowest matching session on an ENI wins). Default 10. */
  mirrorSessionNumber?: pulumi.Input<number>;
  /** Bytes of each packet to mirror (truncation), 20-8500. Default: whole packets. */
  mirrorPacketLength?: pulumi.Input<number>;
  /** VXLAN network identifier of the mirror sessions, 0-16777215. Default: AWS picks one. */
  mirrorVni?: pulumi.Input<number>;
  /** CIDRs holding only mirrored node/pod ENIs (e.g. custom-networking pod subnets); the filter deduplicates by them. Default none. */
  mirroredOnlyCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Mirror DNS traffic with the VPC resolver (network service amazon-dns). Default true. */
  mirrorAmazonDns?: pulumi.Input<boolean>;
  /** Instance types or families (t2.*) that cannot be mirrored; replaces the built-in list. */
  mirrorUnsupportedInstanceTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** EventBridge schedule of the full mirror reconcile. Default `rate(5 minutes)`. */
  reconcileSchedule?: pulumi.Input<string>;
  /** Platform of the agent image build: `linux/amd64` or `linux/arm64`. Default `linux/amd64`. */
  imagePlatform?: pulumi.Input<string>;
  /** Kubeconfig to deploy with (pass it as a secret). Default: built from the EKS lookup (uses `aws eks get-token`). */
  kubeconfig?: pulumi.Input<string>;
  /** Tags applied to every AWS resource created. */
  tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/** An instance or ENI left out of mirroring. */
export interface SkippedMirrorSource {
  /** EC2 instance id. */
  instanceId: string;
  /** Its instance type. */
  instanceType: string;
  /** Machine-readable reason (unsupported-instance-type, not-interface-type, ...). */
  reason: string;
  /** Human-readable detail. */
  detail: string;
}

/** An address inside `mirroredOnlyCidrs` on an ENI without a mirror session (its packets are lost). */
export interface MirroredOnlyViolation {
  /** The configured CIDR. */
  cidr: string;
  /** The offending address. */
  address: string;
  /** What holds it (ENI id and description). */
  holder: string;
}

/** ExtraHop pod packet forwarding for one cluster: the rpcapd agent DaemonSet and, optionally, VPC Traffic Mirroring. */
export class ClusterForwarding extends pulumi.ComponentResource {
  /** PODNET: the pod ranges the agent treats as the cluster. */
  public readonly podCidrs: pulumi.Output<string[]>;
  /** SVCNET: the service ranges. */
  public readonly serviceCidrs: pulumi.Output<string[]>;
  /** The environment the agent runs with (EXTRAHOP_SENSOR_IP, RPCAPD_TARGET_PORT, PODNET, SVCNET, VPC_MIRRORING). */
  public readonly agentEnvironment: pulumi.Output<{ [key: string]: string }>;
  /** The agent image the DaemonSet runs (repo@sha256:...). */
  public readonly agentImage: pulumi.Output<string>;
  /** ENIs mirrored at deploy time. */
  public readonly mirroredEnis: pulumi.Output<string[]>;
  /** Instances or ENIs left out of mirroring, with reasons. */
  public readonly skippedMirrorSources: pulumi.Output<SkippedMirrorSource[]>;
  /** Addresses inside mirroredOnlyCidrs on ENIs without a session. */
  public readonly mirroredOnlyViolations: pulumi.Output<MirroredOnlyViolation[]>;
  /** Namespace of the agent DaemonSet. */
  public readonly daemonSetNamespace: pulumi.Output<string>;
  /** Name of the agent DaemonSet. */
  public readonly daemonSetName: pulumi.Output<string>;
  /** What is left to configure on the sensor. */
  public readonly sensorSteps: pulumi.Output<string[]>;

  constructor(name: string, args: ClusterForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pod-packet-forwarding:index:ClusterForwarding", name, {}, opts);
    const deployed = deployClusterForwarding(name, args, this);
    // Each output from the factory's own value, so known ones (the CIDRs) stay known in a preview even while the
    // image digest is not.
    const field = <T>(pick: (o: StackOutputs) => pulumi.Input<T>): pulumi.Output<T> =>
      pulumi.output(deployed.then(pick)) as pulumi.Output<T>;
    this.podCidrs = field((o) => o.podCidrs);
    this.serviceCidrs = field((o) => o.serviceCidrs);
    this.agentEnvironment = field((o) => ({ ...o.agentEnvironment }) as { [key: string]: string });
    this.agentImage = field((o) => o.agentImage);
    this.mirroredEnis = field((o) => o.mirroredEnis);
    this.skippedMirrorSources = field((o) => o.skippedMirrorSources);
    this.mirroredOnlyViolations = field((o) => o.mirroredOnlyViolations);
    this.daemonSetNamespace = field((o) => o.daemonSet.namespace);
    this.daemonSetName = field((o) => o.daemonSet.name);
    this.sensorSteps = field((o) => o.sensorSteps);
    this.registerOutputs({
      podCidrs: this.podCidrs,
      serviceCidrs: this.serviceCidrs,
      agentEnvironment: this.agentEnvironment,
      agentImage: this.agentImage,
      mirroredEnis: this.mirroredEnis,
      skippedMirrorSources: this.skippedMirrorSources,
      mirroredOnlyViolations: this.mirroredOnlyViolations,
      daemonSetNamespace: this.daemonSetNamespace,
      daemonSetName: this.daemonSetName,
      sensorSteps: this.sensorSteps,
    });
  }
}

/** What `pulumi.output(...)` has at run time besides the public API: how to tell an unknown (preview) value. */
interface OutputInternals {
  isKnown: Promise<boolean>;
  promise(withUnknowns?: boolean): Promise<unknown>;
}

/**
 * The args as plain values. Every value must be known (the component looks the cluster up before it creates
 * anything, as the program does); an unknown one is reported with its property name.
 * @throws pulumi.InputPropertiesError naming the unknown properties
 */
export async function resolveArgs(args: ClusterForwardingArgs): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, input] of Object.entries(args)) {
    const out = pulumi.output(input) as unknown as OutputInternals;
    const [known, value] = await Promise.all([out.isKnown, out.promise(true)]);
    if (!known || pulumi.containsUnknowns(value)) {
      unknown.push(key);
    } else if (value !== undefined) {
      resolved[key] = value;
    }
  }
  if (unknown.length) {
    throw new pulumi.InputPropertiesError({
      message: `ClusterForwarding needs ${unknown.join(", ")} at preview: it looks the cluster up before it creates anything`,
      errors: unknown.map((propertyPath) => ({
        propertyPath,
        reason: "must be known at preview (not the output of a resource created in the same update)",
      })),
    });
  }
  return resolved;
}

/** A ConfigError's problems as input property errors (`sensorIps[1]: "x" is not ...` → path `sensorIps[1]`). */
export function toInputPropertiesError(err: ConfigError): pulumi.InputPropertiesError {
  return new pulumi.InputPropertiesError({
    message: err.message,
    errors: err.problems.map((problem) => {
      const m = /^([A-Za-z0-9_.[\]:]+?): (.*)$/s.exec(problem);
      const key = m ? m[1] : "";
      return { propertyPath: key === "aws:region" ? "region" : key, reason: m ? m[2] : problem };
    }),
  });
}

/**
 * Resolves and validates the args, then runs the program factory with the component as parent.
 * @param name component name: the prefix of every child resource, as the program's default `pod-packet-forwarding`
 */
export async function deployClusterForwarding(
  name: string,
  args: ClusterForwardingArgs,
  parent: pulumi.ComponentResource,
): Promise<StackOutputs> {
  const { region, ...raw } = await resolveArgs(args);
  if (typeof raw.rpcapdPackage === "string" && !path.isAbsolute(raw.rpcapdPackage)) {
    throw new pulumi.InputPropertiesError({
      message: "rpcapdPackage must be an absolute path",
      errors: [
        {
          propertyPath: "rpcapdPackage",
          reason: `${JSON.stringify(raw.rpcapdPackage)} is relative: the plugin runs in its own folder, not in your project; give an absolute path`,
        },
      ],
    });
  }
  const options: ProgramOptions = {
    name,
    region: region as string | undefined,
    parent,
  };
  try {
    parseStackConfig(raw);
    return await podPacketForwardingProgram(raw, options);
  } catch (err) {
    throw err instanceof ConfigError ? toInputPropertiesError(err) : err;
  }
}
