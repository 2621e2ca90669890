/**
 * A cluster for the coverage tests, as the Kubernetes API and EC2 would describe it: EKS nodes of several kinds
 * (agent running, tainted, excluded, arm64, one ENI beyond the mirror target's limit, agent not ready), a Fargate
 * node, and pods of every flavour (Deployments, security-groups-for-pods pods, Fargate pods with and without the
 * sidecar, a CronJob run with a native sidecar, pending and finished pods).
 */
import type { NodeObject, PodObject } from "../../components/coverage";
import type { CoverageInputs, InstanceEnis } from "../../components/coverage";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "../../components/contract/mirrorableInstanceTypes";

/** "Now" of the fixture: every node is older than the settle time except `ip-10-0-9-9`. */
export const NOW = Date.parse("2026-11-27T12:00:00Z");
const OLD = "2026-11-20T08:00:00Z";

interface NodeSpec {
  name: string;
  instanceId?: string;
  type?: string;
  arch?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  created?: string;
}

/** A Node as the API lists it. */
export function node(s: NodeSpec): NodeObject {
  return {
    metadata: {
      name: s.name,
      creationTimestamp: s.created ?? OLD,
      labels: {
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": s.arch ?? "amd64",
        ...(s.type ? { "node.kubernetes.io/instance-type": s.type } : {}),
        ...s.labels,
      },
    },
    spec: {
      providerID: s.instanceId ? `aws:///us-east-1a/${s.instanceId}` : undefined,
      taints: s.taints,
    },
    status: { addresses: [{ type: "InternalIP", address: "10.0.1.1" }] },
  };
}

interface PodSpec {
  name: string;
  namespace?: string;
  node?: string;
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  phase?: string;
  ready?: boolean;
  hostNetwork?: boolean;
  sidecar?: "container" | "native";
  sidecarReady?: boolean;
}

/** A Pod as the API lists it. */
export function pod(s: PodSpec): PodObject {
  const sidecar = { name: "extrahop-rpcapd", ready: s.sidecarReady ?? false };
  return {
    metadata: {
      name: s.name,
      namespace: s.namespace ?? "default",
      labels: s.labels,
      annotations: s.annotations,
      ownerReferences: s.owner ? [{ ...s.owner, controller: true }] : undefined,
    },
    spec: {
      nodeName: s.node,
      hostNetwork: s.hostNetwork,
      containers: [{ name: "app" }, ...(s.sidecar === "container" ? [{ name: "extrahop-rpcapd" }] : [])],
      initContainers:
        s.sidecar === "native" ? [{ name: "extrahop-rpcapd", restartPolicy: "Always" }] : undefined,
    },
    status: {
      phase: s.phase ?? (s.node ? "Running" : "Pending"),
      conditions: [{ type: "Ready", status: s.ready === false ? "False" : "True" }],
      containerStatuses: [{ name: "app", ready: true }, ...(s.sidecar === "container" ? [sidecar] : [])],
      initContainerStatuses: s.sidecar === "native" ? [sidecar] : undefined,
    },
  };
}

const agentPod = (nodeName: string, ready = true) =>
  pod({
    name: `extrahop-rpcapd-${nodeName.slice(-4)}`,
    namespace: "extrahop",
    node: nodeName,
    owner: { kind: "DaemonSet", name: "extrahop-rpcapd" },
    labels: { component: "extrahop-rpcapd" },
    hostNetwork: true,
    ready,
  });

const rs = (deployment: string, hash: string) => ({
  owner: { kind: "ReplicaSet", name: `${deployment}-${hash}` },
  labels: { app: deployment, "pod-template-hash": hash },
});

/** The nodes. */
export const NODES: NodeObject[] = [
  node({ name: "ip-10-0-1-1", instanceId: "i-0000000000000001a", type: "m5.large" }),
  node({
    name: "ip-10-0-2-2",
    instanceId: "i-0000000000000002b",
    type: "m5.large",
    taints: [
      { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
      { key: "spot", effect: "PreferNoSchedule" },
      { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
    ],
  }),
  node({
    name: "ip-10-0-3-3",
    instanceId: "i-0000000000000003c",
    type: "t2.medium",
    labels: { "extrahop/norpcapd": "" },
  }),
  node({ name: "ip-10-0-4-4", instanceId: "i-0000000000000004d", type: "c7g.large", arch: "arm64" }),
  node({ name: "ip-10-0-5-5", instanceId: "i-0000000000000005e", type: "m5.large" }),
  node({ name: "ip-10-0-6-6", instanceId: "i-0000000000000006f", type: "m5.large" }),
  node({
    name: "ip-10-0-9-9",
    instanceId: "i-0000000000000009a",
    type: "m5.large",
    created: "2026-11-27T11:58:00Z",
  }),
  node({
    name: "fargate-ip-10-0-96-5.ec2.internal",
    labels: { "eks.amazonaws.com/compute-type": "fargate" },
  }),
];

/** The pods. */
export const PODS: PodObject[] = [
  agentPod("ip-10-0-1-1"),
  agentPod("ip-10-0-5-5"),
  agentPod("ip-10-0-6-6", false),
  agentPod("ip-10-0-9-9"),
  pod({ name: "web-7d9f-a", namespace: "shop", node: "ip-10-0-1-1", ...rs("web", "7d9f") }),
  pod({ name: "web-7d9f-b", namespace: "shop", node: "ip-10-0-1-1", ...rs("web", "7d9f") }),
  pod({ name: "api-5c4b-a", namespace: "shop", node: "ip-10-0-2-2", ...rs("api", "5c4b") }),
  pod({
    name: "payments-0",
    namespace: "shop",
    node: "ip-10-0-2-2",
    owner: { kind: "StatefulSet", name: "payments" },
    annotations: { "vpc.amazonaws.com/pod-eni": '[{"eniId":"eni-0b1"}]' },
  }),
  pod({
    name: "ledger-0",
    namespace: "shop",
    node: "ip-10-0-1-1",
    owner: { kind: "StatefulSet", name: "ledger" },
    annotations: { "vpc.amazonaws.com/pod-eni": '[{"eniId":"eni-0b2"}]' },
  }),
  pod({
    name: "legacy-1",
    namespace: "shop",
    node: "ip-10-0-3-3",
    owner: { kind: "ReplicaSet", name: "legacy" },
  }),
  pod({ name: "arm-worker", namespace: "shop", node: "ip-10-0-4-4" }),
  pod({ name: "cache-3f2a-a", namespace: "shop", node: "ip-10-0-5-5", ...rs("cache", "3f2a") }),
  pod({ name: "search-1a1a-a", namespace: "shop", node: "ip-10-0-6-6", ...rs("search", "1a1a") }),
  pod({ name: "fresh-2b2b-a", namespace: "shop", node: "ip-10-0-9-9", ...rs("fresh", "2b2b") }),
  pod({
    name: "front-9e8d-a",
    namespace: "apps",
    node: "fargate-ip-10-0-96-5.ec2.internal",
    ...rs("front", "9e8d"),
    labels: { app: "front", "pod-template-hash": "9e8d", "eks.amazonaws.com/fargate-profile": "apps" },
    sidecar: "container",
    sidecarReady: true,
  }),
  pod({
    name: "front-9e8d-b",
    namespace: "apps",
    node: "fargate-ip-10-0-96-6.ec2.internal",
    ...rs("front", "9e8d"),
    labels: { app: "front", "pod-template-hash": "9e8d", "eks.amazonaws.com/fargate-profile": "apps" },
  }),
  pod({
    name: "nightly-29000000-x7k",
    namespace: "apps",
    node: "fargate-ip-10-0-96-7.ec2.internal",
    owner: { kind: "Job", name: "nightly-29000000" },
    labels: { "eks.amazonaws.com/fargate-profile": "apps" },
    sidecar: "native",
    sidecarReady: true,
  }),
  pod({ name: "web-7d9f-c", namespace: "shop", ...rs("web", "7d9f") }),
  pod({
    name: "migrate-abc",
    namespace: "shop",
    node: "ip-10-0-1-1",
    owner: { kind: "Job", name: "migrate" },
    phase: "Succeeded",
  }),
];

/** The nodes' ENIs as EC2 describes them. */
export const INSTANCES: InstanceEnis[] = [
  {
    instanceId: "i-0000000000000001a",
    instanceType: "m5.large",
    networkInterfaces: [
      { networkInterfaceId: "eni-01a0", interfaceType: "interface", deviceIndex: 0 },
      { networkInterfaceId: "eni-01a1", interfaceType: "trunk", deviceIndex: 1 },
    ],
  },
  {
    instanceId: "i-0000000000000002b",
    networkInterfaces: [{ networkInterfaceId: "eni-02b0", interfaceType: "interface", deviceIndex: 0 }],
  },
  {
    instanceId: "i-0000000000000005e",
    networkInterfaces: [
      { networkInterfaceId: "eni-05e0", interfaceType: "interface", deviceIndex: 0 },
      { networkInterfaceId: "eni-05e1", interfaceType: "interface", deviceIndex: 1 },
    ],
  },
  {
    instanceId: "i-0000000000000006f",
    networkInterfaces: [{ networkInterfaceId: "eni-06f0", interfaceType: "interface", deviceIndex: 0 }],
  },
  {
    instanceId: "i-0000000000000009a",
    networkInterfaces: [{ networkInterfaceId: "eni-09a0", interfaceType: "interface", deviceIndex: 0 }],
  },
];

/** The whole input, with mirroring to an ENI target whose source limit left `eni-05e1` out. */
export function fixtureInputs(overrides: Partial<CoverageInputs> = {}): CoverageInputs {
  return {
    nodes: NODES,
    pods: PODS,
    fargateProfiles: [
      { name: "apps", selectors: [{ namespace: "apps" }] },
      { name: "batch", selectors: [{ namespace: "batch" }] },
    ],
    agent: {
      namespace: "extrahop",
      podLabels: { component: "extrahop-rpcapd" },
      excludeNodeLabel: "extrahop/norpcapd",
      architecture: "amd64",
      tolerations: [{ key: "dedicated", operator: "Exists" }],
    },
    agentPods: "observed",
    mirroring: {
      enabled: true,
      mirroredEnis: ["eni-01a0", "eni-02b0", "eni-05e0", "eni-06f0"],
      skipped: [
        {
          instanceId: "i-0000000000000003c",
          instanceType: "t2.medium",
          reason: "unsupported-instance-type",
          detail: "t2.medium cannot be a mirror source",
        },
        {
          instanceId: "i-0000000000000005e",
          instanceType: "m5.large",
          networkInterfaceId: "eni-05e1",
          reason: "target-source-limit",
          detail: "the ENI target already has 10 sources",
        },
      ],
      unsupportedInstanceTypes: DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
      instances: INSTANCES,
      settleSeconds: 360,
    },
    now: NOW,
    ...overrides,
  };
}
