/**
 * An EKS cluster and ExtraHop pod packet forwarding, created together in one program: the component reads the
 * cluster's VPC, service range and kubeconfig, and deploys the agent once the cluster exists.
 */
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { PodPacketForwarding } from "pod-packet-forwarding";

const config = new pulumi.Config();

const cluster = new eks.Cluster("prod", {
  vpcId: config.require("vpcId"),
  privateSubnetIds: config.requireObject<string[]>("privateSubnetIds"),
  instanceType: "m5.large",
  desiredCapacity: 3,
  minSize: 3,
  maxSize: 6,
});

const forwarding = new PodPacketForwarding("extrahop", {
  cluster,
  sensorIps: config.requireObject<string[]>("sensorIps"),
  // A prebuilt image (see the package's agent/Dockerfile); or `rpcapdPackage` to build one into ECR.
  agentImage: config.require("agentImage"),
});

export const podCidrs = forwarding.podCidrs;
export const serviceCidrs = forwarding.serviceCidrs;
export const agentEnvironment = forwarding.agentEnvironment;
export const sensorSteps = forwarding.sensorSteps;
