/**
 * What the membership rule needs to know about a Node, read from the API object (core/v1 Node: `metadata.labels`,
 * `metadata.annotations`, `metadata.creationTimestamp`, `spec.providerID`, `spec.podCIDRs`, `status.addresses`).
 * Node objects are large (status.images alone can be tens of kB); only these facts are kept.
 */
import { Ipv4, Ipv4Prefix, parseIpv4, parseIpv4Prefix } from "./ipv4";

/**
 * Node annotations that carry addresses the node itself owns on overlay datapaths (packets the node sends through
 * a tunnel carry them as source):
 * - Calico (`projectcalico.org/...`, written by calico-node; `IPv4Address` is `address/len`, the length is dropped);
 * - Flannel (`flannel.alpha.coreos.com/public-ip`, the address flanneld uses for the node);
 * - Cilium (`network.cilium.io/ipv4-cilium-host`, the cilium_host address).
 */
export const OVERLAY_ADDRESS_ANNOTATIONS: readonly string[] = [
  "projectcalico.org/IPv4IPIPTunnelAddr",
  "projectcalico.org/IPv4VXLANTunnelAddr",
  "projectcalico.org/IPv4Address",
  "flannel.alpha.coreos.com/public-ip",
  "network.cilium.io/ipv4-cilium-host",
];

/** Label EKS puts on Fargate nodes (`eks.amazonaws.com/compute-type=fargate`). */
export const COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";
/** The well-known instance type label, and its deprecated beta form. */
export const INSTANCE_TYPE_LABELS: readonly string[] = [
  "node.kubernetes.io/instance-type",
  "beta.kubernetes.io/instance-type",
];

/** The facts of one node. */
export interface NodeFacts {
  /** metadata.name. */
  readonly name: string;
  /** status.addresses of type InternalIP and ExternalIP (IPv4). */
  readonly addresses: readonly Ipv4[];
  /** status.addresses of type InternalIP (IPv4): the outer addresses of overlay packets. */
  readonly internalIps: readonly Ipv4[];
  /** Overlay addresses from the annotations above. */
  readonly overlayAddresses: readonly Ipv4[];
  /** spec.podCIDRs (spec.podCIDR when absent), IPv4 ones. */
  readonly podCidrs: readonly Ipv4Prefix[];
  /**
   * AWS can mirror its ENIs: providerID `aws://...`, not Fargate, and an instance type the shared data says is
   * mirrorable (an unknown type is not).
   */
  readonly mirrorEligible: boolean;
  /** metadata.creationTimestamp in ms (0 when absent). */
  readonly createdAtMs: number;
}

/** How to judge instance types. */
export interface NodeReading {
  /** True when AWS Traffic Mirroring accepts ENIs of this instance type. */
  isMirrorable(instanceType: string): boolean;
}

interface NodeObject {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: { providerID?: string; podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type?: string; address?: string }[] };
}

function addIfNew(list: Ipv4[], value: Ipv4 | undefined): void {
  if (value !== undefined && !list.includes(value)) {
    list.push(value);
  }
}

/** Reads a Node object; undefined when it has no name. */
export function nodeFacts(object: unknown, reading: NodeReading): NodeFacts | undefined {
  const node = object as NodeObject;
  const name = node?.metadata?.name;
  if (typeof name !== "string" || name === "") {
    return undefined;
  }
  const labels = node.metadata?.labels ?? {};
  const annotations = node.metadata?.annotations ?? {};
  const addresses: Ipv4[] = [];
  const internalIps: Ipv4[] = [];
  for (const a of node.status?.addresses ?? []) {
    if ((a.type === "InternalIP" || a.type === "ExternalIP") && typeof a.address === "string") {
      const ip = parseIpv4(a.address);
      addIfNew(addresses, ip);
      if (a.type === "InternalIP") {
        addIfNew(internalIps, ip);
      }
    }
  }
  const overlayAddresses: Ipv4[] = [];
  for (const key of OVERLAY_ADDRESS_ANNOTATIONS) {
    const value = annotations[key];
    if (typeof value === "string") {
      addIfNew(overlayAddresses, parseIpv4(value.split("/")[0].trim()));
    }
  }
  const cidrTexts =
    node.spec?.podCIDRs && node.spec.podCIDRs.length > 0 ? node.spec.podCIDRs : [node.spec?.podCIDR];
  const podCidrs: Ipv4Prefix[] = [];
  for (const text of cidrTexts) {
    const prefix = typeof text === "string" && text.includes("/") ? parseIpv4Prefix(text) : undefined;
    if (prefix && !podCidrs.some((p) => p.base === prefix.base && p.length === prefix.length)) {
      podCidrs.push(prefix);
    }
  }
  const instanceType = INSTANCE_TYPE_LABELS.map((l) => labels[l]).find(
    (t) => typeof t === "string" && t !== "",
  );
  const created = Date.parse(node.metadata?.creationTimestamp ?? "");
  return {
    name,
    addresses,
    internalIps,
    overlayAddresses,
    podCidrs,
    mirrorEligible:
      (node.spec?.providerID ?? "").startsWith("aws://") &&
      labels[COMPUTE_TYPE_LABEL] !== "fargate" &&
      instanceType !== undefined &&
      reading.isMirrorable(instanceType),
    createdAtMs: Number.isFinite(created) ? created : 0,
  };
}
