/**
 * Reads an EKS cluster's networking through the AWS provider (its invokes), so the lookups use exactly the
 * credentials, region and account the stack's resources are created with: the provider given in the resource
 * options, or the default provider with the stack's `aws:*` config (profile, assumed roles, shared credential
 * files, allowed accounts). No AWS SDK client is built here.
 */
import * as aws from "@pulumi/aws";
import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { argsError } from "../validation";
import type { EksFacts } from "./clusterNetwork";

/** The endpoint and CA of an EKS cluster, for a kubeconfig. */
export interface ApiServer {
  /** API server URL. */
  endpoint: string;
  /** Base64 CA bundle. */
  certificateAuthorityData: string;
}

/** Facts about a cluster found by name, plus its API server. */
export interface NamedClusterFacts {
  /** What the agent's ranges are computed from. */
  facts: EksFacts;
  /** Endpoint and CA; absent while the cluster is still being created. */
  apiServer?: ApiServer;
}

async function vpcFacts(
  vpcId: string | undefined,
  opts: pulumi.InvokeOptions,
): Promise<Pick<EksFacts, "vpcPrimaryCidr" | "vpcCidrAssociations">> {
  if (!vpcId) {
    return {};
  }
  const vpc = await aws.ec2.getVpc({ id: vpcId }, opts);
  return { vpcPrimaryCidr: vpc.cidrBlock, vpcCidrAssociations: vpc.cidrBlockAssociations };
}

/**
 * Looks an existing EKS cluster up by name (DescribeCluster and DescribeVpcs, through the provider).
 * @param name cluster name
 * @param opts invoke options: `parent` (its provider is used) or `provider`
 * @throws InputPropertiesError naming `cluster` when the provider cannot find it
 */
export async function lookupNamedCluster(
  name: string,
  opts: pulumi.InvokeOptions,
): Promise<NamedClusterFacts> {
  let cluster: aws.eks.GetClusterResult;
  try {
    cluster = await aws.eks.getCluster({ name }, opts);
  } catch (err) {
    throw argsError([
      {
        propertyPath: "cluster",
        reason:
          `${JSON.stringify(name)} could not be read through the AWS provider (${(err as Error).message}); ` +
          "check the name, the provider's region (aws:region) and its credentials",
      },
    ]);
  }
  const net = cluster.kubernetesNetworkConfigs?.[0];
  const vpcId = cluster.vpcConfig?.vpcId;
  const ca = cluster.certificateAuthorities?.[0]?.data;
  return {
    facts: {
      clusterName: name,
      ipFamily: net?.ipFamily,
      serviceIpv4Cidr: net?.serviceIpv4Cidr || undefined,
      serviceIpv6Cidr: net?.serviceIpv6Cidr || undefined,
      vpcId,
      ...(await vpcFacts(vpcId, opts)),
    },
    apiServer:
      cluster.endpoint && ca ? { endpoint: cluster.endpoint, certificateAuthorityData: ca } : undefined,
  };
}

/**
 * The facts of an `eks.Cluster` of `@pulumi/eks`, which may be created in the same update (then the Output stays
 * unknown during preview).
 * @param cluster the cluster component
 * @param opts invoke options for the VPC lookup
 */
export function eksClusterFacts(cluster: eks.Cluster, opts: pulumi.InvokeOptions): pulumi.Output<EksFacts> {
  const c = cluster.eksCluster;
  return pulumi
    .all([
      c.name,
      c.vpcConfig.vpcId,
      c.kubernetesNetworkConfig.ipFamily,
      c.kubernetesNetworkConfig.serviceIpv4Cidr,
      c.kubernetesNetworkConfig.serviceIpv6Cidr,
    ])
    .apply(async ([clusterName, vpcId, ipFamily, serviceIpv4Cidr, serviceIpv6Cidr]) => ({
      clusterName,
      vpcId,
      ipFamily,
      serviceIpv4Cidr: serviceIpv4Cidr || undefined,
      serviceIpv6Cidr: serviceIpv6Cidr || undefined,
      ...(await vpcFacts(vpcId, opts)),
    }));
}
