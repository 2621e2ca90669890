/**
 * Entry of the `pod-packet-forwarding` plugin package (PulumiPlugin.yaml): `PodPacketForwarding` itself, offered to
 * other Pulumi languages by `pulumi package add`. The Node SDK infers the schema from the TypeScript types of the
 * class exported here (`@pulumi/pulumi/provider/experimental`), and refuses union types; so this is the component
 * class with flat arguments (`cluster` is an `eks.Cluster` only, the name form is `clusterName`, as in the stack
 * config) and its outputs declared where the analyzer reads them. It registers as the component itself: same type
 * token, same children, same URNs.
 */
import * as path from "node:path";
import type * as aws from "@pulumi/aws";
import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type {
  AgentResourcesArgs,
  ImageRegistryArgs,
  MirrorTargetArgs,
  PodPacketForwardingArgs,
  TolerationArgs,
} from "../../components/args";
import type { RangeSource } from "../../components/network/clusterNetwork";
import type { SkippedMirrorSource } from "../../components/mirror/reconcileOutcome";
import type { OutputKey } from "../../components/outputs";
import { PodPacketForwarding as Component } from "../../components/podPacketForwarding";

/** Where VPC Traffic Mirroring sends its copies: set exactly one field. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the component's type under the name other languages see
export interface MirrorTarget extends MirrorTargetArgs {}

/** A Kubernetes toleration (core/v1 Toleration). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the component's type under the name other languages see
export interface Toleration extends TolerationArgs {}

/** CPU and memory of the agent container (core/v1 ResourceRequirements, quantities as strings). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the component's type under the name other languages see
export interface AgentResources extends AgentResourcesArgs {}

/** A registry other than the cluster's ECR to push the agent image to. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the component's type under the name other languages see
export interface ImageRegistry extends ImageRegistryArgs {}

/** Where each pod and service range came from. */
export interface NetworkSources {
  /** Pod ranges (`PODNET`), each with its source. */
  pods: RangeSource[];
  /** Service ranges (`SVCNET`), each with its source. */
  services: RangeSource[];
}

/**
 * Arguments of `PodPacketForwarding` for other languages: the component's arguments, narrowed where the schema
 * needs it (the cluster as an `eks.Cluster` only, its name as `clusterName`; no unions) and with the nested types
 * under the names other languages see (their SDKs add `Args` themselves).
 */
export interface PodPacketForwardingArgsFlat extends PodPacketForwardingArgs {
  /**
   * An `eks.Cluster` of `@pulumi/eks` created in the same program: its VPC, service range and kubeconfig are used.
   * Set this or `clusterName` (or neither, for a self-managed cluster reached through `kubeconfig`).
   */
  cluster?: eks.Cluster;
  /** Name of an existing EKS cluster, looked up through the AWS provider. Set this or `cluster`. */
  clusterName?: pulumi.Input<string>;
  /**
   * When set, VPC Traffic Mirroring copies what leaves every eligible node ENI to this target, and the agent reports
   * the rest (`VPC_MIRRORING=true`). EKS only.
   */
  mirrorTarget?: MirrorTarget;
  /** Tolerations of the agent. Default: every taint (`[{ operator: "Exists" }]`), as node agents such as kube-proxy. */
  tolerations?: pulumi.Input<pulumi.Input<Toleration>[]>;
  /** CPU and memory of the agent. Default requests 100m / 128Mi, memory limit 256Mi. */
  resources?: pulumi.Input<AgentResources>;
  /** Push the built image to this registry instead of a new ECR repository (the default on EKS; required elsewhere). */
  imageRegistry?: pulumi.Input<ImageRegistry>;
}

/** The type token of the component this plugin's class replaced; its URNs are kept (see `legacyAlias`). */
export const CLUSTER_FORWARDING_TYPE = "pod-packet-forwarding:index:ClusterForwarding";

/**
 * The alias that keeps the URNs of stacks created with the plugin's former `ClusterForwarding` component, whose
 * `PodPacketForwarding` child of the same name is now the top: `...::ClusterForwarding$PodPacketForwarding::<name>`.
 * Children follow their parent's aliases.
 */
export function legacyAlias(name: string, parent: pulumi.Resource | undefined): pulumi.Alias {
  return { parent: pulumi.createUrn(name, CLUSTER_FORWARDING_TYPE, parent) };
}

/** The component's arguments from the flat ones. */
function componentArgs(name: string, args: PodPacketForwardingArgsFlat): PodPacketForwardingArgs {
  const { cluster, clusterName, ...rest } = args;
  if (cluster !== undefined && clusterName !== undefined) {
    throw new pulumi.InputPropertiesError({
      message: `PodPacketForwarding ${name}: set cluster or clusterName, not both`,
      errors: [{ propertyPath: "clusterName", reason: "must not be set together with cluster" }],
    });
  }
  if (typeof rest.rpcapdPackage === "string" && !path.isAbsolute(rest.rpcapdPackage)) {
    throw new pulumi.InputPropertiesError({
      message: `PodPacketForwarding ${name}: rpcapdPackage must be an absolute path`,
      errors: [
        {
          propertyPath: "rpcapdPackage",
          reason: `${JSON.stringify(rest.rpcapdPackage)} is relative: the plugin runs in its own folder, not in your project; give an absolute path`,
        },
      ],
    });
  }
  return { ...rest, cluster: cluster ?? clusterName };
}

/**
 * The schema analyzer recognises a component by its class extending `ComponentResource` in the source; at run time
 * this is the component class itself.
 */
const ComponentClass: new (
  name: string,
  args: PodPacketForwardingArgs,
  opts?: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource = Component;

/** ExtraHop pod packet forwarding for one cluster: every packet of its pods to the sensors, once. */
export class PodPacketForwarding extends ComponentClass {
  /** Pod address ranges the agent uses (`PODNET`). */
  declare readonly podCidrs: Component["podCidrs"];
  /** Service ranges (`SVCNET`). */
  declare readonly serviceCidrs: Component["serviceCidrs"];
  /** Where each pod and service range came from (lookup, discovery source, or config). */
  declare readonly networkSources: pulumi.Output<NetworkSources>;
  /** The env the agent runs with, by variable name. */
  declare readonly agentEnvironment: Component["agentEnvironment"];
  /** The image the DaemonSet runs (`repo@sha256:...`). */
  declare readonly agentImage: Component["agentImage"];
  /** Namespace of the agent DaemonSet. */
  declare readonly daemonSetNamespace: Component["daemonSetNamespace"];
  /** Name of the agent DaemonSet. */
  declare readonly daemonSetName: Component["daemonSetName"];
  /** ENIs with a mirror session after the deploy-time reconcile (empty without mirroring). */
  declare readonly mirroredEnis: Component["mirroredEnis"];
  /** Instances or ENIs the deploy-time reconcile left out of mirroring, with reasons. */
  declare readonly skippedMirrorSources: pulumi.Output<SkippedMirrorSource[]>;
  /** What the deploy-time reconcile did (JSON), when mirroring. */
  declare readonly mirrorReconcileResult: Component["mirrorReconcileResult"];
  /** What is left to configure on the sensor. */
  declare readonly sensorSteps: Component["sensorSteps"];
  /** Who reports each node's, Fargate profile's and workload's packets, what is not covered and why (one line each). */
  declare readonly coverage: Component["coverage"];
  /** The agent DaemonSet. */
  declare readonly daemonSet: Component["daemonSet"];
  /** The ECR repository the agent image is pushed to (absent with a prebuilt image or another registry). */
  readonly repository: pulumi.Output<aws.ecr.Repository | undefined>;

  constructor(name: string, args: PodPacketForwardingArgsFlat, opts?: pulumi.ComponentResourceOptions) {
    super(name, componentArgs(name, args), {
      ...opts,
      aliases: [...(opts?.aliases ?? []), legacyAlias(name, opts?.parent)],
    });
    this.repository = (this as unknown as Component).image.apply((image) => image?.repository);
  }
}

/** The outputs other languages see: the component's one output shape (a key missing above fails to compile). */
export type PluginOutputs = Pick<PodPacketForwarding, OutputKey | "daemonSet" | "repository">;
