/**
 * Address ranges as the cluster's own objects state them, and how several statements of one range become one
 * answer: the most authoritative statements win, and every statement must agree with every other (one covers the
 * other), or the discovery fails naming both.
 */
import { collapseCidrs, intToIp, isIpv4Address, rangeToCidrs, toRange } from "../contract/cidr";

/** Which range a statement is about: pod addresses (`PODNET`) or the service range (`SVCNET`). */
export type RangeKind = "pod" | "service";

/**
 * How close a statement is to where addresses are actually handed out; lower wins.
 * - `1` the allocator itself: Calico IPPools, Cilium's cluster pool, ServiceCIDR objects, kube-apiserver's flag;
 * - `2` the cluster's configuration: kubeadm-config, kube-controller-manager's flags, Flannel's `Network`;
 * - `3` a snapshot or an indirect answer: node `spec.podCIDRs` (a node added later gets a range not seen yet), the
 *   API server's answer to an out-of-range ClusterIP.
 */
export type Authority = 1 | 2 | 3;

/** One statement of a range by one source. */
export interface RangeFinding {
  /** Pod or service range. */
  kind: RangeKind;
  /** IPv4 CIDRs, canonical (host bits cleared). */
  ranges: string[];
  /** Where it was read, e.g. `ConfigMap kube-system/kubeadm-config networking.podSubnet`. */
  from: string;
  /** See {@link Authority}. */
  authority: Authority;
  /**
   * Statements that are parts of one whole (the IPPools of one cluster, the ServiceCIDR objects) share a group and
   * are compared with other sources as their union.
   */
  group?: string;
}

/** A comma- or space-separated CIDR list, split by family. */
export interface ParsedCidrs {
  /** Canonical IPv4 CIDRs. */
  ipv4: string[];
  /** IPv6 CIDRs as written (the agent is IPv4 only). */
  ipv6: string[];
  /** Entries that are not CIDRs. */
  invalid: string[];
}

/**
 * The canonical form of an IPv4 CIDR (`10.244.0.1/16` becomes `10.244.0.0/16`, as Go's `net.ParseCIDR`, which
 * Kubernetes uses, reads it), or undefined when `value` is not an IPv4 CIDR.
 */
export function canonicalIpv4Cidr(value: string): string | undefined {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(value.trim());
  if (!match || !isIpv4Address(match[1]) || Number(match[2]) > 32) {
    return undefined;
  }
  return `${intToIp(toRange(`${match[1]}/${match[2]}`).first)}/${Number(match[2])}`;
}

/** Splits a CIDR list as Kubernetes flags (`10.244.0.0/16,fd00::/56`) and Cilium (`a b`) write them. */
export function parseCidrList(value: string): ParsedCidrs {
  const parsed: ParsedCidrs = { ipv4: [], ipv6: [], invalid: [] };
  for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
    const v4 = canonicalIpv4Cidr(entry);
    if (v4) {
      parsed.ipv4.push(v4);
    } else if (/^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\/\d{1,3}$/.test(entry)) {
      parsed.ipv6.push(entry);
    } else {
      parsed.invalid.push(entry);
    }
  }
  return parsed;
}

/** True when every address of `inner` lies in `outer`. */
export function covers(outer: string[], inner: string[]): boolean {
  const union = collapseCidrs([...outer, ...inner]);
  const base = collapseCidrs(outer);
  return union.length === base.length && union.every((c, i) => c === base[i]);
}

/** The addresses of `from` that are not in `remove`, as the fewest CIDRs. */
export function subtractCidrs(from: string[], remove: string[]): string[] {
  const holes = collapseCidrs(remove).map(toRange);
  return collapseCidrs(from).flatMap((cidr) => {
    const pieces = [toRange(cidr)];
    for (const hole of holes) {
      for (let i = pieces.length - 1; i >= 0; i--) {
        const p = pieces[i];
        if (hole.last < p.first || hole.first > p.last) {
          continue;
        }
        const rest = [
          ...(hole.first > p.first ? [{ first: p.first, last: hole.first - 1 }] : []),
          ...(hole.last < p.last ? [{ first: hole.last + 1, last: p.last }] : []),
        ];
        pieces.splice(i, 1, ...rest);
      }
    }
    return pieces.flatMap(rangeToCidrs);
  });
}

/** The outcome of comparing the statements of one kind. */
export interface ReconciledRanges {
  /** The union of the most authoritative statements, collapsed; empty when there were none. */
  ranges: string[];
  /** One line per pair of sources that disagree, naming both. */
  conflicts: string[];
}

interface Group {
  label: string;
  ranges: string[];
  authority: Authority;
}

function groupsOf(findings: RangeFinding[]): Group[] {
  const groups = new Map<string, { froms: string[]; ranges: string[]; authority: Authority }>();
  for (const f of findings) {
    const key = f.group ?? f.from;
    const g = groups.get(key) ?? { froms: [], ranges: [], authority: f.authority };
    g.froms.push(f.from);
    g.ranges.push(...f.ranges);
    g.authority = Math.min(g.authority, f.authority) as Authority;
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, g]) => ({
    label: g.froms.length > 1 ? `${key} (${g.froms.join("; ")})` : g.froms[0],
    ranges: collapseCidrs(g.ranges),
    authority: g.authority,
  }));
}

/**
 * Compares the statements of one kind. Two sources agree when one covers the other: node podCIDRs inside the
 * cluster CIDR, the primary ServiceCIDR inside all ServiceCIDRs. Anything else (disjoint or partly overlapping)
 * is a conflict: the addresses some source promises would be missing from the answer, or the answer would claim
 * addresses the allocator never hands out.
 * @param findings statements of a single kind
 */
export function reconcileRanges(findings: RangeFinding[]): ReconciledRanges {
  const groups = groupsOf(findings);
  const conflicts: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const [a, b] = [groups[i], groups[j]];
      if (!covers(a.ranges, b.ranges) && !covers(b.ranges, a.ranges)) {
        conflicts.push(
          `${a.label} says ${a.ranges.join(", ")} but ${b.label} says ${b.ranges.join(", ")} (neither contains the other)`,
        );
      }
    }
  }
  const best = Math.min(...groups.map((g) => g.authority));
  return {
    ranges: collapseCidrs(groups.filter((g) => g.authority === best).flatMap((g) => g.ranges)),
    conflicts,
  };
}

/** What one source said: its statements, a one-line summary for the list of what was tried, and side notes. */
export interface SourceReading {
  /** Statements of ranges (possibly none). */
  findings: RangeFinding[];
  /** e.g. `podSubnet 10.244.0.0/16, serviceSubnet 10.96.0.0/12`. */
  summary: string;
  /** Ranges seen and left out, with why (IPv6, disabled, not for pods, unreadable). */
  notes: string[];
}

/**
 * The statement a CIDR-list field makes, with notes for what it leaves out.
 * @param kind pod or service range
 * @param value the field's text, e.g. `10.244.0.0/16,fd00:10:244::/56`
 * @param from where the field was read
 * @param authority see {@link Authority}
 */
export function findingFromList(
  kind: RangeKind,
  value: string,
  from: string,
  authority: Authority,
): { finding?: RangeFinding; notes: string[] } {
  const parsed = parseCidrList(value);
  const notes: string[] = [];
  if (parsed.ipv6.length) {
    notes.push(`${from}: IPv6 ${parsed.ipv6.join(", ")} left out (the agent forwards IPv4 only)`);
  }
  if (parsed.invalid.length) {
    notes.push(`${from}: ${parsed.invalid.map((v) => JSON.stringify(v)).join(", ")} is not a CIDR, ignored`);
  }
  return {
    finding: parsed.ipv4.length ? { kind, ranges: parsed.ipv4, from, authority } : undefined,
    notes,
  };
}
