/**
 * Looks at the cluster's worker fleet once: which node ENIs should be mirrored, which are skipped and why.
 * Used by the program at `pulumi up`/plan time and by the reconciler Lambda on every run.
 *
 * AWS cost: one DescribeInstances call per 1,000 matching instances (the SDK paginator, MaxResults 1000),
 * whatever the number of ENIs: calls grow with pages, not with nodes.
 */
import { paginateDescribeInstances, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { classifyFleet, clusterTagKeys } from "./eligibility";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "../../../components/contract/mirrorableInstanceTypes";
import type { FleetSnapshot } from "./types";

/** Options of `discoverFleet`. */
export interface DiscoverFleetOptions {
  /** EKS cluster whose nodes are looked up. */
  clusterName: string;
  /**
   * Glob patterns of instance types that cannot be mirror sources (`t2.*`, `*.metal*`); replaces the built-in
   * list `DEFAULT_UNSUPPORTED_INSTANCE_TYPES` when given (`[]` = treat every type as supported).
   */
  unsupportedInstanceTypes?: readonly string[];
  /** Page size for DescribeInstances (5-1000). Default 1000. */
  pageSize?: number;
}

/**
 * The running nodes of `clusterName` as DescribeInstances reports them. One query:
 * `instance-state-name=running` AND `tag-key` in `clusterTagKeys(clusterName)`; the exact membership test
 * (tag value = this cluster) is applied client-side by `classifyFleet`, because EC2 filters cannot OR two
 * different tag keys with their values in one call.
 */
export async function describeClusterInstances(
  ec2: EC2Client,
  clusterName: string,
  pageSize = 1000,
): Promise<Instance[]> {
  const instances: Instance[] = [];
  const pages = paginateDescribeInstances(
    { client: ec2, pageSize },
    {
      Filters: [
        { Name: "instance-state-name", Values: ["running"] },
        { Name: "tag-key", Values: clusterTagKeys(clusterName) },
      ],
    },
  );
  for await (const page of pages) {
    for (const reservation of page.Reservations ?? []) {
      instances.push(...(reservation.Instances ?? []));
    }
  }
  return instances;
}

/**
 * Every ENI of type `interface` attached to a running node of the cluster (primary and secondary), and the
 * instances/ENIs that get no session with the reason (unsupported instance type, trunk/EFA ENIs).
 * Nodes are recognised by tag: `kubernetes.io/cluster/<name>` (owned|shared), `eks:cluster-name=<name>` or
 * `eks:eks-cluster-name=<name>`, so managed node groups, self-managed groups and Karpenter nodes are all found;
 * the control plane's, load balancers' and other clusters' ENIs are not attached to such instances.
 */
export async function discoverFleet(ec2: EC2Client, options: DiscoverFleetOptions): Promise<FleetSnapshot> {
  const instances = await describeClusterInstances(ec2, options.clusterName, options.pageSize);
  return classifyFleet(
    instances,
    options.clusterName,
    options.unsupportedInstanceTypes ?? DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
  );
}
