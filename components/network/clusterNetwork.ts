/**
 * The address ranges the agent needs (PODNET, SVCNET) as plain facts, and the checks that reject what the agent
 * cannot serve. Where the facts come from (EKS lookups, Kubernetes discovery, config) is decided elsewhere; every
 * range says where it came from.
 */
import { collapseCidrs, overlappingPairs, toRange } from "../contract/cidr";
import type { ArgProblem } from "../validation";

/** Where a range was found, e.g. `config podCidrs` or `VPC vpc-0abc associated CIDR blocks (DescribeVpcs)`. */
export interface RangeSource {
  /** The CIDR. */
  range: string;
  /** Human-readable origin. */
  from: string;
}

/** The cluster's networking as the agent and the mirror filter need it. */
export interface ClusterNetwork {
  /** EKS cluster name, when there is one. */
  clusterName?: string;
  /** VPC of the EKS cluster. */
  vpcId?: string;
  /** The VPC's associated IPv4 CIDR blocks, primary first; empty off EKS. */
  vpcCidrs: string[];
  /** Every address a pod can get (env `PODNET`): collapsed, sorted. */
  podCidrs: string[];
  /** The service range(s) (env `SVCNET`). */
  serviceCidrs: string[];
  /** Where each pod and service range came from. */
  sources: { pods: RangeSource[]; services: RangeSource[] };
  /** Datapath inferred from the cluster's configuration, when discovery could tell. */
  datapath?: string;
  /** Things worth a warning at deployment (e.g. an override outside the cluster's VPC). */
  warnings?: string[];
}

/** What DescribeCluster (or an `eks.Cluster`) and DescribeVpcs say, in the provider's shapes. */
export interface EksFacts {
  /** Cluster name. */
  clusterName: string;
  /** `kubernetesNetworkConfig.ipFamily` (`ipv4` or `ipv6`). */
  ipFamily?: string;
  /** `kubernetesNetworkConfig.serviceIpv4Cidr`. */
  serviceIpv4Cidr?: string;
  /** `kubernetesNetworkConfig.serviceIpv6Cidr`. */
  serviceIpv6Cidr?: string;
  /** `vpcConfig.vpcId`. */
  vpcId?: string;
  /** The VPC's primary CIDR block. */
  vpcPrimaryCidr?: string;
  /** The VPC's CIDR block associations (`cidrBlock`, `state`). */
  vpcCidrAssociations?: { cidrBlock?: string; state?: string }[];
}

/** Overrides from the arguments. */
export interface RangeOverrides {
  /** `podCidrs`. */
  podCidrs?: string[];
  /** `serviceCidrs`. */
  serviceCidrs?: string[];
}

/** The result of a check: the network, or every problem found. */
export type NetworkCheck = { ok: true; network: ClusterNetwork } | { ok: false; problems: ArgProblem[] };

/**
 * Pods with the Amazon VPC CNI take addresses from the VPC's subnets, including subnets of secondary CIDR blocks
 * (custom networking), so the associated VPC CIDR blocks are the smallest set sure to contain every pod address (a
 * subnet list would miss ENIConfig subnets, which the EC2 API cannot attribute to a cluster). Primary first: the
 * Amazon DNS resolver sits at its base + 2.
 */
export function vpcCidrBlocks(facts: EksFacts): string[] {
  const associated = (facts.vpcCidrAssociations ?? [])
    // DescribeVpcs reports `associated`; the provider's documentation calls the same state `available`.
    .filter(
      (a) =>
        (a.state === "associated" || a.state === "available") &&
        a.cidrBlock &&
        a.cidrBlock !== facts.vpcPrimaryCidr,
    )
    .map((a) => a.cidrBlock as string);
  return [...(facts.vpcPrimaryCidr ? [facts.vpcPrimaryCidr] : []), ...associated];
}

/** Rejects overlapping pod and service ranges, naming where each came from. */
export function rangeProblems(network: ClusterNetwork): ArgProblem[] {
  const origin = (sources: RangeSource[], cidr: string) =>
    sources.find((s) => s.range === cidr)?.from ?? "merged ranges";
  return overlappingPairs(network.podCidrs, network.serviceCidrs).map(([pod, svc]) => ({
    propertyPath: "podCidrs",
    reason:
      `pod range ${pod} (${origin(network.sources.pods, pod)}) overlaps service range ${svc} ` +
      `(${origin(network.sources.services, svc)}); the ranges must be disjoint`,
  }));
}

/** Ranges given in the arguments, as sources. */
function fromConfig(key: string, cidrs: string[]): RangeSource[] {
  return cidrs.map((range) => ({ range, from: `config ${key}` }));
}

/** A network from sources, collapsed and checked. */
export function networkFrom(base: Omit<ClusterNetwork, "podCidrs" | "serviceCidrs">): NetworkCheck {
  const network: ClusterNetwork = {
    ...base,
    podCidrs: collapseCidrs(base.sources.pods.map((s) => s.range)),
    serviceCidrs: collapseCidrs(base.sources.services.map((s) => s.range)),
  };
  const problems = rangeProblems(network);
  return problems.length ? { ok: false, problems } : { ok: true, network };
}

/**
 * The network of an EKS cluster from its lookup, overrides winning.
 * @param facts what the provider's invokes (or the `eks.Cluster`) returned
 * @param overrides `podCidrs` / `serviceCidrs` from the arguments
 */
export function eksNetwork(facts: EksFacts, overrides: RangeOverrides): NetworkCheck {
  const name = JSON.stringify(facts.clusterName);
  if (facts.ipFamily === "ipv6") {
    return {
      ok: false,
      problems: [
        {
          propertyPath: "cluster",
          reason:
            `${name} is an IPv6 cluster (ipFamily ipv6, service range ${facts.serviceIpv6Cidr ?? "fc00::/7"}); ` +
            "IPv6 clusters are not supported yet (IPv4 clusters only)",
        },
      ],
    };
  }
  if (!facts.vpcId) {
    return { ok: false, problems: [{ propertyPath: "cluster", reason: `${name} reports no VPC` }] };
  }
  const vpcBlocks = vpcCidrBlocks(facts);
  let services: RangeSource[];
  if (overrides.serviceCidrs) {
    services = fromConfig("serviceCidrs", overrides.serviceCidrs);
  } else if (facts.serviceIpv4Cidr) {
    services = [
      {
        range: facts.serviceIpv4Cidr,
        from: `EKS cluster ${facts.clusterName} kubernetesNetworkConfig.serviceIpv4Cidr`,
      },
    ];
  } else {
    return {
      ok: false,
      problems: [
        {
          propertyPath: "serviceCidrs",
          reason: `is required: EKS cluster ${name} reports no IPv4 service range (serviceIpv4Cidr)`,
        },
      ],
    };
  }
  const pods = overrides.podCidrs
    ? fromConfig("podCidrs", overrides.podCidrs)
    : vpcBlocks.map((range) => ({
        range,
        from: `VPC ${facts.vpcId} associated CIDR block (pods take VPC addresses with the Amazon VPC CNI)`,
      }));
  // With the VPC CNI pods take VPC addresses: an override outside every VPC block most likely misses pods.
  const outside = (overrides.podCidrs ?? []).filter(
    (c) => vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContainsCidr(b, c)),
  );
  return networkFrom({
    clusterName: facts.clusterName,
    vpcId: facts.vpcId,
    vpcCidrs: vpcBlocks,
    sources: { pods, services },
    warnings: outside.map(
      (c) =>
        `podCidrs: ${c} lies outside every CIDR block of VPC ${facts.vpcId} (${vpcBlocks.join(", ")}); ` +
        "with the Amazon VPC CNI pods take VPC addresses, so PODNET may miss them",
    ),
  });
}

function cidrContainsCidr(outer: string, inner: string): boolean {
  const o = toRange(outer);
  const i = toRange(inner);
  return i.first >= o.first && i.last <= o.last;
}

/** The network of a cluster whose ranges are both given. */
export function configuredNetwork(
  podCidrs: string[],
  serviceCidrs: string[],
  datapath?: string,
): NetworkCheck {
  return networkFrom({
    vpcCidrs: [],
    sources: { pods: fromConfig("podCidrs", podCidrs), services: fromConfig("serviceCidrs", serviceCidrs) },
    datapath,
  });
}
