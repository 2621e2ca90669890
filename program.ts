/**
 * The program factory shared by `index.ts` (pulumi up), the Automation API and the offline plan: validate
 * everything and look everything up first, then create resources, so bad input never half-applies.
 */
import * as path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient } from "@aws-sdk/client-eks";
import * as pulumi from "@pulumi/pulumi";
import { checkRpcapdPackage, stageBuildContext } from "./components/agent/buildContext";
import type { AgentEnvironment } from "./components/agent/environment";
import { resolveClusterNetwork, type AwsClients, type ClusterNetwork } from "./components/network/eksNetwork";
import { ConfigError, parseStackConfig, type StackConfig } from "./components/config";
import { discoverFleet } from "./lambda/reconciler/fleet/discovery";
import { eksKubeconfig } from "./components/network/kubeconfig";
import { mirroredOnlyViolations } from "./components/mirror/mirroredOnlyCheck";
import {
  MirrorFilterInputError,
  planMirrorFilter,
  type MirrorFilterPlan,
} from "./components/mirror/filterRules";
import { PodPacketForwarding, type DaemonSetRef } from "./components/podPacketForwarding";

/** What the program needs from its surroundings; every field has a production default. */
export interface ProgramOptions {
  /** AWS region; default `aws:region` config, then `AWS_REGION`. */
  region?: string;
  /** AWS clients; default SDK v3 clients for `region`. Tests and the plan pass intercepted ones. */
  clients?: AwsClients;
  /** Directory relative paths in config are resolved against; default the process's working directory. */
  projectDir?: string;
  /** Folder of `agent/` (Dockerfile, entrypoint); default the one next to this file. */
  agentDir?: string;
  /** Where build contexts are staged; default `<projectDir>/.build/agent-context`. */
  stagingRoot?: string;
  /** Name of the component (and prefix of every resource). Default `pod-packet-forwarding`. */
  name?: string;
  /** Parent of the component, when the program runs inside another component (the plugin's `ClusterForwarding`). */
  parent?: pulumi.Resource;
}

/** The stack outputs: what a person acts on after `pulumi up`. */
export interface StackOutputs {
  /** PODNET. */
  podCidrs: string[];
  /** SVCNET. */
  serviceCidrs: string[];
  /** Env the agent runs with. */
  agentEnvironment: AgentEnvironment;
  /** Image reference (`repo@sha256:...`). */
  agentImage: pulumi.Output<string>;
  /** ENIs mirrored at deploy time. */
  mirroredEnis: string[];
  /** Instances/ENIs left out of mirroring, with reasons. */
  skippedMirrorSources: { instanceId: string; instanceType: string; reason: string; detail: string }[];
  /** Addresses inside `mirroredOnlyCidrs` on ENIs without a session (their packets are lost). */
  mirroredOnlyViolations: { cidr: string; address: string; holder: string }[];
  /** Result of the deploy-time mirror reconcile (JSON), when mirroring. */
  mirrorReconcileResult: pulumi.Output<string | undefined>;
  /** The agent DaemonSet. */
  daemonSet: DaemonSetRef;
  /** What is left to configure on the sensor. */
  sensorSteps: string[];
}

/** Default SDK clients for a region. */
export function defaultAwsClients(region: string): AwsClients {
  return { region, eks: new EKSClient({ region }), ec2: new EC2Client({ region }) };
}

/**
 * Runs the program for a raw configuration object (stack config or Automation API input).
 * @throws ConfigError naming the key, the value and what is allowed, before any resource is registered
 */
export async function podPacketForwardingProgram(
  rawConfig: unknown,
  options: ProgramOptions = {},
): Promise<StackOutputs> {
  const config = parseStackConfig(rawConfig);
  const projectDir = options.projectDir ?? process.cwd();
  const packagePath =
    config.rpcapdPackage && !config.agentImage
      ? checkRpcapdPackage(config.rpcapdPackage, projectDir)
      : undefined;
  if (!config.kubeconfig && !config.clusterName) {
    throw new ConfigError([
      "kubeconfig: is required when clusterName is not set (no EKS lookup to build one from)",
    ]);
  }
  const region =
    options.clients?.region ??
    options.region ??
    new pulumi.Config("aws").get("region") ??
    process.env.AWS_REGION;
  if (config.clusterName && !region) {
    throw new ConfigError([
      "aws:region: is required to look up the EKS cluster (pulumi config set aws:region us-east-1)",
    ]);
  }
  const clients = options.clients ?? defaultAwsClients(region as string);

  const network = await resolveClusterNetwork(config, clients);
  const fleet =
    config.mirrorTarget && config.clusterName
      ? await discoverFleet(clients.ec2, {
          clusterName: config.clusterName,
          unsupportedInstanceTypes: config.mirrorUnsupportedInstanceTypes,
        })
      : undefined;
  const mirrorFilterPlan = config.mirrorTarget ? mirrorFilter(config, network) : undefined;
  const mirroredOnlyProblems =
    fleet && network.vpcId && config.mirroredOnlyCidrs
      ? await mirroredOnlyViolations(clients.ec2, network.vpcId, config.mirroredOnlyCidrs, fleet)
      : [];
  for (const v of mirroredOnlyProblems) {
    pulumi.log.warn(
      `mirroredOnlyCidrs: ${v.cidr} holds ${v.address} on ${v.holder}, which has no mirror session: ` +
        "its packets with mirrored pods are lost (see docs/mirroring.md); remove the CIDR or mirror that ENI",
    );
  }
  const kubeconfig =
    config.kubeconfig ?? kubeconfigFromLookup(config.clusterName as string, clients.region, network);
  const buildContext = packagePath
    ? stageBuildContext(
        options.agentDir ?? path.join(__dirname, "agent"),
        packagePath,
        options.stagingRoot ?? path.join(projectDir, ".build", "agent-context"),
      )
    : undefined;

  const ppf = new PodPacketForwarding(
    options.name ?? "pod-packet-forwarding",
    {
      config,
      network,
      fleet,
      mirrorFilterPlan,
      buildContext,
      kubeconfig: pulumi.secret(kubeconfig),
    },
    { parent: options.parent },
  );
  return {
    podCidrs: ppf.podCidrs,
    serviceCidrs: ppf.serviceCidrs,
    agentEnvironment: ppf.agentEnvironment,
    agentImage: ppf.imageRef,
    mirroredEnis: ppf.mirroredEnis,
    skippedMirrorSources: ppf.skippedMirrorSources,
    mirroredOnlyViolations: mirroredOnlyProblems,
    mirrorReconcileResult: ppf.mirrorReconcileResult,
    daemonSet: ppf.daemonSet,
    sensorSteps: ppf.sensorSteps,
  };
}

/** The filter rules for the validated config, with input problems reported as config problems. */
function mirrorFilter(config: StackConfig, network: ClusterNetwork): MirrorFilterPlan {
  try {
    return planMirrorFilter({
      vpcCidrs: network.vpcCidrs,
      mirroredOnlyCidrs: config.mirroredOnlyCidrs,
      sensorIps: config.sensorIps,
      sensorPort: config.sensorPort,
      mirrorAmazonDns: config.mirrorAmazonDns,
    });
  } catch (err) {
    // Its message already starts with the input at fault (sensorIps[2], mirroredOnlyCidrs[0], ...).
    if (err instanceof MirrorFilterInputError) {
      throw new ConfigError([err.message]);
    }
    throw err;
  }
}

/** A kubeconfig from DescribeCluster's endpoint and CA, or a config error when the cluster reports neither. */
function kubeconfigFromLookup(clusterName: string, region: string, network: ClusterNetwork): string {
  if (!network.apiServer) {
    throw new ConfigError([
      `clusterName: cluster ${JSON.stringify(clusterName)} reports no API endpoint or CA yet (is it still CREATING?); ` +
        "wait for ACTIVE or set kubeconfig",
    ]);
  }
  return eksKubeconfig({ clusterName, region, ...network.apiServer });
}
