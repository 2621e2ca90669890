// The simulated EKS cluster as plain data: VPC, nodes and their ENIs, pods (regular, branch-ENI, Fargate), hosts,
// services. Shared by the harness (cluster.ts), the fake API objects (apiObjects.ts), the fake EC2 view
// (fleet.ts), the traffic matrix (matrix.ts) and benchmarks. Two layouts of the Amazon VPC CNI:
//   vpc-cni            pods take addresses in the node subnet (10.77.0.0/16), shared with a VPC host; pods on the
//                      primary ENI (eth0) and on a secondary ENI (eth1), as the CNI spreads them;
//   custom-networking  pods in a secondary VPC CIDR (100.64.0.0/16) on the secondary ENI (eth1) only;
// and two enforcing modes of security groups for pods (branch ENIs): strict and standard.
import * as crypto from "crypto";

export const VPC_CIDR = "10.77.0.0/16";
export const SECONDARY_VPC_CIDR = "100.64.0.0/16";
export const VPC_ROUTER = "10.77.0.1";
/** The Amazon DNS server: the primary VPC CIDR's base + 2. */
export const AMAZON_DNS_IP = "10.77.0.2";
export const SVCNET = "10.100.0.0/16";
export const SENSOR_IP = "10.77.9.9";
export const SENSOR_PORT = 2003;
export const API_IP = "10.77.9.10";
export const API_PORT = 8080;
export const API_TOKEN = "sim-serviceaccount-token";
export const VPC_HOST_IP = "10.77.5.5"; // a VPC host that is not a node (a database, an endpoint)
export const INET_IP = "198.51.100.10"; // an internet host behind the VPC's router
/** A second internet host: the nodes SNAT to it with a source port inside the NodePort range. */
export const INET_NODEPORT_SNAT_IP = "203.0.113.10";
export const INET2_ROUTER_IP = "203.0.113.1";
/** The SNAT source ports used towards INET_NODEPORT_SNAT_IP (inside the NodePort range). */
export const NODEPORT_SNAT_PORTS = "31000-31099";
export const INET_ROUTER_IP = "198.51.100.1";
/** Subnet used only by Fargate pods: FARGATE_CIDRS of the sidecars, MIRROR_EXCLUDED_CIDRS of the filter. */
export const FARGATE_CIDR = "10.77.64.0/20";
export const CLUSTER_NAME = "sim";

/** Ports of the echo servers every worker runs. */
export const POD_TCP = 8080;
export const POD_UDP = 9000;
/** Ports of the hostNetwork echo servers on nodes (a hostNetwork pod). */
export const HOST_TCP = 7000;
export const HOST_UDP = 7001;
export const NODEPORT_TCP = 30080;
export const NODEPORT_UDP = 30090;
/** A NodePort whose backend runs on node U: reached through another node, it is forwarded a second time. */
export const NODEPORT_FAR_TCP = 30081;
/** The DNS server's port. */
export const DNS_PORT = 53;

/** Where pods take addresses. */
export type PodNetworking = "vpc-cni" | "custom-networking";
/** `POD_SECURITY_GROUP_ENFORCING_MODE` of the VPC CNI. */
export type SgppMode = "strict" | "standard";

/** The cluster's layout. */
export interface Layout {
  /** Pod addressing. */
  podNetworking: PodNetworking;
  /** Security groups for pods enforcing mode. */
  sgpp: SgppMode;
}

export const DEFAULT_LAYOUT: Layout = { podNetworking: "vpc-cni", sgpp: "standard" };

/** An ENI of a node, as a device in the node's namespace. */
export interface EniSpec {
  /** Device name: eth0 (primary), eth1 (secondary). */
  dev: string;
  /** Its primary private address. */
  ip: string;
  /** Its subnet's gateway (the VPC router answers for every address). */
  gateway: string;
  /** `eni-...` */
  id: string;
  /** Attachment device index (0 primary). */
  deviceIndex: number;
}

export interface PodSpec {
  key: string;
  name: string;
  ip: string;
  /** Device of the ENI that holds the address (regular pods). */
  eni?: string;
  /** Branch-ENI pod (security groups for pods): its VLAN id on the node's trunk ENI. */
  vlanId?: number;
}

export interface NodeSpec {
  key: string;
  /** Kubernetes node name (EKS style). */
  name: string;
  /** Primary address (InternalIP). */
  ip: string;
  /** Runs the agent (false: labelled extrahop/norpcapd, no agent pod). */
  agent: boolean;
  /** EC2 instance type (label `node.kubernetes.io/instance-type`). */
  instanceType: string;
  /** `i-...` */
  instanceId: string;
  /** Its ENIs of type `interface`. */
  enis: EniSpec[];
  /** The trunk ENI of security groups for pods, when it has branch pods. */
  trunkEniId?: string;
  pods: PodSpec[];
}

/** A Fargate pod: its own micro-VM, here its own namespace on the VPC fabric. */
export interface FargatePodSpec {
  key: string;
  name: string;
  ip: string;
}

export interface ServiceSpec {
  ip: string;
  port: number;
  backend: string; // pod key
}

/** Everything the simulation builds for one layout. */
export interface SimTopology {
  layout: Layout;
  /** VPC CIDRs, primary first. */
  vpcCidrs: string[];
  /** Pod CIDRs (PODNET). */
  podCidrs: string[];
  nodes: NodeSpec[];
  fargatePods: FargatePodSpec[];
  /** ClusterIP services (tcp and udp on the same port) with a single backend each. */
  services: Record<"local" | "remote", ServiceSpec>;
  /** Backend of the NodePort services NODEPORT_TCP/NODEPORT_UDP (every node). */
  nodePortBackend: string;
  /** Backend of NODEPORT_FAR_TCP. */
  farNodePortBackend: string;
  /** The sidecars' FARGATE_CIDRS and the filter's excluded destinations. */
  fargateCidrs: string[];
}

/** Host-side veth name as the VPC CNI makes it: prefix + 11 hex chars of sha1("namespace.name"). */
export function hostVethName(podName: string, namespace = "default", prefix = "eni"): string {
  return prefix + crypto.createHash("sha1").update(`${namespace}.${podName}`).digest("hex").slice(0, 11);
}

/** VLAN sub-interface of a branch ENI, named as the VPC CNI names it (driver.go, buildVlanLinkName). */
export function vlanLinkName(vlanId: number): string {
  return `vlan.eth.${vlanId}`;
}

/** Route table of a branch ENI's VLAN (driver.go: vlanID + 100). */
export function vlanTable(vlanId: number): number {
  return vlanId + 100;
}

/** Builds the topology of a layout. */
export function simTopology(layout: Layout = DEFAULT_LAYOUT): SimTopology {
  const custom = layout.podNetworking === "custom-networking";
  const podNet = custom ? "100.64" : "10.77";
  const node = (
    key: string,
    octet: number,
    agent: boolean,
    instanceType: string,
    pods: { key: string; name: string; last: number; eni?: string; vlanId?: number }[],
    trunk = false,
  ): NodeSpec => {
    const ip = `10.77.0.${octet}`;
    const lower = key.toLowerCase();
    return {
      key,
      name: `ip-10-77-0-${octet}.ec2.internal`,
      ip,
      agent,
      instanceType,
      instanceId: `i-0${lower}1234567890abcd`,
      enis: [
        { dev: "eth0", ip, gateway: VPC_ROUTER, id: `eni-0${lower}000000000000a0`, deviceIndex: 0 },
        {
          dev: "eth1",
          ip: custom ? `100.64.0.${octet + 1}` : `10.77.0.${octet + 1}`,
          gateway: custom ? "100.64.0.1" : VPC_ROUTER,
          id: `eni-0${lower}000000000000a1`,
          deviceIndex: 1,
        },
      ],
      ...(trunk ? { trunkEniId: `eni-0${lower}000000000000t2` } : {}),
      pods: pods.map((p) =>
        p.vlanId !== undefined
          ? { key: p.key, name: p.name, ip: `${podNet}.2.${p.last}`, vlanId: p.vlanId }
          : {
              key: p.key,
              name: p.name,
              ip: `${podNet}.1.${p.last}`,
              // Custom networking: pods live on the secondary ENI only; otherwise as the CNI spread them.
              eni: custom ? "eth1" : (p.eni ?? "eth0"),
            },
      ),
    };
  };
  return {
    layout,
    vpcCidrs: custom ? [VPC_CIDR, SECONDARY_VPC_CIDR] : [VPC_CIDR],
    podCidrs: custom ? [SECONDARY_VPC_CIDR] : [VPC_CIDR],
    nodes: [
      node(
        "A",
        10,
        true,
        "m5.large",
        [
          { key: "A1", name: "web-7d9c-a1", last: 11 },
          { key: "A2", name: "api-5f6b-a2", last: 12, eni: "eth1" },
          { key: "Ab", name: "payments-6c8f-ab", last: 11, vlanId: 1 },
        ],
        true,
      ),
      node(
        "B",
        20,
        true,
        "m5.large",
        [
          { key: "B1", name: "api-5f6b-b1", last: 21 },
          { key: "Bb", name: "payments-6c8f-bb", last: 21, vlanId: 2 },
        ],
        true,
      ),
      node("C", 30, false, "m5.large", [{ key: "C1", name: "batch-c1", last: 31 }]),
      // t2: an instance type VPC Traffic Mirroring refuses (components/contract/mirrorableInstanceTypes.ts).
      node("U", 40, true, "t2.large", [{ key: "U1", name: "legacy-u1", last: 41 }]),
    ],
    fargatePods: [
      { key: "F1", name: "report-fargate-f1", ip: "10.77.64.10" },
      { key: "F2", name: "report-fargate-f2", ip: "10.77.64.11" },
    ],
    services: {
      local: { ip: "10.100.0.10", port: 80, backend: "A2" }, // local to node A
      remote: { ip: "10.100.0.20", port: 80, backend: "B1" }, // remote from node A
    },
    nodePortBackend: "B1",
    farNodePortBackend: "U1",
    fargateCidrs: [FARGATE_CIDR],
  };
}

/** Every pod that lives on a node, with its node. */
export function podsOf(t: SimTopology): (PodSpec & { node: NodeSpec })[] {
  return t.nodes.flatMap((n) => n.pods.map((p) => ({ ...p, node: n })));
}

/** A node pod by key. */
export function podIn(t: SimTopology, key: string): PodSpec & { node: NodeSpec } {
  const p = podsOf(t).find((x) => x.key === key);
  if (!p) {
    throw new Error(`no pod ${key}`);
  }
  return p;
}

/** A node by key. */
export function nodeIn(t: SimTopology, key: string): NodeSpec {
  const n = t.nodes.find((x) => x.key === key);
  if (!n) {
    throw new Error(`no node ${key}`);
  }
  return n;
}

/** A Fargate pod by key. */
export function fargateIn(t: SimTopology, key: string): FargatePodSpec {
  const f = t.fargatePods.find((x) => x.key === key);
  if (!f) {
    throw new Error(`no Fargate pod ${key}`);
  }
  return f;
}

// ---- the default layout, as module-level values (what benchmarks and older callers use) -----------------------

const DEFAULT = simTopology();
export const PODNET = DEFAULT.podCidrs.join(",");
export const NODES: NodeSpec[] = DEFAULT.nodes;
export const SERVICES = DEFAULT.services;
export const NODEPORT_BACKEND = DEFAULT.nodePortBackend;

export function allPods(): (PodSpec & { node: NodeSpec })[] {
  return podsOf(DEFAULT);
}

export function pod(key: string): PodSpec & { node: NodeSpec } {
  return podIn(DEFAULT, key);
}

export function node(key: string): NodeSpec {
  return nodeIn(DEFAULT, key);
}
