/**
 * The component: wires resolved cluster networking, the agent image, VPC Traffic Mirroring and the agent
 * DaemonSet into resources. All decisions live in plain modules; this file only creates resources.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterNetwork } from "./network/eksNetwork";
import type { StackConfig } from "./config";
import type { FleetSnapshot } from "../lambda/reconciler/fleet/types";
import { agentEnvironment, type AgentEnvironment } from "./agent/environment";
import { AGENT_NAME, agentManifests } from "./agent/manifests";
import { AgentImage } from "./agent/agentImage";
import type { StagedBuildContext } from "./agent/buildContext";
import type { MirrorFilterPlan } from "./mirror/filterRules";
import { VpcMirroring } from "./mirror/vpcMirroring";
import { sensorSteps } from "./sensorSteps";

/** Arguments of `PodPacketForwarding`: everything already validated and looked up. */
export interface PodPacketForwardingArgs {
  /** Validated stack configuration. */
  config: StackConfig;
  /** Resolved PODNET/SVCNET and API server. */
  network: ClusterNetwork;
  /** The mirrorable fleet found at deploy time; required when `config.mirrorTarget` is set. */
  fleet?: FleetSnapshot;
  /** The mirror filter's rules; required when `config.mirrorTarget` is set. */
  mirrorFilterPlan?: MirrorFilterPlan;
  /** A staged build context to build the image from; absent when `config.agentImage` names a prebuilt image. */
  buildContext?: StagedBuildContext;
  /** Kubeconfig for the cluster (secret). */
  kubeconfig: pulumi.Input<string>;
}

/** One DaemonSet's identity. */
export interface DaemonSetRef {
  /** Namespace of the DaemonSet. */
  namespace: string;
  /** Name of the DaemonSet. */
  name: string;
}

/** ExtraHop pod packet forwarding for one cluster. */
export class PodPacketForwarding extends pulumi.ComponentResource {
  /** PODNET values. */
  public readonly podCidrs: string[];
  /** SVCNET values. */
  public readonly serviceCidrs: string[];
  /** The env the agent runs with. */
  public readonly agentEnvironment: AgentEnvironment;
  /** The image the DaemonSet runs (`repo@sha256:...`). */
  public readonly imageRef: pulumi.Output<string>;
  /** ENIs that get a mirror session (empty without mirroring). */
  public readonly mirroredEnis: string[];
  /** Instances or ENIs left out of mirroring, with reasons. */
  public readonly skippedMirrorSources: {
    instanceId: string;
    instanceType: string;
    reason: string;
    detail: string;
  }[];
  /** The DaemonSet. */
  public readonly daemonSet: DaemonSetRef;
  /** What to configure on the sensor. */
  public readonly sensorSteps: string[];
  /** Summary of the deploy-time reconcile (created/skipped/removed), when mirroring. */
  public readonly mirrorReconcileResult: pulumi.Output<string | undefined>;

  constructor(name: string, args: PodPacketForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pod-packet-forwarding:index:PodPacketForwarding", name, {}, opts);
    const { config, network } = args;
    const vpcMirroring = config.mirrorTarget !== undefined;
    const tags = { "managed-by": "pod-packet-forwarding", ...config.tags };

    if (vpcMirroring && !(args.fleet && args.mirrorFilterPlan && network.clusterName)) {
      throw new pulumi.ResourceError(
        "mirrorTarget needs clusterName, a fleet snapshot and a filter plan",
        this,
      );
    }
    if (!config.agentImage && !args.buildContext) {
      throw new pulumi.ResourceError("either config.agentImage or a staged build context is required", this);
    }

    this.podCidrs = network.podCidrs;
    this.serviceCidrs = network.serviceCidrs;
    this.agentEnvironment = agentEnvironment({
      sensorIps: config.sensorIps,
      sensorPort: config.sensorPort,
      podCidrs: network.podCidrs,
      serviceCidrs: network.serviceCidrs,
      vpcMirroring,
    });

    this.imageRef = config.agentImage
      ? pulumi.output(config.agentImage)
      : new AgentImage(
          `${name}-agent`,
          { context: args.buildContext as StagedBuildContext, platform: config.imagePlatform, tags },
          { parent: this },
        ).imageRef;

    if (config.mirrorTarget && network.clusterName && args.fleet && args.mirrorFilterPlan) {
      const mirroring = new VpcMirroring(
        `${name}-mirror`,
        {
          clusterName: network.clusterName,
          target: config.mirrorTarget,
          filterPlan: args.mirrorFilterPlan,
          sessionNumber: config.mirrorSessionNumber,
          packetLength: config.mirrorPacketLength,
          virtualNetworkId: config.mirrorVni,
          unsupportedInstanceTypes: config.mirrorUnsupportedInstanceTypes,
          reconcileSchedule: config.reconcileSchedule,
          tags,
        },
        { parent: this },
      );
      this.mirrorReconcileResult = mirroring.reconcileResult;
      for (const s of args.fleet.skipped) {
        pulumi.log.warn(
          `not mirrored: ${s.instanceId}${s.networkInterfaceId ? `/${s.networkInterfaceId}` : ""} (${s.instanceType}): ${s.detail}`,
          this,
        );
      }
    } else {
      this.mirrorReconcileResult = pulumi.output(undefined);
    }
    this.mirroredEnis = args.fleet?.sources.map((s) => s.networkInterfaceId) ?? [];
    this.skippedMirrorSources = (args.fleet?.skipped ?? []).map(
      ({ instanceId, instanceType, reason, detail }) => ({
        instanceId,
        instanceType,
        reason,
        detail,
      }),
    );

    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, { parent: this });
    const k8sOpts = { parent: this, provider };
    const manifests = agentManifests({
      namespace: config.namespace,
      image: this.imageRef,
      environment: this.agentEnvironment,
      excludeNodeLabel: config.excludeNodeLabel,
      architecture: config.imagePlatform === "linux/arm64" ? "arm64" : "amd64",
    });
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, manifests.namespace, k8sOpts);
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, manifests.serviceAccount, {
      ...k8sOpts,
      dependsOn: [ns],
    });
    const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, manifests.clusterRole, k8sOpts);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, manifests.clusterRoleBinding, {
      ...k8sOpts,
      dependsOn: [sa, role],
    });
    // The provider awaits the rollout (every scheduled pod Ready, pulumi-kubernetes#2953), like
    // `kubectl wait --for=condition=Ready`; a node that cannot start the agent fails the update.
    new k8s.apps.v1.DaemonSet(`${name}-daemonset`, manifests.daemonSet, {
      ...k8sOpts,
      dependsOn: [binding],
      customTimeouts: { create: "10m", update: "10m" },
    });
    this.daemonSet = { namespace: config.namespace, name: AGENT_NAME };

    this.sensorSteps = sensorSteps({
      sensorIps: config.sensorIps,
      sensorPort: config.sensorPort,
      podCidrs: network.podCidrs,
      vpcMirroring,
    });
    this.registerOutputs({
      podCidrs: this.podCidrs,
      serviceCidrs: this.serviceCidrs,
      imageRef: this.imageRef,
      mirroredEnis: this.mirroredEnis,
      daemonSet: this.daemonSet,
    });
  }
}
