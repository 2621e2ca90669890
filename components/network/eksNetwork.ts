/**
 * Looks up the address ranges the agent needs (PODNET, SVCNET) from the EKS and EC2 APIs, or takes them from
 * config, and rejects clusters we cannot serve, before any resource exists.
 */
import { DescribeClusterCommand, EKSClient, type Cluster } from "@aws-sdk/client-eks";
import { DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { collapseCidrs, isIpv4Cidr, overlappingPairs } from "../contract/cidr";
import { ConfigError, type StackConfig } from "../config";

/** Where a range came from: the AWS lookup or an override in config. */
export type RangeSource = "lookup" | "config";

/** The cluster's networking as the agent and the mirror filter need it. */
export interface ClusterNetwork {
  /** EKS cluster name, when one was looked up. */
  clusterName?: string;
  /** VPC of the cluster, when looked up. */
  vpcId?: string;
  /** The VPC's associated IPv4 CIDR blocks, primary first; empty without a cluster lookup. */
  vpcCidrs: string[];
  /** Every address a pod can get (env `PODNET`): collapsed, sorted. */
  podCidrs: string[];
  /** The Kubernetes service range(s) (env `SVCNET`). */
  serviceCidrs: string[];
  /** Where `podCidrs` came from. */
  podCidrsSource: RangeSource;
  /** Where `serviceCidrs` came from. */
  serviceCidrsSource: RangeSource;
  /** API server endpoint and CA, for building a kubeconfig; absent without a cluster lookup. */
  apiServer?: { endpoint: string; certificateAuthorityData: string };
}

/** The AWS API clients the lookup uses; tests and the offline plan pass intercepted ones. */
export interface AwsClients {
  /** EKS API (DescribeCluster). */
  eks: EKSClient;
  /** EC2 API (DescribeVpcs, DescribeInstances, ...). */
  ec2: EC2Client;
  /** Region the clients talk to, for messages and kubeconfig. */
  region: string;
}

async function describeCluster(clients: AwsClients, name: string): Promise<Cluster> {
  try {
    const { cluster } = await clients.eks.send(new DescribeClusterCommand({ name }));
    if (!cluster) {
      throw new Error("empty DescribeCluster answer");
    }
    return cluster;
  } catch (err) {
    if (err instanceof Error && err.name === "ResourceNotFoundException") {
      throw new ConfigError([
        `clusterName: ${JSON.stringify(name)} is not an EKS cluster in ${clients.region} (AWS: ${err.message}); ` +
          "check the name and the stack's aws:region",
      ]);
    }
    throw err;
  }
}

/**
 * Pods with the Amazon VPC CNI take addresses from the VPC's subnets, including subnets of secondary CIDR
 * blocks (custom networking), so the associated VPC CIDR blocks are the smallest set that is sure to contain
 * every pod address. (A subnet list would miss ENIConfig subnets, which the EC2 API cannot attribute to a
 * cluster.)
 */
async function vpcCidrs(clients: AwsClients, vpcId: string): Promise<string[]> {
  const { Vpcs } = await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  const vpc = Vpcs?.[0];
  const primary = vpc?.CidrBlock;
  const associated = (vpc?.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === "associated" && a.CidrBlock && a.CidrBlock !== primary)
    .map((a) => a.CidrBlock as string);
  // Primary first: the Amazon DNS resolver sits at its base + 2.
  return [...(primary ? [primary] : []), ...associated];
}

/**
 * Resolves PODNET and SVCNET for the configured cluster: overrides win; otherwise DescribeCluster and the VPC's
 * CIDR associations. Throws `ConfigError` for a missing or IPv6 cluster and for overlapping ranges.
 * @param config validated stack configuration
 * @param clients AWS clients (only used when a lookup is needed)
 */
export async function resolveClusterNetwork(
  config: StackConfig,
  clients: AwsClients,
): Promise<ClusterNetwork> {
  let cluster: Cluster | undefined;
  let vpcBlocks: string[] = [];
  let lookedUpServices: string[] = [];
  if (config.clusterName) {
    cluster = await describeCluster(clients, config.clusterName);
    const net = cluster.kubernetesNetworkConfig;
    if (net?.ipFamily === "ipv6") {
      throw new ConfigError([
        `clusterName: ${JSON.stringify(config.clusterName)} is an IPv6 cluster (ipFamily ipv6, service range ` +
          `${net.serviceIpv6Cidr ?? "fc00::/7"}); IPv6 clusters are not supported yet (IPv4 clusters only)`,
      ]);
    }
    const vpcId = cluster.resourcesVpcConfig?.vpcId;
    if (!vpcId) {
      throw new ConfigError([`clusterName: cluster ${JSON.stringify(config.clusterName)} reports no VPC`]);
    }
    vpcBlocks = await vpcCidrs(clients, vpcId);
    if (!config.serviceCidrs) {
      const svc = net?.serviceIpv4Cidr;
      if (!svc || !isIpv4Cidr(svc)) {
        throw new ConfigError([
          `clusterName: cluster ${JSON.stringify(config.clusterName)} reports no IPv4 service range ` +
            `(serviceIpv4Cidr ${JSON.stringify(svc)}); set serviceCidrs`,
        ]);
      }
      lookedUpServices = [svc];
    }
  }
  const podCidrs = collapseCidrs(config.podCidrs ?? vpcBlocks);
  const serviceCidrs = collapseCidrs(config.serviceCidrs ?? lookedUpServices);
  const overlaps = overlappingPairs(podCidrs, serviceCidrs);
  if (overlaps.length) {
    throw new ConfigError(
      overlaps.map(
        ([pod, svc]) =>
          `podCidrs/serviceCidrs: pod range ${pod} (${config.podCidrs ? "config" : "VPC lookup"}) overlaps service ` +
          `range ${svc} (${config.serviceCidrs ? "config" : "DescribeCluster"}); the ranges must be disjoint`,
      ),
    );
  }
  const apiServer =
    cluster?.endpoint && cluster.certificateAuthority?.data
      ? { endpoint: cluster.endpoint, certificateAuthorityData: cluster.certificateAuthority.data }
      : undefined;
  return {
    clusterName: config.clusterName,
    vpcId: cluster?.resourcesVpcConfig?.vpcId,
    vpcCidrs: vpcBlocks,
    podCidrs,
    serviceCidrs,
    podCidrsSource: config.podCidrs ? "config" : "lookup",
    serviceCidrsSource: config.serviceCidrs ? "config" : "lookup",
    apiServer,
  };
}
