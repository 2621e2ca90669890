/**
 * VPC Traffic Mirroring for the cluster: the target, the filter with its computed rules, and the reconciler that
 * owns every session (created at deploy time and kept equal to the fleet afterwards).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TargetKind } from "../contract/mirror";
import type { MirrorTargetArgs as MirrorTargetConfig } from "../args";
import { MirrorReconciler } from "../reconciler/mirrorReconciler";
import type { MirrorFilterPlan } from "./filterRules";

/** Arguments of `VpcMirroring`. */
export interface VpcMirroringArgs {
  /** EKS cluster whose nodes are mirrored. */
  clusterName: pulumi.Input<string>;
  /** VPC of the cluster: the reconciler may create sessions only for ENIs in it. */
  vpcId: pulumi.Input<string>;
  /** Where mirrored packets go (exactly one kind set). */
  target: MirrorTargetConfig;
  /** The filter's rules and network services (see `planMirrorFilter`). */
  filterPlan: pulumi.Input<MirrorFilterPlan>;
  /** Session number of every session (1-32766). */
  sessionNumber: pulumi.Input<number>;
  /** Bytes to mirror per packet; absent = whole packet. */
  packetLength?: pulumi.Input<number | undefined>;
  /** VXLAN network identifier; absent = AWS picks. */
  virtualNetworkId?: pulumi.Input<number | undefined>;
  /** Instance type patterns that cannot be mirrored; absent = the built-in list. */
  unsupportedInstanceTypes?: pulumi.Input<string[] | undefined>;
  /** EventBridge schedule of the full reconcile. */
  reconcileSchedule: pulumi.Input<string>;
  /** Tags for every resource. */
  tags: pulumi.Input<Record<string, string>>;
}

/** The kind of the configured target, as the reconciler needs it for source limits. */
export function mirrorTargetKind(target: MirrorTargetConfig): TargetKind {
  if (target.networkInterfaceId) {
    return "network-interface";
  }
  return target.networkLoadBalancerArn ? "network-load-balancer" : "gateway-load-balancer-endpoint";
}

/** Target, filter, rules and the session reconciler. */
export class VpcMirroring extends pulumi.ComponentResource {
  /** `tmt-...` */
  public readonly targetId: pulumi.Output<string>;
  /** `tmf-...` */
  public readonly filterId: pulumi.Output<string>;
  /** JSON summary of the deploy-time reconcile (sessions created / skipped / removed). */
  public readonly reconcileResult: pulumi.Output<string>;

  constructor(name: string, args: VpcMirroringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pod-packet-forwarding:index:VpcMirroring", name, {}, opts);
    const target = new aws.ec2.TrafficMirrorTarget(
      `${name}-target`,
      {
        description: pulumi.interpolate`ExtraHop sensor target for EKS cluster ${args.clusterName}`,
        networkInterfaceId: args.target.networkInterfaceId,
        networkLoadBalancerArn: args.target.networkLoadBalancerArn,
        gatewayLoadBalancerEndpointId: args.target.gatewayLoadBalancerEndpointId,
        tags: args.tags,
      },
      { parent: this },
    );
    const filter = new aws.ec2.TrafficMirrorFilter(
      `${name}-filter`,
      {
        description: pulumi.interpolate`EKS cluster ${args.clusterName} node ENIs, sensors excluded`,
        networkServices: pulumi.output(args.filterPlan).apply((p) => p.networkServices),
        tags: args.tags,
      },
      { parent: this },
    );
    // The rule count follows the sensors and excluded ranges, known once the arguments resolve (at preview when
    // they are plain values).
    const rules = pulumi
      .output(args.filterPlan)
      .apply((plan) =>
        plan.rules.map(
          (rule) =>
            new aws.ec2.TrafficMirrorFilterRule(
              `${name}-${rule.trafficDirection}-${rule.ruleNumber}`,
              { trafficMirrorFilterId: filter.id, ...rule },
              { parent: this },
            ),
        ),
      );
    const reconciler = new MirrorReconciler(
      `${name}-reconciler`,
      {
        clusterName: args.clusterName,
        vpcId: args.vpcId,
        filterId: filter.id,
        targetId: target.id,
        targetKind: mirrorTargetKind(args.target),
        sessionNumber: args.sessionNumber,
        packetLength: args.packetLength,
        virtualNetworkId: args.virtualNetworkId,
        unsupportedInstanceTypes: args.unsupportedInstanceTypes,
        schedule: args.reconcileSchedule,
        tags: args.tags,
        ownerTag: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
      },
      // Sessions are created only once the filter has all its rules, so no packet is mirrored unfiltered.
      { parent: this, dependsOn: rules },
    );
    this.targetId = target.id;
    this.filterId = filter.id;
    this.reconcileResult = reconciler.result;
    this.registerOutputs({
      targetId: this.targetId,
      filterId: this.filterId,
      reconcileResult: this.reconcileResult,
    });
  }
}
