/**
 * The security groups of a cluster's nodes: from an `eks.Cluster` of `@pulumi/eks` (its own node security group,
 * when it created one, and the EKS cluster security group), or for a cluster found by name from the AWS provider's
 * `aws.eks.getCluster` invoke (`vpcConfig.clusterSecurityGroupId`, which EKS managed node groups and Fargate pods
 * carry). Read through the AWS provider, like every other lookup of the component.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";

/** The groups traffic from the cluster's nodes carries. */
export interface ClusterSecurityGroups {
  /** The node security group `@pulumi/eks` creates for its self-managed node groups (absent for a looked-up cluster). */
  nodeSecurityGroupId?: pulumi.Output<string>;
  /** The EKS cluster security group. */
  clusterSecurityGroupId: pulumi.Output<string>;
}

/**
 * The node groups of a cluster.
 * @param cluster an `eks.Cluster`, or the name of an existing EKS cluster
 * @param opts invoke options for the lookup (the component as parent: its AWS provider is used)
 */
export function clusterSecurityGroups(
  cluster: eks.Cluster | pulumi.Input<string>,
  opts: pulumi.InvokeOutputOptions,
): ClusterSecurityGroups {
  if (cluster instanceof eks.Cluster) {
    return {
      nodeSecurityGroupId: cluster.nodeSecurityGroupId,
      clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    };
  }
  const looked = aws.eks.getClusterOutput({ name: cluster }, opts);
  return { clusterSecurityGroupId: looked.vpcConfig.clusterSecurityGroupId };
}
