/**
 * The Kubernetes kinds whose pods can run on Fargate, with where each keeps its pod template. DaemonSets are left
 * out: EKS does not run them on Fargate (EKS user guide, AWS Fargate considerations).
 */

/** A workload kind that carries a pod template. */
export interface WorkloadKind {
  /** Kubernetes kind, e.g. `Deployment`. */
  kind: string;
  /** `apiVersion` of the objects. */
  apiVersion: string;
  /** Type token of the `@pulumi/kubernetes` resource, e.g. `kubernetes:apps/v1:Deployment`. */
  type: string;
  /** `kubectl` resource name, e.g. `deployment`. */
  resource: string;
  /** Property path from the object to its pod template (`metadata` + `spec`); empty for a Pod itself. */
  templatePath: readonly string[];
}

/** Every kind the sidecar is added to. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { kind: "Deployment", apiVersion: "apps/v1", resource: "deployment", templatePath: ["spec", "template"] },
  { kind: "StatefulSet", apiVersion: "apps/v1", resource: "statefulset", templatePath: ["spec", "template"] },
  { kind: "ReplicaSet", apiVersion: "apps/v1", resource: "replicaset", templatePath: ["spec", "template"] },
  {
    kind: "ReplicationController",
    apiVersion: "v1",
    resource: "replicationcontroller",
    templatePath: ["spec", "template"],
  },
  { kind: "Job", apiVersion: "batch/v1", resource: "job", templatePath: ["spec", "template"] },
  {
    kind: "CronJob",
    apiVersion: "batch/v1",
    resource: "cronjob",
    templatePath: ["spec", "jobTemplate", "spec", "template"],
  },
  { kind: "Pod", apiVersion: "v1", resource: "pod", templatePath: [] },
].map((k) => ({ ...k, type: pulumiType(k.apiVersion, k.kind) }));

function pulumiType(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  return `kubernetes:${group}/${version}:${kind}`;
}

/** The kind of a `@pulumi/kubernetes` resource type token, or undefined when it has no pod template we handle. */
export function workloadKindOfType(type: string): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find((k) => k.type === type);
}

/** The kind of a Kubernetes kind name, or undefined. */
export function workloadKind(kind: string): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find((k) => k.kind === kind);
}
