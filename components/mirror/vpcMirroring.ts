/**
 * VPC Traffic Mirroring for the cluster: the target, the filter with its computed rules, and the reconciler that
 * owns every session (created at deploy time and kept equal to the fleet afterwards).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TargetKind } from "../contract/mirror";
import type { MirrorTargetConfig } from "../config";
import { MirrorReconciler } from "../reconciler/mirrorReconciler";
import type { MirrorFilterPlan } from "./filterRules";

/** Arguments of `VpcMirroring`. */
export interface VpcMirroringArgs {
  /** EKS cluster whose nodes are mirrored. */
  clusterName: string;
  /** Where mirrored packets go (exactly one kind set). */
  target: MirrorTargetConfig;
  /** The filter's rules and network services (see `planMirrorFilter`). */
  filterPlan: MirrorFilterPlan;
  /** Session number of every session (1-32766). */
  sessionNumber: number;
  /** Bytes to mirror per packet; absent = whole packet. */
  packetLength?: number;
  /** VXLAN network identifier; absent = AWS picks. */
  virtualNetworkId?: number;
  /** Instance type patterns that cannot be mirrored; absent = the built-in list. */
  unsupportedInstanceTypes?: string[];
  /** EventBridge schedule of the full reconcile. */
  reconcileSchedule: string;
  /** Tags for every resource. */
  tags: Record<string, string>;
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
        description: `ExtraHop sensor target for EKS cluster ${args.clusterName}`,
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
        description: `EKS cluster ${args.clusterName} node ENIs: dedup ${args.filterPlan.dedup}, sensors excluded`,
        networkServices: args.filterPlan.networkServices,
        tags: args.tags,
      },
      { parent: this },
    );
    const rules = args.filterPlan.rules.map(
      (rule) =>
        new aws.ec2.TrafficMirrorFilterRule(
          `${name}-${rule.trafficDirection}-${rule.ruleNumber}`,
          { trafficMirrorFilterId: filter.id, ...rule },
          { parent: this },
        ),
    );
    const reconciler = new MirrorReconciler(
      `${name}-reconciler`,
      {
        clusterName: args.clusterName,
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
