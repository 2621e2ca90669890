/**
 * The workload a pod belongs to, following the controllers' naming (kubernetes/kubernetes, `pkg/controller`):
 * - a Deployment names its ReplicaSets `<deployment>-<pod-template-hash>` and labels their pods
 *   `pod-template-hash=<hash>` (`deployment/sync.go`), so a ReplicaSet owner whose name ends with the pod's hash
 *   belongs to the Deployment of the remaining name;
 * - a CronJob names its Jobs `<cronjob>-<scheduled time in minutes since the epoch>` (`cronjob/utils.go`,
 *   `getJobName`), so a Job owner named `<name>-<8 or 9 digits>` whose number is a time between 2015 and 2100 is
 *   taken as a run of CronJob `<name>` (a hand-made Job named that way would be grouped the same way);
 * - any other controller is the workload itself, and a pod without one is its own workload.
 */
import type { PodObject } from "./clusterObjects";

/** A workload: namespace, kind and name. */
export interface WorkloadRef {
  /** Namespace. */
  namespace: string;
  /** Kind (`Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`, `Pod`, ...). */
  kind: string;
  /** Name. */
  name: string;
}

/** Minutes since the epoch of 2015-01-01 and 2100-01-01: the range a CronJob's Job suffix falls in. */
const CRONJOB_MINUTES = { min: Date.UTC(2015, 0, 1) / 60000, max: Date.UTC(2100, 0, 1) / 60000 };

/** The workload of a pod. */
export function workloadOf(pod: PodObject): WorkloadRef {
  const namespace = pod.metadata.namespace ?? "default";
  const owner =
    (pod.metadata.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) {
    return { namespace, kind: "Pod", name: pod.metadata.name };
  }
  if (owner.kind === "ReplicaSet") {
    const hash = pod.metadata.labels?.["pod-template-hash"];
    if (hash && owner.name.endsWith(`-${hash}`)) {
      return { namespace, kind: "Deployment", name: owner.name.slice(0, -hash.length - 1) };
    }
  }
  if (owner.kind === "Job") {
    const m = /^(.+)-(\d{8,9})$/.exec(owner.name);
    if (m && Number(m[2]) >= CRONJOB_MINUTES.min && Number(m[2]) <= CRONJOB_MINUTES.max) {
      return { namespace, kind: "CronJob", name: m[1] };
    }
  }
  return { namespace, kind: owner.kind, name: owner.name };
}

/** `namespace/Kind/name`. */
export function describeWorkload(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}
