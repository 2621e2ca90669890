/**
 * `SensorSecurityGroupRules`: creates the ingress rules of `sensorPathRules.ts`, one
 * `aws.vpc.SecurityGroupIngressRule` per rule (one source group and one port range each, so a rule can be added or
 * removed without touching the others, and rules created outside Pulumi on the same groups are left alone).
 *
 * The source groups are given under fixed keys (`node`, `cluster`, `pods-0`, ...) whose ids may be Outputs (an
 * `eks.Cluster` created in the same update): the resources are known from the keys, the ids fill in later. Two keys
 * resolving to the same group would make AWS refuse the second identical rule (`InvalidPermission.Duplicate`), so
 * give each group once.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TargetKind } from "../contract/mirror";
import { sensorPathPlan, type PortRange, type SourceGroup } from "./sensorPathRules";

/** Arguments of `SensorSecurityGroupRules`. */
export interface SensorSecurityGroupRulesArgs {
  /** The sensors' security group: RPCAP (and VXLAN behind an NLB or at an ENI target) is allowed into it. */
  sensorSecurityGroupId?: pulumi.Input<string>;
  /** The node security group (`eks.Cluster.nodeSecurityGroupId`), when the nodes have one of their own. */
  nodeSecurityGroupId?: pulumi.Input<string>;
  /** The EKS cluster security group (`vpcConfig.clusterSecurityGroupId`): managed nodes and Fargate pods carry it. */
  clusterSecurityGroupId?: pulumi.Input<string>;
  /** Groups that security groups for pods give to pods with a capture sidecar (SecurityGroupPolicy). */
  podSecurityGroupIds?: pulumi.Input<string>[];
  /** The sensors' RPCAP port. Default 2003. */
  sensorPort?: pulumi.Input<number>;
  /** The sensors' RPCAP data ports, when known. Default every port. */
  sensorDataPorts?: PortRange;
  /** The mirror target, when mirroring. */
  mirroring?: {
    /** Kind of target. */
    targetKind: TargetKind;
    /** The target's own security group (ENI target, or an NLB with security groups). */
    targetSecurityGroupId?: pulumi.Input<string>;
  };
  /** Tags of the rules. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Type token of the component. */
export const SensorSecurityGroupRulesType = "pod-packet-forwarding:index:SensorSecurityGroupRules";

/** The security-group rules of the sensor path. */
export class SensorSecurityGroupRules extends pulumi.ComponentResource {
  /** The rules created, by key. */
  public readonly rules: Record<string, aws.vpc.SecurityGroupIngressRule>;
  /** What the plan tells the user about the sensor path's security groups. */
  public readonly planLines: string[];

  constructor(name: string, args: SensorSecurityGroupRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SensorSecurityGroupRulesType, name, {}, opts);
    const nodeGroups: SourceGroup<pulumi.Input<string>>[] = [];
    if (args.nodeSecurityGroupId !== undefined) {
      nodeGroups.push({
        key: "node",
        label: "node security group",
        securityGroupId: args.nodeSecurityGroupId,
      });
    }
    if (args.clusterSecurityGroupId !== undefined) {
      nodeGroups.push({
        key: "cluster",
        label: "cluster security group",
        securityGroupId: args.clusterSecurityGroupId,
      });
    }
    const podGroups = (args.podSecurityGroupIds ?? []).map((id, i): SourceGroup<pulumi.Input<string>> => ({
      key: `pods-${i}`,
      label: `pod security group ${i + 1}`,
      securityGroupId: id,
    }));
    const plan = sensorPathPlan({
      sensorSecurityGroupId: args.sensorSecurityGroupId,
      nodeGroups,
      podGroups,
      sensorPort:
        typeof args.sensorPort === "number" || args.sensorPort === undefined
          ? (args.sensorPort ?? 2003)
          : "unknown",
      sensorDataPorts: args.sensorDataPorts,
      mirroring: args.mirroring,
    });
    this.planLines = plan.lines;
    this.rules = {};
    for (const rule of plan.rules) {
      this.rules[rule.key] = new aws.vpc.SecurityGroupIngressRule(
        `${name}-${rule.key}`,
        {
          securityGroupId: rule.securityGroupId,
          referencedSecurityGroupId: rule.sourceSecurityGroupId,
          ipProtocol: rule.protocol,
          fromPort: rule.ports.from === -1 ? (args.sensorPort as pulumi.Input<number>) : rule.ports.from,
          toPort: rule.ports.to === -1 ? (args.sensorPort as pulumi.Input<number>) : rule.ports.to,
          description: rule.description,
          tags: args.tags,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ planLines: this.planLines });
  }
}
