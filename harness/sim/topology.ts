// The simulated EKS cluster: addresses, pods, services. Plain data, shared by
// the harness (cluster.ts), the traffic matrix (matrix.ts) and benchmarks.
import * as crypto from "crypto";

export const VPC_CIDR = "10.77.0.0/16";
export const VPC_ROUTER = "10.77.0.1";
export const PODNET = VPC_CIDR; // pods take addresses from the nodes' subnets, as with the VPC CNI
export const SVCNET = "10.100.0.0/16";
export const SENSOR_IP = "10.77.9.9";
export const SENSOR_PORT = 2003;
export const API_IP = "10.77.9.10";
export const API_PORT = 8080;
export const API_TOKEN = "sim-serviceaccount-token";
export const VPC_HOST_IP = "10.77.5.5"; // a VPC host that is not a node (a database, an endpoint)
export const INET_IP = "198.51.100.10"; // an internet host behind the VPC's router
export const INET_ROUTER_IP = "198.51.100.1";

/** Ports of the echo servers every worker runs. */
export const POD_TCP = 8080;
export const POD_UDP = 9000;
/** Ports of the hostNetwork echo servers on nodes (a hostNetwork pod). */
export const HOST_TCP = 7000;
export const HOST_UDP = 7001;
export const NODEPORT_TCP = 30080;
export const NODEPORT_UDP = 30090;

export interface PodSpec {
  key: string;
  name: string;
  ip: string;
}

export interface NodeSpec {
  key: string;
  /** Kubernetes node name (EKS style). */
  name: string;
  ip: string;
  /** Runs the agent (false: labelled extrahop/norpcapd, no agent pod). */
  agent: boolean;
  pods: PodSpec[];
}

export const NODES: NodeSpec[] = [
  {
    key: "A",
    name: "ip-10-77-0-10.ec2.internal",
    ip: "10.77.0.10",
    agent: true,
    pods: [
      { key: "A1", name: "web-7d9c-a1", ip: "10.77.1.11" },
      { key: "A2", name: "api-5f6b-a2", ip: "10.77.1.12" },
    ],
  },
  {
    key: "B",
    name: "ip-10-77-0-20.ec2.internal",
    ip: "10.77.0.20",
    agent: true,
    pods: [{ key: "B1", name: "api-5f6b-b1", ip: "10.77.1.21" }],
  },
  {
    key: "C",
    name: "ip-10-77-0-30.ec2.internal",
    ip: "10.77.0.30",
    agent: false,
    pods: [{ key: "C1", name: "batch-c1", ip: "10.77.1.31" }],
  },
];

export interface ServiceSpec {
  ip: string;
  port: number;
  backend: string; // pod key
}

/** ClusterIP services (tcp and udp on the same port) with a single backend each. */
export const SERVICES: Record<string, ServiceSpec> = {
  local: { ip: "10.100.0.10", port: 80, backend: "A2" }, // local to node A
  remote: { ip: "10.100.0.20", port: 80, backend: "B1" }, // remote from node A
};
/** NodePort service on every node, backend pod B1. */
export const NODEPORT_BACKEND = "B1";

export function allPods(): (PodSpec & { node: NodeSpec })[] {
  return NODES.flatMap((n) => n.pods.map((p) => ({ ...p, node: n })));
}

export function pod(key: string): PodSpec & { node: NodeSpec } {
  const p = allPods().find((x) => x.key === key);
  if (!p) {
    throw new Error(`no pod ${key}`);
  }
  return p;
}

export function node(key: string): NodeSpec {
  const n = NODES.find((x) => x.key === key);
  if (!n) {
    throw new Error(`no node ${key}`);
  }
  return n;
}

/** Host-side veth name as the VPC CNI makes it: "eni" + 11 hex chars of a hash of namespace.name. */
export function hostVethName(podName: string, namespace = "default"): string {
  return "eni" + crypto.createHash("sha1").update(`${namespace}.${podName}`).digest("hex").slice(0, 11);
}

const readyCondition = [
  { type: "Initialized", status: "True" },
  { type: "Ready", status: "True" },
  { type: "ContainersReady", status: "True" },
  { type: "PodScheduled", status: "True" },
];

function podObject(
  name: string,
  namespace: string,
  nodeName: string,
  ip: string | undefined,
  opts: { hostNetwork?: boolean; phase?: string; labels?: Record<string, string>; hostIP?: string } = {},
): object {
  const phase = opts.phase ?? "Running";
  return {
    metadata: {
      name,
      namespace,
      uid: crypto
        .createHash("md5")
        .update(namespace + name)
        .digest("hex")
        .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-"),
      resourceVersion: "4711",
      labels: opts.labels ?? { app: name.split("-")[0] },
      creationTimestamp: "2026-11-26T10:00:00Z",
    },
    spec: {
      nodeName,
      hostNetwork: opts.hostNetwork ?? undefined,
      containers: [{ name: "main", image: "public.ecr.aws/docker/library/busybox:1.36" }],
      restartPolicy: phase === "Succeeded" ? "Never" : "Always",
    },
    status: {
      phase,
      hostIP: opts.hostIP,
      hostIPs: opts.hostIP ? [{ ip: opts.hostIP }] : undefined,
      podIP: ip,
      podIPs: ip ? [{ ip }] : undefined,
      conditions: phase === "Running" ? readyCondition : [{ type: "PodScheduled", status: "True" }],
      startTime: "2026-11-26T10:00:01Z",
    },
  };
}

/** What GET /api/v1/nodes answers in the simulation (shape of a real EKS NodeList). */
export function nodesJson(): object {
  return {
    kind: "NodeList",
    apiVersion: "v1",
    metadata: { resourceVersion: "4711" },
    items: NODES.map((n) => ({
      metadata: {
        name: n.name,
        labels: {
          "kubernetes.io/hostname": n.name,
          "kubernetes.io/os": "linux",
          "eks.amazonaws.com/nodegroup": "ng-1",
          "topology.kubernetes.io/zone": "us-east-1a",
          ...(n.agent ? {} : { "extrahop/norpcapd": "true" }),
        },
      },
      spec: { providerID: `aws:///us-east-1a/i-0${n.key.toLowerCase()}1234567890abcd` },
      status: {
        addresses: [
          { type: "InternalIP", address: n.ip },
          { type: "InternalDNS", address: n.name },
          { type: "Hostname", address: n.name },
        ],
        conditions: [{ type: "Ready", status: "True" }],
      },
    })),
  };
}

/** What GET /api/v1/pods answers: workload pods, agent pods (hostNetwork) on agent nodes, and the
 * awkward cases: a Succeeded job pod whose old IP now belongs to the VPC host, a Pending pod without IP,
 * a hostNetwork pod on the excluded node. */
export function podsJson(extra: { node: string; pod: PodSpec }[] = []): object {
  const items: object[] = [];
  for (const x of extra) {
    items.push(podObject(x.pod.name, "default", node(x.node).name, x.pod.ip, { hostIP: node(x.node).ip }));
  }
  for (const n of NODES) {
    for (const p of n.pods) {
      items.push(podObject(p.name, "default", n.name, p.ip, { hostIP: n.ip }));
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
  items.push(
    podObject("report-28811234-zx9", "default", node("B").name, VPC_HOST_IP, {
      phase: "Succeeded",
      hostIP: node("B").ip,
    }),
  );
  items.push(podObject("pending-0", "default", node("A").name, undefined, { phase: "Pending" }));
  return { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "4711" }, items };
}
