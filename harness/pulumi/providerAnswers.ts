/**
 * What the AWS provider's invokes answer for a fake account: the data-source shapes of pulumi-aws (the Terraform
 * AWS provider's `aws_eks_cluster` and `aws_vpc` data sources), read from the same world the fake EC2/EKS APIs serve.
 * Field mapping follows the provider's schema (`@pulumi/aws` `eks/getCluster.d.ts`, `ec2/getVpc.d.ts`); the
 * not-found message follows the Terraform provider ("reading EKS Cluster (name): couldn't find resource", as users
 * report it, e.g. terraform-aws-modules/terraform-aws-eks#2045), wrapped the way the engine returns a failed
 * invoke to the program (pulumi/pulumi `pkg/resource/deploy/source_eval.go`: "invocation of %v returned an
 * error: %w"; the Node SDK rethrows the gRPC error's `details` as the message).
 */

/** A provider failure as the mock monitor must hand it to the SDK: the engine's text in `details`. */
function invokeFailure(token: string, providerMessage: string): Error {
  const details = `invocation of ${token} returned an error: ${providerMessage}`;
  return Object.assign(new Error(details), { details });
}
import type { AwsWorld } from "../aws/world";

/** Answers an invoke from the world, or returns undefined when the token is not one of these. */
export function answerAwsInvoke(
  world: AwsWorld,
  token: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> | undefined {
  switch (token) {
    case "aws:eks/getCluster:getCluster":
      return getCluster(world, String(inputs.name));
    case "aws:ec2/getVpc:getVpc":
      return getVpc(world, String(inputs.id));
    default:
      return undefined;
  }
}

function getCluster(world: AwsWorld, name: string): Record<string, unknown> {
  const c = world.clusters.find((x) => x.name === name);
  if (!c) {
    throw invokeFailure(
      "aws:eks/getCluster:getCluster",
      `reading EKS Cluster (${name}): couldn't find resource`,
    );
  }
  const net = c.kubernetesNetworkConfig ?? {};
  return {
    id: name,
    name,
    arn: c.arn ?? "",
    endpoint: c.endpoint ?? "",
    status: c.status ?? "ACTIVE",
    version: c.version ?? "",
    certificateAuthorities: c.certificateAuthority?.data ? [{ data: c.certificateAuthority.data }] : [],
    kubernetesNetworkConfigs: [
      {
        ipFamily: net.ipFamily ?? "ipv4",
        serviceIpv4Cidr: net.serviceIpv4Cidr ?? "",
        serviceIpv6Cidr: net.serviceIpv6Cidr ?? "",
        elasticLoadBalancings: [],
      },
    ],
    vpcConfig: {
      vpcId: c.resourcesVpcConfig?.vpcId ?? "",
      subnetIds: c.resourcesVpcConfig?.subnetIds ?? [],
      securityGroupIds: c.resourcesVpcConfig?.securityGroupIds ?? [],
      clusterSecurityGroupId: c.resourcesVpcConfig?.clusterSecurityGroupId ?? "",
      endpointPrivateAccess: c.resourcesVpcConfig?.endpointPrivateAccess ?? false,
      endpointPublicAccess: c.resourcesVpcConfig?.endpointPublicAccess ?? true,
      publicAccessCidrs: c.resourcesVpcConfig?.publicAccessCidrs ?? [],
    },
    region: world.region,
    tags: c.tags ?? {},
  };
}

function getVpc(world: AwsWorld, id: string): Record<string, unknown> {
  const v = world.vpcs.find((x) => x.VpcId === id);
  if (!v) {
    throw invokeFailure("aws:ec2/getVpc:getVpc", "no matching EC2 VPC found");
  }
  return {
    id,
    arn: `arn:aws:ec2:${world.region}:${world.accountId}:vpc/${id}`,
    cidrBlock: v.CidrBlock ?? "",
    cidrBlockAssociations: (v.CidrBlockAssociationSet ?? []).map((a) => ({
      associationId: a.AssociationId ?? "",
      cidrBlock: a.CidrBlock ?? "",
      state: a.CidrBlockState?.State ?? "",
    })),
    ownerId: v.OwnerId ?? world.accountId,
    state: v.State ?? "available",
    tags: Object.fromEntries((v.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
  };
}
