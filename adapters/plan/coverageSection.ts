/**
 * The plan's "Coverage" section: who reports the packets of every node, Fargate profile and workload, uncovered
 * first. The plan reaches no cluster, so on the built-in sample it lists the sample cluster's own Nodes and Pods
 * (`harness/kube/sample/`, which match the sample account's EC2 side), counts an agent wherever the DaemonSet would
 * schedule one (as a preview does) and takes mirroring from the plan's own deploy-time reconcile. For an account
 * built from the user's AWS CLI output it invents nothing: the report needs the cluster's API, which the coverage
 * command reads after the deployment.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import { AGENT_NAME } from "../../components/agent/manifests";
import { DEFAULT_MIRROR_SETTLE_SECONDS } from "../../components/contract/agentEnv";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "../../components/contract/mirrorableInstanceTypes";
import {
  coverageReport,
  renderCoverage,
  type CoverageReport,
  type InstanceEnis,
} from "../../components/coverage";
import { mirrorSettleSeconds } from "../../components/mirror/settle";
import type { ResolvedArgs } from "../../components/validation";
import { sampleKubernetes, SAMPLE_LISTED_AT } from "../../harness/kube/sample/sampleKubernetes";
import type { PlanInputs } from "./planInputs";
import type { PlanResult } from "./runPlan";

/** The command that reports coverage from the live cluster once the stack is deployed. */
export const LIVE_COVERAGE_COMMAND = "npx pod-packet-forwarding coverage --stack <stack>";

/** The ENIs EC2 shows attached to each instance. */
function instanceEnis(instances: Instance[]): InstanceEnis[] {
  return instances.map((i) => ({
    instanceId: i.InstanceId ?? "",
    instanceType: i.InstanceType,
    networkInterfaces: (i.NetworkInterfaces ?? []).map((e) => ({
      networkInterfaceId: e.NetworkInterfaceId ?? "",
      interfaceType: e.InterfaceType ?? "interface",
      deviceIndex: e.Attachment?.DeviceIndex,
    })),
  }));
}

/**
 * The coverage report of the plan, or undefined when the plan has no Kubernetes side to compute it from (an account
 * from the user's AWS CLI output, or a cluster without EKS).
 * @param inputs the plan's inputs
 * @param result what the program did under the plan
 * @param args the resolved configuration
 */
export function planCoverage(
  inputs: PlanInputs,
  result: PlanResult,
  args: ResolvedArgs,
): CoverageReport | undefined {
  if (inputs.worldSource !== "sample" || typeof inputs.config.clusterName !== "string") {
    return undefined;
  }
  const kube = sampleKubernetes(inputs.world);
  return coverageReport({
    nodes: kube.nodes,
    pods: kube.pods,
    fargateProfiles: args.fargateProfiles ?? [],
    agent: {
      namespace: args.namespace,
      podLabels: { component: AGENT_NAME },
      excludeNodeLabel: args.excludeNodeLabel,
      architecture: args.imagePlatform === "linux/arm64" ? "arm64" : "amd64",
      tolerations: args.tolerations,
      nodeSelector: args.nodeSelector,
    },
    agentPods: "scheduled",
    mirroring: {
      enabled: args.mirrorTarget !== undefined,
      mirroredEnis: result.outputs.mirroredEnis,
      skipped: result.outputs.skippedMirrorSources,
      unsupportedInstanceTypes: args.mirrorUnsupportedInstanceTypes ?? DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
      instances: instanceEnis(inputs.world.instances),
      settleSeconds: mirrorSettleSeconds(args.reconcileSchedule, DEFAULT_MIRROR_SETTLE_SECONDS),
    },
    now: kube.listedAt,
  });
}

/**
 * The section's lines.
 * @param report the plan's coverage report, undefined when there is none
 * @param mirroring whether the configuration mirrors (then the reconcile's sessions count)
 */
export function coverageSection(report: CoverageReport | undefined, mirroring: boolean): string[] {
  if (!report) {
    return [
      "Coverage: needs the cluster's Kubernetes API (Nodes, Pods), which the offline plan does not reach.",
      `  After pulumi up: ${LIVE_COVERAGE_COMMAND}  (every node, Fargate profile and workload, uncovered first)`,
      "",
    ];
  }
  const [summary, ...entries] = renderCoverage(report);
  return [
    `${summary}`,
    `  (the sample cluster's Nodes and Pods as listed at ${SAMPLE_LISTED_AT}; an agent wherever the DaemonSet ` +
      `would run one; ${mirroring ? "mirroring as the reconcile below decided" : "no VPC Traffic Mirroring"})`,
    ...entries.map((l) => `  ${l}`),
    "",
  ];
}
