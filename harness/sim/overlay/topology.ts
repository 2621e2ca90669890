// A small self-managed cluster (kubeadm-style) on one L2 underlay, for the overlay datapaths: addresses, pods,
// services and the per-datapath wiring facts (tunnel device, its address, pod ranges). Plain data, shared by the
// wiring, the fake API objects, the flow matrix and the benchmark.
import * as crypto from "crypto";

/** Ports of the echo servers every pod runs (the harness's worker role). */
export const POD_TCP = 8080;
export const POD_UDP = 9000;
/** Ports of the echo servers on the nodes (hostNetwork). */
export const HOST_TCP = 7000;
export const HOST_UDP = 7001;
/** The NodePort service's ports on every node. */
export const NODEPORT_TCP = 30080;
export const NODEPORT_UDP = 30090;

/** The datapaths the overlay simulation builds. */
export type DatapathName = "calico-bgp" | "calico-ipip" | "calico-vxlan" | "flannel-vxlan";

/** Every datapath, in the order the tables list them. */
export const DATAPATHS: readonly DatapathName[] = [
  "calico-bgp",
  "calico-ipip",
  "calico-vxlan",
  "flannel-vxlan",
];

/** The nodes' L2 segment (a Linux bridge in the `lan` namespace) and its router. */
export const UNDERLAY_CIDR = "192.168.56.0/24";
export const UNDERLAY_PREFIX = 24;
export const ROUTER_IP = "192.168.56.1";
/** A host on the underlay that is not a cluster member (a database, a build server). */
export const OUTSIDE_HOST_IP = "192.168.56.5";
export const API_IP = "192.168.56.8";
export const SENSOR_IP = "192.168.56.9";
export const SENSOR_PORT = 2003;
export const API_PORT = 8080;
export const API_TOKEN = "overlay-serviceaccount-token";
/** An internet host behind the router. */
export const INET_IP = "198.51.100.10";
export const INET_ROUTER_IP = "198.51.100.1";

/** kubeadm's `networking.podSubnet` (Calico's IPPool and Flannel's `Network` use the same range). */
export const CLUSTER_CIDR = "10.244.0.0/16";
/** kubeadm's default `networking.serviceSubnet`. */
export const SERVICE_CIDR = "10.96.0.0/12";

/** A pod as its CNI plugin wired it. */
export interface OverlayPod {
  /** Namespace key of the pod's netns (without the `p` prefix): A1, A2, B1, C1. */
  key: string;
  /** Pod name (namespace `default`). */
  name: string;
  ip: string;
  /** Host side of the pod's veth: `cali<hash>` (Calico) or `veth<hex>` (bridge plugin). */
  hostVeth: string;
}

/** A node as the datapath sees it. */
export interface OverlayNode {
  /** Namespace key (without the `n` prefix): A, B, C. */
  key: string;
  /** Kubernetes node name. */
  name: string;
  /** Underlay address (eth0), the Node's InternalIP. */
  ip: string;
  /** Runs the agent (false: labelled extrahop/norpcapd, no agent pod). */
  agent: boolean;
  /** `spec.podCIDR` allocated by kube-controller-manager (`--allocate-node-cidrs`, /24 per node). */
  podCidr: string;
  /** Where the CNI takes this node's pod addresses from: Calico's IPAM block, or Flannel's lease (= podCidr). */
  block: string;
  /** Address of the node's tunnel device (tunl0, vxlan.calico, flannel.1); none for Calico BGP. */
  tunnelIp?: string;
  /** MAC of the node's VXLAN device (VTEP), published to the other nodes. */
  vtepMac?: string;
  pods: OverlayPod[];
}

/** A ClusterIP service (TCP and UDP on the same port) with one backend pod. */
export interface OverlayService {
  ip: string;
  port: number;
  /** Backend pod key. */
  backend: string;
}

/** One datapath's cluster. */
export interface OverlayTopology {
  datapath: DatapathName;
  /** CNI family: decides the wiring and the Node annotations. */
  cni: "calico" | "flannel";
  /** Name of the tunnel device between nodes, when the datapath encapsulates. */
  tunnelDevice?: "tunl0" | "vxlan.calico" | "flannel.1";
  /** Encapsulation between nodes: IP protocol 4, or VXLAN on a UDP port. */
  encapsulation?: { kind: "ipip" } | { kind: "vxlan"; port: number; vni: number };
  /** MTU of the pod interfaces and of the tunnel device (underlay MTU 1500 minus the encapsulation). */
  mtu: number;
  nodes: OverlayNode[];
  services: { local: OverlayService; remote: OverlayService };
  /** Backend pod of the NodePort service (TCP NODEPORT_TCP, UDP NODEPORT_UDP), reachable on every node. */
  nodePortBackend: string;
}

interface NodePlan {
  key: string;
  name: string;
  ip: string;
  agent: boolean;
  podCidr: string;
  /** Calico IPAM block of the node (/26 out of the pool, affine to the node). */
  calicoBlock: string;
  pods: { key: string; name: string }[];
}

const NODE_PLAN: NodePlan[] = [
  {
    key: "A",
    name: "worker-a",
    ip: "192.168.56.10",
    agent: true,
    podCidr: "10.244.0.0/24",
    calicoBlock: "10.244.97.0/26",
    pods: [
      { key: "A1", name: "web-7d9c-a1" },
      { key: "A2", name: "api-5f6b-a2" },
    ],
  },
  {
    key: "B",
    name: "worker-b",
    ip: "192.168.56.20",
    agent: true,
    podCidr: "10.244.1.0/24",
    calicoBlock: "10.244.145.64/26",
    pods: [{ key: "B1", name: "api-5f6b-b1" }],
  },
  {
    key: "C",
    name: "worker-c",
    ip: "192.168.56.30",
    agent: false,
    podCidr: "10.244.2.0/24",
    calicoBlock: "10.244.20.128/26",
    pods: [{ key: "C1", name: "batch-c1" }],
  },
];

/** The n-th address after the network address of a CIDR (n = 0 is the network address itself). */
export function nthAddress(cidr: string, n: number): string {
  const [base] = cidr.split("/");
  const v = base.split(".").reduce((a, o) => a * 256 + Number(o), 0) + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
}

function sha1Hex(text: string): string {
  return crypto.createHash("sha1").update(text).digest("hex");
}

/**
 * Calico's host-side veth name: "cali" + the first 11 hex digits of sha1("<namespace>.<pod>")
 * (projectcalico/calico libcalico-go/lib/backend/k8s/conversion/workload_endpoint_default.go, VethNameForWorkload).
 */
export function calicoVethName(podName: string, namespace = "default"): string {
  return "cali" + sha1Hex(`${namespace}.${podName}`).slice(0, 11);
}

/**
 * The bridge plugin's host-side veth name: "veth" + 4 random bytes in hex (containernetworking/plugins
 * pkg/ip/link_linux.go, RandomVethName). Random there; derived from the pod name here so that runs repeat.
 */
export function bridgeVethName(podName: string): string {
  return "veth" + sha1Hex(`veth.${podName}`).slice(0, 8);
}

/** A locally administered unicast MAC derived from a seed (VTEP MACs are random in Calico and Flannel). */
function vtepMacFor(seed: string): string {
  const h = sha1Hex(seed);
  return ["66", h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(":");
}

/**
 * The cluster for one datapath. Calico: pods from the node's /26 IPAM block; the tunnel device (if any) takes the
 * block's first address and pods the next ones, as Calico IPAM hands them out (pods from .1 in BGP mode too). Flannel: the node's lease is its
 * spec.podCIDR; flannel.1 takes the network address (/32), cni0 the .1 (/24), pods from .2 (host-local IPAM).
 */
export function overlayTopology(datapath: DatapathName): OverlayTopology {
  const cni = datapath.startsWith("calico") ? "calico" : "flannel";
  const nodes: OverlayNode[] = NODE_PLAN.map((p) => {
    if (cni === "flannel") {
      return {
        key: p.key,
        name: p.name,
        ip: p.ip,
        agent: p.agent,
        podCidr: p.podCidr,
        block: p.podCidr,
        tunnelIp: nthAddress(p.podCidr, 0),
        vtepMac: vtepMacFor(`flannel.1/${p.name}`),
        pods: p.pods.map((x, i) => ({
          ...x,
          ip: nthAddress(p.podCidr, 2 + i),
          hostVeth: bridgeVethName(x.name),
        })),
      };
    }
    const tunnel = datapath !== "calico-bgp";
    return {
      key: p.key,
      name: p.name,
      ip: p.ip,
      agent: p.agent,
      podCidr: p.podCidr,
      block: p.calicoBlock,
      tunnelIp: tunnel ? nthAddress(p.calicoBlock, 0) : undefined,
      vtepMac: datapath === "calico-vxlan" ? vtepMacFor(`vxlan.calico/${p.name}`) : undefined,
      pods: p.pods.map((x, i) => ({
        ...x,
        ip: nthAddress(p.calicoBlock, 1 + i),
        hostVeth: calicoVethName(x.name),
      })),
    };
  });
  const byDatapath: Record<DatapathName, Pick<OverlayTopology, "tunnelDevice" | "encapsulation" | "mtu">> = {
    "calico-bgp": { mtu: 1500 },
    "calico-ipip": { tunnelDevice: "tunl0", encapsulation: { kind: "ipip" }, mtu: 1480 },
    // felix defaults: VXLANVNI 4096, VXLANPort 4789 (felix/config/config_params.go).
    "calico-vxlan": {
      tunnelDevice: "vxlan.calico",
      encapsulation: { kind: "vxlan", port: 4789, vni: 4096 },
      mtu: 1450,
    },
    // flannel: VNI 1, the kernel's default VXLAN port 8472 (flannel Documentation/backends.md).
    "flannel-vxlan": {
      tunnelDevice: "flannel.1",
      encapsulation: { kind: "vxlan", port: 8472, vni: 1 },
      mtu: 1450,
    },
  };
  return {
    datapath,
    cni,
    ...byDatapath[datapath],
    nodes,
    services: {
      local: { ip: "10.96.100.10", port: 80, backend: "A2" },
      remote: { ip: "10.96.100.20", port: 80, backend: "B1" },
    },
    nodePortBackend: "B1",
  };
}

/** Every pod with its node. */
export function podsOf(t: OverlayTopology): (OverlayPod & { node: OverlayNode })[] {
  return t.nodes.flatMap((n) => n.pods.map((p) => ({ ...p, node: n })));
}

/** A pod by key. */
export function podOf(t: OverlayTopology, key: string): OverlayPod & { node: OverlayNode } {
  const p = podsOf(t).find((x) => x.key === key);
  if (!p) {
    throw new Error(`no pod ${key} in the ${t.datapath} topology`);
  }
  return p;
}

/** A node by key. */
export function nodeOf(t: OverlayTopology, key: string): OverlayNode {
  const n = t.nodes.find((x) => x.key === key);
  if (!n) {
    throw new Error(`no node ${key} in the ${t.datapath} topology`);
  }
  return n;
}

/** A packet's addresses, protocol and destination port, as the capture reader decodes them. */
export interface PacketHeaders {
  src: string;
  dst: string;
  proto: number;
  dport?: number;
}

/**
 * Whether a packet is the datapath's encapsulation between two nodes (IP protocol 4, or VXLAN on the datapath's
 * UDP port, from one node's InternalIP to another's): an outer copy, never what the sensor should get.
 */
export function isOuterPacket(t: OverlayTopology, p: PacketHeaders): boolean {
  const nodes = new Set(t.nodes.map((n) => n.ip));
  const enc = t.encapsulation;
  return (
    nodes.has(p.src) &&
    nodes.has(p.dst) &&
    ((enc?.kind === "ipip" && p.proto === 4) ||
      (enc?.kind === "vxlan" && p.proto === 17 && p.dport === enc.port))
  );
}
