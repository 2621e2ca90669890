/**
 * Whether the agent DaemonSet can run on a node, and why not, from the same rules the DaemonSet carries
 * (`components/agent/manifests.ts`): the exclusion label, not Fargate, Linux, the image's architecture, the extra
 * node selector, and the tolerations against the node's taints.
 *
 * Taints follow Kubernetes' rules ("Taints and Tolerations", https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/):
 * a toleration matches a taint when the keys are equal (or the toleration has no key and operator `Exists`), the
 * operator is `Exists` or the values are equal (`Equal`, the default), and the effects are equal (or the toleration
 * has none). `NoSchedule` and `NoExecute` taints keep a pod away unless tolerated; `PreferNoSchedule` does not.
 * The DaemonSet controller adds tolerations of its own to every DaemonSet pod ("DaemonSet", section "Taints and
 * tolerations", https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/): not-ready, unreachable,
 * disk-pressure, memory-pressure, pid-pressure, unschedulable, and network-unavailable for hostNetwork pods.
 */
import { FARGATE_COMPUTE_TYPE_LABEL } from "../fargate/fargateProfiles";
import type { NodeObject, Taint, Toleration } from "./clusterObjects";

/** How the agent is scheduled. */
export interface AgentScheduling {
  /** Namespace of the agent pods. */
  namespace: string;
  /** Label selecting the agent pods, e.g. `{ component: "extrahop-rpcapd" }`. */
  podLabels: Record<string, string>;
  /** Nodes with this label key get no agent. */
  excludeNodeLabel: string;
  /** CPU architecture of the agent image. */
  architecture: "amd64" | "arm64";
  /** Tolerations of the agent. */
  tolerations: Toleration[];
  /** Extra node selector of the agent. */
  nodeSelector?: Record<string, string>;
}

/** Tolerations the DaemonSet controller adds to every DaemonSet pod (the agent is a hostNetwork pod). */
export const DAEMONSET_TOLERATIONS: readonly Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" },
];

/** True when `toleration` tolerates `taint`. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  const operator = toleration.operator ?? "Equal";
  if (toleration.effect && toleration.effect !== taint.effect) {
    return false;
  }
  if (!toleration.key) {
    return operator === "Exists";
  }
  if (toleration.key !== taint.key) {
    return false;
  }
  return operator === "Exists" || (toleration.value ?? "") === (taint.value ?? "");
}

/** A taint as kubectl prints it: `key=value:Effect`. */
export function describeTaint(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}`;
}

/** True for a Fargate node (EKS labels every Fargate pod's node `eks.amazonaws.com/compute-type=fargate`). */
export function isFargateNode(node: NodeObject): boolean {
  return node.metadata.labels?.[FARGATE_COMPUTE_TYPE_LABEL] === "fargate";
}

/**
 * Why the agent cannot run on a node; empty when the DaemonSet schedules an agent there.
 * @param node the node
 * @param agent the agent's scheduling rules
 */
export function agentExclusions(node: NodeObject, agent: AgentScheduling): string[] {
  const labels = node.metadata.labels ?? {};
  const reasons: string[] = [];
  if (isFargateNode(node)) {
    reasons.push("Fargate node: DaemonSets do not run on Fargate");
  }
  if (agent.excludeNodeLabel in labels) {
    reasons.push(`excluded by the label ${agent.excludeNodeLabel}`);
  }
  const os = labels["kubernetes.io/os"] ?? node.status?.nodeInfo?.operatingSystem;
  if (os !== undefined && os !== "linux") {
    reasons.push(`operating system ${os} (the agent runs on linux)`);
  }
  const arch = labels["kubernetes.io/arch"] ?? node.status?.nodeInfo?.architecture;
  if (arch !== undefined && arch !== agent.architecture) {
    reasons.push(`architecture ${arch} (the agent image is ${agent.architecture})`);
  }
  for (const [key, value] of Object.entries(agent.nodeSelector ?? {})) {
    if (labels[key] !== value) {
      reasons.push(`not selected by the agent's nodeSelector ${key}=${value}`);
    }
  }
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === "PreferNoSchedule") {
      continue;
    }
    if (![...agent.tolerations, ...DAEMONSET_TOLERATIONS].some((t) => tolerates(t, taint))) {
      reasons.push(`untolerated taint ${describeTaint(taint)}`);
    }
  }
  return reasons;
}
