/**
 * The coverage report at deploy time, for the component's output: the cluster's Nodes and Pods read with the
 * kubeconfig the component deploys with, the mirroring facts from the deploy-time reconcile (`MirrorOutcome`), and
 * the agent's scheduling rules from the resolved arguments.
 *
 * During a preview (or before the DaemonSet has rolled out) no agent pod exists yet, so `agentPods: "scheduled"`
 * counts every node the DaemonSet selects as having one; after the rollout, `observed` reports what runs.
 */
import { kubernetesClientFromKubeconfig } from "../network/kubernetesClient";
import type { MirrorOutcome } from "../mirror/reconcileOutcome";
import type { FargateProfile } from "../fargate/fargateProfiles";
import type { AgentScheduling } from "./agentScheduling";
import { readClusterState } from "./clusterState";
import { coverageReport, type CoverageReport } from "./coverageReport";

/** What the component has at deploy time. */
export interface DeployTimeCoverageInputs {
  /** The kubeconfig the component deploys with. */
  kubeconfig: string;
  /** The agent's scheduling rules (namespace, pod labels, exclusion label, architecture, tolerations, selector). */
  agent: AgentScheduling;
  /** `scheduled` in a preview or before the rollout, `observed` after it. */
  agentPods: "observed" | "scheduled";
  /** The cluster's Fargate profiles (argument `fargateProfiles`). */
  fargateProfiles: FargateProfile[];
  /** Mirroring: whether configured, the deploy-time reconcile's outcome, the unsupported types and settle time. */
  mirroring: {
    enabled: boolean;
    outcome: MirrorOutcome;
    unsupportedInstanceTypes: readonly string[];
    settleSeconds: number;
  };
}

/**
 * Reads the cluster and computes the report.
 * @param inputs see {@link DeployTimeCoverageInputs}
 */
export async function deployTimeCoverage(inputs: DeployTimeCoverageInputs): Promise<CoverageReport> {
  const state = await readClusterState(kubernetesClientFromKubeconfig(inputs.kubeconfig));
  return coverageReport({
    nodes: state.nodes,
    pods: state.pods,
    fargateProfiles: inputs.fargateProfiles,
    agent: inputs.agent,
    agentPods: inputs.agentPods,
    mirroring: {
      enabled: inputs.mirroring.enabled,
      mirroredEnis: inputs.mirroring.outcome.mirrored,
      skipped: inputs.mirroring.outcome.skipped,
      unsupportedInstanceTypes: inputs.mirroring.unsupportedInstanceTypes,
      settleSeconds: inputs.mirroring.settleSeconds,
    },
  });
}
