// What the simulation's fake Kubernetes API answers: NodeList and PodList JSON shaped like a real EKS cluster's
// (k8s.io/api core/v1 Node and Pod), for a topology. Agent pods (hostNetwork) run on agent nodes; branch-ENI pods
// carry the `vpc.amazonaws.com/pod-eni` annotation the VPC resource controller writes; Fargate pods run on their own
// Fargate node (label `eks.amazonaws.com/compute-type=fargate`), with the capture sidecar container when asked.
// The awkward cases stay: a Succeeded job pod whose old IP now belongs to the VPC host, a Pending pod without IP.
import * as crypto from "crypto";
import {
  FargatePodSpec,
  NodeSpec,
  PodSpec,
  SECONDARY_VPC_CIDR,
  SimTopology,
  VPC_CIDR,
  VPC_HOST_IP,
  nodeIn,
} from "./topology";

/** When the simulated nodes and pods were created (older than any MIRROR_SETTLE). */
const CREATED = "2026-11-26T10:00:00Z";
/** Name of the capture sidecar container (SIDECAR_CONTAINER_NAME's default). */
export const SIDECAR_CONTAINER = "extrahop-rpcapd";

const readyCondition = [
  { type: "Initialized", status: "True" },
  { type: "Ready", status: "True" },
  { type: "ContainersReady", status: "True" },
  { type: "PodScheduled", status: "True" },
];

function uid(namespace: string, name: string): string {
  return crypto
    .createHash("md5")
    .update(namespace + name)
    .digest("hex")
    .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
}

interface PodOptions {
  hostNetwork?: boolean;
  phase?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  hostIP?: string;
  /** Extra containers, with their readiness. */
  sidecars?: { name: string; ready: boolean }[];
}

function podObject(
  name: string,
  namespace: string,
  nodeName: string,
  ip: string | undefined,
  opts: PodOptions = {},
): object {
  const phase = opts.phase ?? "Running";
  const containers = [{ name: "main", ready: phase === "Running" }, ...(opts.sidecars ?? [])];
  return {
    metadata: {
      name,
      namespace,
      uid: uid(namespace, name),
      resourceVersion: "4711",
      labels: opts.labels ?? { app: name.split("-")[0] },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      creationTimestamp: CREATED,
    },
    spec: {
      nodeName,
      hostNetwork: opts.hostNetwork ?? undefined,
      containers: containers.map((c) => ({
        name: c.name,
        image: "public.ecr.aws/docker/library/busybox:1.36",
      })),
      restartPolicy: phase === "Succeeded" ? "Never" : "Always",
    },
    status: {
      phase,
      hostIP: opts.hostIP,
      hostIPs: opts.hostIP ? [{ ip: opts.hostIP }] : undefined,
      podIP: ip,
      podIPs: ip ? [{ ip }] : undefined,
      conditions: phase === "Running" ? readyCondition : [{ type: "PodScheduled", status: "True" }],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        ready: c.ready,
        started: c.ready,
        restartCount: 0,
        state: c.ready
          ? { running: { startedAt: "2026-11-26T10:00:02Z" } }
          : { waiting: { reason: "ContainerCreating" } },
      })),
      startTime: "2026-11-26T10:00:01Z",
    },
  };
}

function fargateNodeName(f: FargatePodSpec): string {
  return `fargate-ip-${f.ip.replace(/\./g, "-")}.ec2.internal`;
}

function nodeObject(n: NodeSpec): object {
  return {
    metadata: {
      name: n.name,
      uid: uid("", n.name),
      creationTimestamp: CREATED,
      labels: {
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": n.instanceType,
        "eks.amazonaws.com/nodegroup": "ng-1",
        "topology.kubernetes.io/zone": "us-east-1a",
        ...(n.trunkEniId ? { "vpc.amazonaws.com/has-trunk-attached": "true" } : {}),
        ...(n.agent ? {} : { "extrahop/norpcapd": "true" }),
      },
    },
    spec: { providerID: `aws:///us-east-1a/${n.instanceId}` },
    status: {
      addresses: [
        { type: "InternalIP", address: n.ip },
        { type: "InternalDNS", address: n.name },
        { type: "Hostname", address: n.name },
      ],
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

function fargateNodeObject(f: FargatePodSpec): object {
  const name = fargateNodeName(f);
  return {
    metadata: {
      name,
      uid: uid("", name),
      creationTimestamp: CREATED,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "eks.amazonaws.com/compute-type": "fargate",
        "topology.kubernetes.io/zone": "us-east-1a",
      },
    },
    spec: {
      providerID: `aws:///us-east-1a/${crypto.createHash("md5").update(name).digest("hex").slice(0, 10)}/${name}`,
      taints: [{ key: "eks.amazonaws.com/compute-type", value: "fargate", effect: "NoSchedule" }],
    },
    status: {
      addresses: [
        { type: "InternalIP", address: f.ip },
        { type: "InternalDNS", address: name },
        { type: "Hostname", address: name },
      ],
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

/** The `vpc.amazonaws.com/pod-eni` annotation of a branch-ENI pod (as the VPC resource controller writes it). */
function podEniAnnotation(p: PodSpec): string {
  const mac = `02:${crypto
    .createHash("md5")
    .update(p.name)
    .digest("hex")
    .slice(0, 10)
    .replace(/(..)(?!$)/g, "$1:")}`;
  return JSON.stringify([
    {
      eniId: `eni-0${crypto.createHash("md5").update(p.name).digest("hex").slice(0, 16)}`,
      ifAddress: mac,
      privateIp: p.ip,
      vlanId: p.vlanId,
      subnetCidr: p.ip.startsWith("100.64.") ? SECONDARY_VPC_CIDR : VPC_CIDR,
    },
  ]);
}

/** What the API shows about the simulation's Fargate pods. */
export interface FargateApiState {
  /** The pod declares the capture sidecar container. */
  sidecar: boolean;
  /** That container is ready. */
  sidecarReady: boolean;
}

/** What GET /api/v1/nodes answers (shape of a real EKS NodeList). */
export function nodesJson(t: SimTopology): object {
  return {
    kind: "NodeList",
    apiVersion: "v1",
    metadata: { resourceVersion: "4711" },
    items: [...t.nodes.map(nodeObject), ...t.fargatePods.map(fargateNodeObject)],
  };
}

/**
 * What GET /api/v1/pods answers: workload pods, agent pods (hostNetwork) on agent nodes, kube-proxy, Fargate pods
 * (with or without the sidecar), and the awkward cases. `extra` adds pods (churn); `without` removes pods by key.
 */
export function podsJson(
  t: SimTopology,
  opts: { extra?: { node: string; pod: PodSpec }[]; without?: string[]; fargate?: FargateApiState } = {},
): object {
  const items: object[] = [];
  const without = new Set(opts.without ?? []);
  for (const x of opts.extra ?? []) {
    const n = nodeIn(t, x.node);
    items.push(podObject(x.pod.name, "default", n.name, x.pod.ip, { hostIP: n.ip }));
  }
  for (const n of t.nodes) {
    for (const p of n.pods.filter((x) => !without.has(x.key))) {
      items.push(
        podObject(p.name, "default", n.name, p.ip, {
          hostIP: n.ip,
          ...(p.vlanId !== undefined
            ? { annotations: { "vpc.amazonaws.com/pod-eni": podEniAnnotation(p) } }
            : {}),
        }),
      );
    }
    if (n.agent) {
      items.push(
        podObject(`extrahop-rpcapd-${n.key.toLowerCase()}x7k`, "extrahop", n.name, n.ip, {
          hostNetwork: true,
          labels: { component: "extrahop-rpcapd", "controller-revision-hash": "6d5f9c" },
          hostIP: n.ip,
        }),
      );
    }
    items.push(
      podObject(`kube-proxy-${n.key.toLowerCase()}q2w`, "kube-system", n.name, n.ip, {
        hostNetwork: true,
        labels: { "k8s-app": "kube-proxy" },
        hostIP: n.ip,
      }),
    );
  }
  const fargate = opts.fargate ?? { sidecar: false, sidecarReady: false };
  for (const f of t.fargatePods.filter((x) => !without.has(x.key))) {
    items.push(
      podObject(f.name, "reports", fargateNodeName(f), f.ip, {
        hostIP: f.ip,
        labels: { app: "report", "eks.amazonaws.com/fargate-profile": "reports" },
        sidecars: fargate.sidecar ? [{ name: SIDECAR_CONTAINER, ready: fargate.sidecarReady }] : [],
      }),
    );
  }
  const b = nodeIn(t, "B");
  items.push(
    podObject("report-28811234-zx9", "default", b.name, VPC_HOST_IP, { phase: "Succeeded", hostIP: b.ip }),
  );
  items.push(podObject("pending-0", "default", nodeIn(t, "A").name, undefined, { phase: "Pending" }));
  return { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "4711" }, items };
}
