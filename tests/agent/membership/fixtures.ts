// Shared fixtures of the membership tests: realistic objects (from the fake API's generators), the readers with
// the agent's defaults, and the whole-cluster membership composed directly from the rule (the oracle the
// incremental state is checked against).
import { parseLabelSelector } from "../../../agent/src/kube/labelSelector";
import { formatIpv4, formatIpv4Prefix, Ipv4Prefix, prefixContains } from "../../../agent/src/membership/ipv4";
import { NodeFacts, nodeFacts } from "../../../agent/src/membership/nodeFacts";
import { PodFacts, podFacts, PodReading } from "../../../agent/src/membership/podFacts";
import {
  MembershipPolicy,
  nodeContribution,
  nodeCoverage,
  NOT_COVERED,
  podPlacement,
} from "../../../agent/src/membership/rule";
import type { SetName } from "../../../agent/src/membership/sets";
import {
  DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
  unsupportedMatch,
} from "../../../components/contract/mirrorableInstanceTypes";
import type { KubeObject } from "../../../harness/kube/resources";

/** The agent's defaults for recognising its pods and sidecars. */
export const POD_READING: PodReading = {
  agentNamespace: "extrahop",
  isAgent: parseLabelSelector("component=extrahop-rpcapd"),
  sidecarContainerName: "extrahop-rpcapd",
};

/** Instance types judged by the shared data. */
export const NODE_READING = {
  isMirrorable: (t: string): boolean => unsupportedMatch(t, DEFAULT_UNSUPPORTED_INSTANCE_TYPES) === undefined,
};

/** Defaults of the policy in tests. */
export const POLICY: MembershipPolicy = {
  vpcMirroring: false,
  mirrorSettleMs: 360_000,
  hostLocalPodCidrs: false,
};

/** Facts of a node object (throws when unreadable). */
export function nodeOf(o: KubeObject): NodeFacts {
  const f = nodeFacts(o, NODE_READING);
  if (!f) {
    throw new Error("not a node");
  }
  return f;
}

/** Facts of a pod object (throws when unreadable). */
export function podOf(o: KubeObject): PodFacts {
  const f = podFacts(o, POD_READING);
  if (!f) {
    throw new Error("not a pod");
  }
  return f;
}

/** Set contents, sorted. */
export type Contents = Record<SetName, string[]>;

/** The membership of a whole cluster, composed from the rule object by object (no indexing, no refcounts). */
export function wholeClusterMembership(
  nodes: readonly NodeFacts[],
  pods: readonly PodFacts[],
  policy: MembershipPolicy,
  self: string,
  now: number,
): Contents {
  const ready = new Map<string, number>();
  for (const p of pods) {
    if (p.agentReady && p.nodeName) {
      ready.set(p.nodeName, (ready.get(p.nodeName) ?? 0) + 1);
    }
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const names = new Set([...byName.keys(), ...pods.flatMap((p) => (p.nodeName ? [p.nodeName] : [])), self]);
  const coverage = new Map(
    [...names].map((n) => [n, nodeCoverage(byName.get(n), ready.get(n) ?? 0, n === self, policy, now)]),
  );
  const covered4 = new Set<string>();
  const sidecar4 = new Set<string>();
  const nodes4 = new Set<string>();
  const prefixes: Ipv4Prefix[] = [];
  for (const n of nodes) {
    const c = nodeContribution(n, coverage.get(n.name) ?? NOT_COVERED, policy);
    c.covered4.forEach((a) => covered4.add(formatIpv4(a)));
    c.nodes4.forEach((a) => nodes4.add(formatIpv4(a)));
    prefixes.push(...c.coverednets4);
  }
  for (const p of pods) {
    const place = podPlacement(p, (p.nodeName && coverage.get(p.nodeName)) || NOT_COVERED);
    for (const ip of p.ips) {
      if (place.covered) {
        covered4.add(formatIpv4(ip));
      }
      if (place.sidecar) {
        sidecar4.add(formatIpv4(ip));
      }
    }
  }
  // The interval set holds the outermost prefixes only.
  const visible = prefixes.filter((p) => !prefixes.some((q) => q.length < p.length && prefixContains(q, p)));
  return {
    covered4: [...covered4].sort(),
    coverednets4: [...new Set(visible.map(formatIpv4Prefix))].sort(),
    sidecar4: [...sidecar4].sort(),
    nodes4: [...nodes4].sort(),
  };
}
