/**
 * The membership rule, object by object: which nodes are covered (their packets were already reported before they
 * reach another node) and what each node and pod puts into which set. Pure functions of facts and time; the
 * indexed state applies them incrementally and the tests check them case by case.
 *
 * covered4 / coverednets4 hold the sources whose packets were reported once already:
 * - every address of an agent-covered node (its agent pod is Running, Ready and not terminating; this node counts
 *   as agent-covered while this agent runs) and, VPC_MIRRORING=true, of a mirror-covered node (AWS copies its ENI
 *   egress: an `aws://` node, not Fargate, of a mirrorable instance type, older than MIRROR_SETTLE);
 *   a node's addresses are its InternalIP/ExternalIP, its overlay addresses (annotations) and, on datapaths whose
 *   IPAM hands out the node's spec.podCIDRs, those prefixes;
 * - the pods of such a node: non-hostNetwork, not Succeeded/Failed, with an IPv4; on a node covered only by
 *   mirroring, not the branch-ENI pods (trunk and branch ENIs cannot be mirrored);
 * - pods whose capture sidecar is ready (those are also in sidecar4), wherever they run;
 * - ready agent pods' own (host) addresses, so a node that joins covers itself even before its Node object arrives.
 * nodes4 holds the InternalIP of every node, covered or not (outer addresses of overlay packets).
 */
import type { Ipv4, Ipv4Prefix } from "./ipv4";
import type { NodeFacts } from "./nodeFacts";
import type { PodFacts } from "./podFacts";

/** Why a node's packets are already reported when they reach another node. */
export interface NodeCoverage {
  /** A running agent on the node reports them. */
  readonly agent: boolean;
  /** AWS Traffic Mirroring copies them at the node's ENIs. */
  readonly mirror: boolean;
}

/** A node nobody covers. */
export const NOT_COVERED: NodeCoverage = Object.freeze({ agent: false, mirror: false });

/** The cluster-wide settings the rule depends on. */
export interface MembershipPolicy {
  /** VPC_MIRRORING: AWS mirrors the ENIs of mirror-eligible nodes. */
  vpcMirroring: boolean;
  /** MIRROR_SETTLE in ms: how old a node must be before its mirror sessions are trusted to exist. */
  mirrorSettleMs: number;
  /** The datapath's IPAM hands out the node's spec.podCIDRs (host-local IPAM: Flannel, ...). */
  hostLocalPodCidrs: boolean;
}

/** What one node puts into the sets. */
export interface NodeContribution {
  /** Addresses for covered4. */
  readonly covered4: readonly Ipv4[];
  /** Prefixes for coverednets4. */
  readonly coverednets4: readonly Ipv4Prefix[];
  /** Addresses for nodes4. */
  readonly nodes4: readonly Ipv4[];
}

/** Which sets a pod's addresses belong to. */
export interface PodPlacement {
  /** In covered4. */
  readonly covered: boolean;
  /** In sidecar4. */
  readonly sidecar: boolean;
}

/** A pod in no set. */
export const NOWHERE: PodPlacement = Object.freeze({ covered: false, sidecar: false });
/** A pod in covered4 only. */
export const COVERED: PodPlacement = Object.freeze({ covered: true, sidecar: false });
/** A pod with a ready capture sidecar: covered4 and sidecar4. */
export const COVERED_BY_SIDECAR: PodPlacement = Object.freeze({ covered: true, sidecar: true });

/** When the node becomes mirror-covered (ms), or undefined when it never does under this policy. */
export function mirrorCoveredFrom(node: NodeFacts | undefined, policy: MembershipPolicy): number | undefined {
  if (!policy.vpcMirroring || !node?.mirrorEligible) {
    return undefined;
  }
  return node.createdAtMs + policy.mirrorSettleMs;
}

/**
 * The coverage of a node.
 * @param node its facts (undefined while the Node object is unknown)
 * @param readyAgents how many of its agent pods are ready
 * @param isSelf the node this agent runs on: covered by this very agent while it runs, whatever the API says yet
 * @param policy cluster settings
 * @param now current time (ms), for the mirror settle delay
 */
export function nodeCoverage(
  node: NodeFacts | undefined,
  readyAgents: number,
  isSelf: boolean,
  policy: MembershipPolicy,
  now: number,
): NodeCoverage {
  const from = mirrorCoveredFrom(node, policy);
  const agent = isSelf || readyAgents > 0;
  const mirror = from !== undefined && now >= from;
  return agent || mirror ? { agent, mirror } : NOT_COVERED;
}

/** What a node contributes, given its coverage. */
export function nodeContribution(
  node: NodeFacts,
  coverage: NodeCoverage,
  policy: MembershipPolicy,
): NodeContribution {
  const covered = coverage.agent || coverage.mirror;
  if (!covered) {
    return { covered4: [], coverednets4: [], nodes4: node.internalIps };
  }
  const covered4 = [...node.addresses];
  for (const a of node.overlayAddresses) {
    if (!covered4.includes(a)) {
      covered4.push(a);
    }
  }
  return {
    covered4,
    coverednets4: policy.hostLocalPodCidrs ? node.podCidrs : [],
    nodes4: node.internalIps,
  };
}

/** Where a pod's addresses go, given the coverage of its node. */
export function podPlacement(pod: PodFacts, coverage: NodeCoverage): PodPlacement {
  if (pod.ips.length === 0 || pod.finished) {
    return NOWHERE;
  }
  if (pod.hostNetwork) {
    return pod.agentReady ? COVERED : NOWHERE;
  }
  if (pod.sidecarReady) {
    return COVERED_BY_SIDECAR;
  }
  const covered = coverage.agent || (coverage.mirror && !pod.branchEni);
  return covered ? COVERED : NOWHERE;
}
