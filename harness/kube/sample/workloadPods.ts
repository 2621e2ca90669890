/**
 * Pod objects of a workload as the API lists them once they run: named by their controller (a Deployment's pods
 * `<deployment>-<pod-template-hash>-<suffix>` through their ReplicaSet, a DaemonSet's `<daemonset>-<suffix>`, a
 * StatefulSet's `<statefulset>-<ordinal>`; kubernetes/kubernetes `pkg/controller`), owned by it (`ownerReferences`
 * with `controller: true`), labelled as the controller labels them (`pod-template-hash`, `controller-revision-hash`,
 * `pod-template-generation`, `statefulset.kubernetes.io/pod-name`), scheduled on a node (`spec.nodeName`,
 * `status.hostIP`) and Running with every container ready.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { PodObject } from "../../../components/coverage";
import { ADMISSION_DEFAULT_TOLERATIONS } from "../clusterObjects";
import type { SampleNode } from "./eksNodes";
import { generatedName, templateHash, uidFor } from "./generatedNames";

/** A Pod as the API lists it, typed both as upstream's Pod and as what the coverage report reads. */
export type SamplePod = IPod & PodObject;

/** The controller a pod belongs to. */
export type PodController =
  | { kind: "Deployment"; name: string }
  | { kind: "DaemonSet"; name: string }
  | { kind: "StatefulSet"; name: string; ordinal: number };

/** One container of the pod. */
export interface SampleContainer {
  /** Name. */
  name: string;
  /** Image. */
  image: string;
  /** Ports it listens on. */
  ports?: { name: string; containerPort: number; protocol?: "TCP" | "UDP" }[];
  /** Requests and limits (extended resources included, e.g. `vpc.amazonaws.com/pod-eni`). */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** A pod to list. */
export interface WorkloadPodSpec {
  /** Namespace. */
  namespace: string;
  /** Its controller. */
  controller: PodController;
  /** Labels of the pod template (the controller's own labels are added). */
  labels: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Node it runs on. */
  node: SampleNode;
  /** The pod's address; a hostNetwork pod has its node's. */
  podIp?: string;
  /** Uses the node's network namespace. */
  hostNetwork?: boolean;
  /** Containers. */
  containers: SampleContainer[];
  /** Scheduler (`fargate-scheduler` for pods EKS runs on Fargate). */
  schedulerName?: string;
  /** Service account. Default `default`. */
  serviceAccountName?: string;
  /** Priority class. */
  priorityClassName?: string;
  /** Tolerations. */
  tolerations?: IToleration[];
  /** When the pod was created. */
  created: string;
}

function internalIp(node: SampleNode): string {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
}

/** The pod's name, owner reference and controller labels. */
function controllerParts(
  namespace: string,
  c: PodController,
  seed: string,
): {
  name: string;
  owner: { apiVersion: string; kind: string; name: string };
  labels: Record<string, string>;
} {
  if (c.kind === "Deployment") {
    const hash = templateHash(`${namespace}/${c.name}`);
    const replicaSet = `${c.name}-${hash}`;
    return {
      name: generatedName(`${replicaSet}-`, seed),
      owner: { apiVersion: "apps/v1", kind: "ReplicaSet", name: replicaSet },
      labels: { "pod-template-hash": hash },
    };
  }
  if (c.kind === "DaemonSet") {
    return {
      name: generatedName(`${c.name}-`, seed),
      owner: { apiVersion: "apps/v1", kind: "DaemonSet", name: c.name },
      labels: {
        "controller-revision-hash": templateHash(`${namespace}/${c.name}`),
        "pod-template-generation": "1",
      },
    };
  }
  const name = `${c.name}-${c.ordinal}`;
  return {
    name,
    owner: { apiVersion: "apps/v1", kind: "StatefulSet", name: c.name },
    labels: {
      "apps.kubernetes.io/pod-index": String(c.ordinal),
      "controller-revision-hash": `${c.name}-${templateHash(`${namespace}/${c.name}`)}`,
      "statefulset.kubernetes.io/pod-name": name,
    },
  };
}

/**
 * A running pod of a workload.
 * @param spec where it runs and what it is
 * @param seed distinguishes the pods of one workload (the generated name suffix)
 */
export function workloadPod(spec: WorkloadPodSpec, seed: string): SamplePod {
  const parts = controllerParts(spec.namespace, spec.controller, `${spec.namespace}/${seed}`);
  const hostIp = internalIp(spec.node);
  const podIp = spec.hostNetwork ? hostIp : (spec.podIp ?? "");
  const started = new Date(Date.parse(spec.created) + 5_000).toISOString().replace(".000", "");
  const condition = (type: string) => ({ type, status: "True", lastTransitionTime: started });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: parts.name,
      namespace: spec.namespace,
      uid: uidFor(`pod/${spec.namespace}/${parts.name}`),
      creationTimestamp: spec.created,
      labels: { ...spec.labels, ...parts.labels },
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      ownerReferences: [
        {
          ...parts.owner,
          uid: uidFor(`${parts.owner.kind}/${spec.namespace}/${parts.owner.name}`),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      nodeName: spec.node.metadata.name,
      ...(spec.hostNetwork ? { hostNetwork: true } : {}),
      schedulerName: spec.schedulerName ?? "default-scheduler",
      serviceAccountName: spec.serviceAccountName ?? "default",
      ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
      restartPolicy: "Always",
      dnsPolicy: spec.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
      terminationGracePeriodSeconds: 30,
      containers: spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imagePullPolicy: "IfNotPresent" as const,
        ...(c.ports ? { ports: c.ports.map((p) => ({ protocol: "TCP" as const, ...p })) } : {}),
        resources: c.resources ?? {},
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File" as const,
      })),
      tolerations: [...(spec.tolerations ?? []), ...ADMISSION_DEFAULT_TOLERATIONS],
    },
    status: {
      phase: "Running",
      conditions: [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
      ].map(condition),
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      podIP: podIp,
      podIPs: [{ ip: podIp }],
      startTime: started,
      qosClass: spec.containers.some((c) => c.resources?.requests) ? "Burstable" : "BestEffort",
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: `${c.image.replace(/:[^/:]+$/, "")}@sha256:${uidFor(`image/${c.image}`).replace(/-/g, "").repeat(2)}`,
        containerID: `containerd://${uidFor(`container/${parts.name}/${c.name}`).replace(/-/g, "").repeat(2)}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: started } },
      })),
    },
  };
}
