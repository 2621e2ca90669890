/**
 * A fake AWS account's state, shaped exactly like the EKS and EC2 API answers (SDK v3 types), so that the
 * same data drives the tests, the offline plan and the benchmarks.
 */
import type { Cluster } from "@aws-sdk/client-eks";
import type { Instance, NetworkInterface, Subnet, TrafficMirrorSession, Vpc } from "@aws-sdk/client-ec2";

/** Everything the fake APIs answer from. Mutable: tests add nodes, terminate them, attach ENIs. */
export interface AwsWorld {
  /** AWS account id of the caller. */
  accountId: string;
  /** Region, e.g. `us-east-1`. */
  region: string;
  /** EKS clusters by name (DescribeCluster). */
  clusters: Cluster[];
  /** VPCs with their CIDR block associations (DescribeVpcs). */
  vpcs: Vpc[];
  /** Subnets (DescribeSubnets). */
  subnets: Subnet[];
  /** Instances with their attached ENIs (DescribeInstances). */
  instances: Instance[];
  /** ENIs not (only) reachable through instances: load balancers, control plane, endpoints, branch ENIs. */
  networkInterfaces: NetworkInterface[];
  /** Existing traffic mirror sessions (DescribeTrafficMirrorSessions). */
  trafficMirrorSessions: TrafficMirrorSession[];
}
