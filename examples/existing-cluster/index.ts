/**
 * ExtraHop pod packet forwarding for an EKS cluster that already exists, deployed with an explicit AWS provider that
 * assumes a role in the cluster's account: the component's lookups (DescribeCluster, DescribeVpcs) and every AWS
 * resource it creates (ECR repository, mirror target and filter, reconciler) go through that provider.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PodPacketForwarding } from "pod-packet-forwarding";

const config = new pulumi.Config();

const clusterAccount = new aws.Provider("cluster-account", {
  region: config.require("region") as aws.Region,
  assumeRoles: [
    {
      roleArn: config.require("deployRoleArn"),
      externalId: config.get("externalId"),
      sessionName: "pod-packet-forwarding",
    },
  ],
});

const forwarding = new PodPacketForwarding(
  "extrahop",
  {
    cluster: config.require("clusterName"),
    sensorIps: config.requireObject<string[]>("sensorIps"),
    rpcapdPackage: config.require("rpcapdPackage"),
    mirrorTarget: { networkLoadBalancerArn: config.require("sensorNlbArn") },
    tags: { team: "secops" },
  },
  { providers: { aws: clusterAccount } },
);

export const podCidrs = forwarding.podCidrs;
export const agentImage = forwarding.agentImage;
export const mirroredEnis = forwarding.mirroredEnis;
export const skippedMirrorSources = forwarding.skippedMirrorSources;
