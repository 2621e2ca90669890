/**
 * What the membership rule needs to know about a Pod, read from the API object (core/v1 Pod: `metadata`,
 * `spec.nodeName`, `spec.hostNetwork`, `status.phase`, `status.podIPs`, `status.conditions`,
 * `status.containerStatuses`). Everything else in the object is dropped as soon as this is read.
 */
import type { LabelMatcher } from "../kube/labelSelector";
import { Ipv4, parseIpv4 } from "./ipv4";

/** Annotation the VPC resource controller puts on pods that have a branch ENI (security groups for pods). */
export const BRANCH_ENI_ANNOTATION = "vpc.amazonaws.com/pod-eni";

/** The facts of one pod. */
export interface PodFacts {
  /** metadata.uid: the identity across events (a re-created pod with the same name is another pod). */
  readonly uid: string;
  /** spec.nodeName; undefined while unscheduled. */
  readonly nodeName: string | undefined;
  /** IPv4 addresses from status.podIPs (status.podIP when podIPs is absent). */
  readonly ips: readonly Ipv4[];
  /** spec.hostNetwork: the pod uses its node's addresses. */
  readonly hostNetwork: boolean;
  /** status.phase is Succeeded or Failed: its address may already belong to someone else. */
  readonly finished: boolean;
  /** One of the agent's own pods (agent namespace, agent selector). */
  readonly agent: boolean;
  /** An agent pod that captures now: Running, Ready and not terminating. */
  readonly agentReady: boolean;
  /** Has a branch ENI (annotation `vpc.amazonaws.com/pod-eni`): trunk and branch ENIs cannot be mirrored. */
  readonly branchEni: boolean;
  /** Its capture sidecar container is ready: the sidecar reports every packet the pod sends or receives. */
  readonly sidecarReady: boolean;
}

/** How to recognise agent pods and capture sidecars. */
export interface PodReading {
  /** Namespace of the agent DaemonSet's pods. */
  agentNamespace: string;
  /** The agent selector (e.g. `component=extrahop-rpcapd`), parsed. */
  isAgent: LabelMatcher;
  /** Name of the capture sidecar container in Fargate pods. */
  sidecarContainerName: string;
}

interface PodObject {
  metadata?: {
    uid?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string | null;
  };
  spec?: { nodeName?: string; hostNetwork?: boolean };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip?: string }[];
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: { name?: string; ready?: boolean }[];
    initContainerStatuses?: { name?: string; ready?: boolean }[];
  };
}

function ipv4sOf(status: PodObject["status"]): Ipv4[] {
  const texts = status?.podIPs && status.podIPs.length > 0 ? status.podIPs.map((p) => p.ip) : [status?.podIP];
  const out: Ipv4[] = [];
  for (const t of texts) {
    const ip = typeof t === "string" ? parseIpv4(t) : undefined;
    if (ip !== undefined && !out.includes(ip)) {
      out.push(ip);
    }
  }
  return out;
}

/** Reads a Pod object; undefined when it has no uid (not a pod). */
export function podFacts(object: unknown, reading: PodReading): PodFacts | undefined {
  const pod = object as PodObject;
  const uid = pod?.metadata?.uid;
  if (typeof uid !== "string" || uid === "") {
    return undefined;
  }
  const meta = pod.metadata ?? {};
  const status = pod.status ?? {};
  const phase = status.phase;
  const ready = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  const agent = meta.namespace === reading.agentNamespace && reading.isAgent(meta.labels);
  // Native sidecars (init containers with restartPolicy Always) report their readiness in initContainerStatuses.
  const sidecarReady = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].some(
    (c) => c.name === reading.sidecarContainerName && c.ready === true,
  );
  return {
    uid,
    nodeName: pod.spec?.nodeName || undefined,
    ips: ipv4sOf(status),
    hostNetwork: pod.spec?.hostNetwork === true,
    finished: phase === "Succeeded" || phase === "Failed",
    agent,
    // A terminating agent still captures during its grace period, but the others take over at once: an overlap
    // (duplicates), never a gap (misses).
    agentReady: agent && phase === "Running" && ready && !meta.deletionTimestamp,
    branchEni: meta.annotations?.[BRANCH_ENI_ANNOTATION] !== undefined,
    sidecarReady,
  };
}
