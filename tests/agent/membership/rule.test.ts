// The membership rule case by case: each row is a small cluster (realistic Node and Pod objects) and the exact
// set contents it must produce, checked on the rule composed object by object and on the incremental state fed in
// both orders (nodes first, pods first).
import * as assert from "assert";
import type { MembershipPolicy } from "../../../agent/src/membership/rule";
import { MembershipState } from "../../../agent/src/membership/state";
import { makeAgentPod, makeNode, makePod, PodOptions } from "../../../harness/kube/clusterObjects";
import type { KubeObject } from "../../../harness/kube/resources";
import { Contents, nodeOf, podOf, POLICY, wholeClusterMembership } from "./fixtures";

const NOW = Date.parse("2026-11-27T00:00:00Z");
const SELF = "self";
const IP = { self: "10.0.0.1", a: "10.0.0.2", b: "10.0.0.3", m: "10.0.0.4" };

const node = (name: keyof typeof IP, extra: Partial<Parameters<typeof makeNode>[0]> = {}): KubeObject =>
  makeNode({ name, ip: IP[name], ...extra });
const agent = (on: keyof typeof IP, extra: Partial<PodOptions> = {}): KubeObject =>
  makeAgentPod(on, IP[on], extra);
const pod = (
  name: string,
  on: keyof typeof IP,
  ip: string | undefined,
  extra: Partial<PodOptions> = {},
): KubeObject => makePod({ name, nodeName: on, hostIp: IP[on], ip, ...extra });
const mirrorable = (name: keyof typeof IP, extra: Partial<Parameters<typeof makeNode>[0]> = {}): KubeObject =>
  node(name, { instanceType: "m5.large", created: "2026-11-20T00:00:00Z", ...extra });
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

interface Row {
  name: string;
  policy?: Partial<MembershipPolicy>;
  nodes: KubeObject[];
  pods: KubeObject[];
  expect: Partial<Contents> & { covered4: string[] };
}

const MIRRORING = { vpcMirroring: true };

const ROWS: Row[] = [
  // ---- agent readiness and termination
  {
    name: "a node whose agent is Running and Ready: its addresses and pods are covered",
    nodes: [node("self"), node("a")],
    pods: [agent("a"), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self, IP.a, "10.1.0.1"] },
  },
  {
    name: "an agent that is Running but not Ready covers nothing",
    nodes: [node("self"), node("a")],
    pods: [agent("a", { ready: false }), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "an agent still Pending covers nothing",
    nodes: [node("self"), node("a")],
    pods: [agent("a", { phase: "Pending", ready: false }), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "a terminating agent no longer covers: the others take over at once",
    nodes: [node("self"), node("a")],
    pods: [agent("a", { deletionTimestamp: ago(1) }), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "a pod with the agent's label outside the agent namespace is not an agent",
    nodes: [node("self"), node("a")],
    pods: [agent("a", { namespace: "default" }), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "two ready agents on one node (rolling update overlap) cover it once",
    nodes: [node("self"), node("a")],
    pods: [agent("a"), agent("a", { name: "extrahop-rpcapd-new" }), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self, IP.a, "10.1.0.1"] },
  },
  {
    name: "this node counts as covered while this agent runs, before the API shows it Ready",
    nodes: [node("self")],
    pods: [pod("web-1", "self", "10.1.0.1")],
    expect: { covered4: [IP.self, "10.1.0.1"] },
  },
  {
    name: "a ready agent whose Node object is not known yet still covers its host address and pods",
    nodes: [node("self")],
    pods: [agent("a"), pod("web-1", "a", "10.1.0.1")],
    expect: { covered4: [IP.self, IP.a, "10.1.0.1"], nodes4: [IP.self] },
  },
  // ---- pods that never count
  {
    name: "hostNetwork pods add nothing (their address is their node's)",
    nodes: [node("self"), node("b")],
    pods: [pod("kube-proxy-b", "b", IP.b, { hostNetwork: true, namespace: "kube-system" })],
    expect: { covered4: [IP.self] },
  },
  {
    name: "Succeeded and Failed pods add nothing, even on covered nodes (their address may be reused)",
    nodes: [node("self"), node("a")],
    pods: [
      agent("a"),
      pod("job-1", "a", "10.1.0.7", { phase: "Succeeded", ready: false }),
      pod("job-2", "self", "10.1.0.8", { phase: "Failed", ready: false }),
    ],
    expect: { covered4: [IP.self, IP.a] },
  },
  {
    name: "pods without an address yet add nothing",
    nodes: [node("self")],
    pods: [pod("web-1", "self", undefined, { phase: "Pending", ready: false })],
    expect: { covered4: [IP.self] },
  },
  {
    name: "pods of a node without agent (excluded, Windows, not yet Ready) are not covered",
    nodes: [node("self"), node("b")],
    pods: [pod("web-1", "b", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  // ---- VPC_MIRRORING=true: mirror-covered nodes
  {
    name: "VPC_MIRRORING=true: a settled node of a mirrorable type is covered with its pods",
    policy: MIRRORING,
    nodes: [node("self"), mirrorable("m")],
    pods: [pod("web-1", "m", "10.1.0.1")],
    expect: { covered4: [IP.self, IP.m, "10.1.0.1"] },
  },
  {
    name: "VPC_MIRRORING=false: the same node is not mirror-covered",
    nodes: [node("self"), mirrorable("m")],
    pods: [pod("web-1", "m", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "VPC_MIRRORING=true: a node younger than MIRROR_SETTLE is not covered yet",
    policy: MIRRORING,
    nodes: [node("self"), mirrorable("m", { created: ago(359) })],
    pods: [pod("web-1", "m", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "VPC_MIRRORING=true: a node exactly MIRROR_SETTLE old is covered",
    policy: MIRRORING,
    nodes: [node("self"), mirrorable("m", { created: ago(360) })],
    pods: [pod("web-1", "m", "10.1.0.1")],
    expect: { covered4: [IP.self, IP.m, "10.1.0.1"] },
  },
  ...["t2.medium", "m5.metal", "c7i.large", "m7i.metal-24xl"].map((instanceType): Row => ({
    name: `VPC_MIRRORING=true: instance type ${instanceType} cannot be mirrored, so its node is not covered`,
    policy: MIRRORING,
    nodes: [node("self"), mirrorable("m", { instanceType })],
    pods: [pod("web-1", "m", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  })),
  {
    name: "VPC_MIRRORING=true: a node without an instance type label is not mirror-covered",
    policy: MIRRORING,
    nodes: [
      node("self"),
      (() => {
        const n = mirrorable("m");
        delete n.metadata.labels?.["node.kubernetes.io/instance-type"];
        delete n.metadata.labels?.["beta.kubernetes.io/instance-type"];
        return n;
      })(),
    ],
    pods: [pod("web-1", "m", "10.1.0.1")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "VPC_MIRRORING=true: Fargate nodes and non-AWS nodes are never mirror-covered",
    policy: MIRRORING,
    nodes: [
      node("self"),
      mirrorable("m", { labels: { "eks.amazonaws.com/compute-type": "fargate" } }),
      mirrorable("b", { providerId: "gce://project/zone/b" }),
    ],
    pods: [pod("web-1", "m", "10.1.0.1"), pod("web-2", "b", "10.1.0.2")],
    expect: { covered4: [IP.self] },
  },
  {
    name: "VPC_MIRRORING=true: branch-ENI pods of a mirror-only node are not covered, of an agent node they are",
    policy: MIRRORING,
    nodes: [node("self"), mirrorable("m"), node("a")],
    pods: [
      agent("a"),
      pod("plain", "m", "10.1.0.1"),
      pod("branch-m", "m", "10.1.0.2", { annotations: { "vpc.amazonaws.com/pod-eni": "[]" } }),
      pod("branch-a", "a", "10.1.0.3", { annotations: { "vpc.amazonaws.com/pod-eni": "[]" } }),
    ],
    expect: { covered4: [IP.self, IP.a, IP.m, "10.1.0.1", "10.1.0.3"] },
  },
  // ---- Fargate sidecars
  {
    name: "a Fargate pod whose capture sidecar is ready is in covered4 and sidecar4",
    nodes: [node("self"), node("b", { labels: { "eks.amazonaws.com/compute-type": "fargate" } })],
    pods: [pod("fg-1", "b", "10.1.0.9", { sidecars: [{ name: "extrahop-rpcapd", ready: true }] })],
    expect: { covered4: [IP.self, "10.1.0.9"], sidecar4: ["10.1.0.9"] },
  },
  {
    name: "a Fargate pod whose sidecar is not ready yet is in neither",
    nodes: [node("self"), node("b", { labels: { "eks.amazonaws.com/compute-type": "fargate" } })],
    pods: [pod("fg-1", "b", "10.1.0.9", { sidecars: [{ name: "extrahop-rpcapd", ready: false }] })],
    expect: { covered4: [IP.self] },
  },
  {
    name: "a sidecar with another container name does not count",
    nodes: [node("self"), node("b")],
    pods: [pod("fg-1", "b", "10.1.0.9", { sidecars: [{ name: "istio-proxy", ready: true }] })],
    expect: { covered4: [IP.self] },
  },
  {
    name: "a native sidecar (ready init container) counts",
    nodes: [node("self"), node("b")],
    pods: [
      (() => {
        const p = pod("fg-1", "b", "10.1.0.9");
        (p.status as Record<string, unknown>).initContainerStatuses = [
          { name: "extrahop-rpcapd", ready: true },
        ];
        return p;
      })(),
    ],
    expect: { covered4: [IP.self, "10.1.0.9"], sidecar4: ["10.1.0.9"] },
  },
  {
    name: "a finished Fargate pod with a ready sidecar is in neither",
    nodes: [node("self")],
    pods: [
      pod("fg-1", "b", "10.1.0.9", {
        phase: "Succeeded",
        sidecars: [{ name: "extrahop-rpcapd", ready: true }],
      }),
    ],
    expect: { covered4: [IP.self] },
  },
  // ---- node addresses: overlay annotations, podCIDRs, ExternalIP, nodes4
  {
    name: "overlay addresses of a covered node (Calico, Flannel, Cilium annotations) are covered",
    nodes: [
      node("self", {
        annotations: {
          "projectcalico.org/IPv4IPIPTunnelAddr": "192.168.10.1",
          "projectcalico.org/IPv4VXLANTunnelAddr": "192.168.10.2",
          "projectcalico.org/IPv4Address": "10.0.0.1/24",
        },
      }),
      node("a", {
        annotations: {
          "flannel.alpha.coreos.com/public-ip": "10.0.0.22",
          "network.cilium.io/ipv4-cilium-host": "10.200.1.7",
        },
      }),
      node("b", { annotations: { "projectcalico.org/IPv4IPIPTunnelAddr": "192.168.30.1" } }),
    ],
    pods: [agent("a")],
    expect: { covered4: [IP.self, IP.a, "10.0.0.22", "10.200.1.7", "192.168.10.1", "192.168.10.2"] },
  },
  {
    name: "host-local IPAM: the podCIDRs of covered nodes are covered, of uncovered nodes not",
    policy: { hostLocalPodCidrs: true },
    nodes: [
      node("self", { podCidrs: ["10.244.0.0/24"] }),
      node("a", { podCidrs: ["10.244.1.0/24"] }),
      node("b", { podCidrs: ["10.244.2.0/24"] }),
    ],
    pods: [agent("a"), pod("web-1", "a", "10.244.1.5")],
    expect: { covered4: [IP.self, IP.a, "10.244.1.5"], coverednets4: ["10.244.0.0/24", "10.244.1.0/24"] },
  },
  {
    name: "other IPAM: podCIDRs are not used",
    nodes: [node("self", { podCidrs: ["10.244.0.0/24"] })],
    pods: [],
    expect: { covered4: [IP.self] },
  },
  {
    name: "nodes4 holds every node's InternalIP, covered or not; an ExternalIP is covered but not in nodes4",
    nodes: [node("self", { externalIp: "54.1.2.3" }), node("b", { externalIp: "54.1.2.4" })],
    pods: [],
    expect: { covered4: [IP.self, "54.1.2.3"], nodes4: [IP.self, IP.b] },
  },
  // ---- address reuse
  {
    name: "IP reuse: a finished pod's old address used by a pod of an uncovered node is not covered",
    nodes: [node("self"), node("b")],
    pods: [
      pod("job-1", "self", "10.1.0.5", { phase: "Succeeded", ready: false }),
      pod("new", "b", "10.1.0.5"),
    ],
    expect: { covered4: [IP.self] },
  },
  {
    name: "IP reuse: while a covered pod's deletion is not seen yet, its address stays covered",
    nodes: [node("self"), node("b")],
    pods: [pod("old", "self", "10.1.0.5"), pod("new", "b", "10.1.0.5")],
    expect: { covered4: [IP.self, "10.1.0.5"] },
  },
];

describe("membership rule, case by case", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const policy = { ...POLICY, ...row.policy };
      const nodes = row.nodes.map(nodeOf);
      const pods = row.pods.map(podOf);
      const expected: Contents = {
        covered4: [...row.expect.covered4].sort(),
        coverednets4: [...(row.expect.coverednets4 ?? [])].sort(),
        sidecar4: [...(row.expect.sidecar4 ?? [])].sort(),
        nodes4: [
          ...(row.expect.nodes4 ?? row.nodes.map((n) => IP[n.metadata.name as keyof typeof IP])),
        ].sort(),
      };
      assert.deepStrictEqual(wholeClusterMembership(nodes, pods, policy, SELF, NOW), expected, "rule");
      for (const order of ["nodes first", "pods first"]) {
        const state = new MembershipState({ ...policy, nodeName: SELF }, () => NOW);
        const feed = order === "nodes first" ? [...nodes, ...pods] : [...pods, ...nodes];
        for (const f of feed) {
          if ("uid" in f) {
            state.upsertPod(f);
          } else {
            state.upsertNode(f);
          }
        }
        assert.deepStrictEqual(state.contents(), expected, `incremental state, ${order}`);
      }
    });
  }
});
