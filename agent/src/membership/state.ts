/**
 * The indexed membership state: pods by node, ready agents by node, and refcounted contributions to the sets.
 * Every update touches only the object it is about and, when a node's coverage changes, that node's pods; the
 * kernel gets only the elements whose presence changed (see elementCounts).
 */
import { AddressCounts, PrefixCounts } from "./elementCounts";
import { formatIpv4, Ipv4, parseIpv4 } from "./ipv4";
import type { NodeFacts } from "./nodeFacts";
import type { PodFacts } from "./podFacts";
import {
  MembershipPolicy,
  mirrorCoveredFrom,
  NodeContribution,
  nodeContribution,
  NodeCoverage,
  nodeCoverage,
  NOT_COVERED,
  NOWHERE,
  PodPlacement,
  podPlacement,
} from "./rule";
import type { SetChanges, SetName } from "./sets";

const HOST_NETWORK = 1;
const FINISHED = 2;
const AGENT = 4;
const AGENT_READY = 8;
const BRANCH_ENI = 16;
const SIDECAR_READY = 32;

const NO_CONTRIBUTION: NodeContribution = Object.freeze({ covered4: [], coverednets4: [], nodes4: [] });

/** A node name, interned: pods point at it instead of holding their own copy of the name. */
class NodeEntry {
  facts: NodeFacts | undefined = undefined;
  // The node's pods; each record knows its slot, so removal is a swap with the last one.
  readonly pods: PodRecord[] = [];
  readyAgents = 0;
  coverage: NodeCoverage = NOT_COVERED;
  contribution: NodeContribution = NO_CONTRIBUTION;
  seen = 0;
  constructor(readonly name: string) {}
}

/**
 * A stored pod, compact for 100,000+ pods: the facts as bit flags, the uid packed to 16 characters, a single address
 * as a number (an array only for the rare pod with several IPv4 addresses), its node and where its addresses went.
 */
class PodRecord implements PodFacts {
  placement: PodPlacement = NOWHERE;
  seen = 0;
  slot = -1;
  private readonly addresses: Ipv4 | readonly Ipv4[];
  constructor(
    readonly uid: string,
    readonly node: NodeEntry | undefined,
    ips: readonly Ipv4[],
    readonly flags: number,
  ) {
    this.addresses = ips.length === 1 ? ips[0] : ips.slice();
  }
  get ips(): readonly Ipv4[] {
    return typeof this.addresses === "number" ? [this.addresses] : this.addresses;
  }
  get nodeName(): string | undefined {
    return this.node?.name;
  }
  get hostNetwork(): boolean {
    return (this.flags & HOST_NETWORK) !== 0;
  }
  get finished(): boolean {
    return (this.flags & FINISHED) !== 0;
  }
  get agent(): boolean {
    return (this.flags & AGENT) !== 0;
  }
  get agentReady(): boolean {
    return (this.flags & AGENT_READY) !== 0;
  }
  get branchEni(): boolean {
    return (this.flags & BRANCH_ENI) !== 0;
  }
  get sidecarReady(): boolean {
    return (this.flags & SIDECAR_READY) !== 0;
  }
}

const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;

/**
 * A uid as a map key: the 36-character UUID form (what the API server generates) packed into 16 characters of
 * two hex digits each, behind a marker no UUID text starts with; anything else is kept as it is.
 */
export function uidKey(uid: string): string {
  const m = UUID.exec(uid);
  if (!m) {
    return uid;
  }
  const hex = m[1] + m[2] + m[3] + m[4] + m[5];
  const codes = [1];
  for (let i = 0; i < 32; i += 2) {
    codes.push(parseInt(hex.slice(i, i + 2), 16));
  }
  // One flat string (appending character by character would leave a chain of 16 cons-strings per key).
  return String.fromCharCode(...codes);
}

function flagsOf(p: PodFacts): number {
  return (
    (p.hostNetwork ? HOST_NETWORK : 0) |
    (p.finished ? FINISHED : 0) |
    (p.agent ? AGENT : 0) |
    (p.agentReady ? AGENT_READY : 0) |
    (p.branchEni ? BRANCH_ENI : 0) |
    (p.sidecarReady ? SIDECAR_READY : 0)
  );
}

const sameIps = (a: readonly Ipv4[], b: readonly Ipv4[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function sameNodeFacts(a: NodeFacts, b: NodeFacts): boolean {
  return (
    a.mirrorEligible === b.mirrorEligible &&
    a.createdAtMs === b.createdAtMs &&
    sameIps(a.addresses, b.addresses) &&
    sameIps(a.internalIps, b.internalIps) &&
    sameIps(a.overlayAddresses, b.overlayAddresses) &&
    a.podCidrs.length === b.podCidrs.length &&
    a.podCidrs.every((p, i) => p.base === b.podCidrs[i].base && p.length === b.podCidrs[i].length)
  );
}

/** Which objects a full list covers. */
export type ListedKind = "pods" | "nodes";

/** This node as membership sees it. */
export interface SelfNode {
  /** AWS mirrors this node's ENIs (VPC_MIRRORING=true, eligible, settled). */
  mirrorCovered: boolean;
  /** Its InternalIP/ExternalIP addresses. */
  addresses: string[];
}

/** Settings of the state. */
export interface MembershipStateOptions extends MembershipPolicy {
  /** The node this agent runs on. */
  nodeName: string;
}

/** The incremental membership. */
export class MembershipState {
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly pods = new Map<string, PodRecord>();
  private readonly sets = {
    covered4: new AddressCounts(),
    coverednets4: new PrefixCounts(),
    sidecar4: new AddressCounts(),
    nodes4: new AddressCounts(),
  };
  // Nodes that will become mirror-covered once old enough.
  private readonly settling = new Set<NodeEntry>();
  private readonly generation: Record<ListedKind, number> = { pods: 0, nodes: 0 };

  /**
   * @param options node name and policy
   * @param now the clock (ms)
   */
  constructor(
    private readonly options: MembershipStateOptions,
    private readonly now: () => number = Date.now,
  ) {
    // This node is covered by the agent running this code from the start.
    this.refreshCoverage(this.entry(options.nodeName));
  }

  /** Number of stored pods (those that have or may get set elements). */
  get podCount(): number {
    return this.pods.size;
  }

  /** Number of known nodes (by Node object, pod or agent). */
  get nodeCount(): number {
    return this.nodes.size;
  }

  /** Adds or updates a pod. */
  upsertPod(facts: PodFacts): void {
    const key = uidKey(facts.uid);
    const old = this.pods.get(key);
    // Pods without an address (pending), hostNetwork pods other than agents, and finished pods never contribute:
    // they are not kept, and an update that gives them an address arrives as a full object anyway.
    const keep = facts.agent || (!facts.hostNetwork && !facts.finished && facts.ips.length > 0);
    if (!keep) {
      if (old) {
        this.removePod(old);
      }
      return;
    }
    const flags = flagsOf(facts);
    if (old && old.nodeName === facts.nodeName && old.flags === flags && sameIps(old.ips, facts.ips)) {
      old.seen = this.generation.pods;
      return;
    }
    if (old) {
      this.removePod(old);
    }
    // Looked up after the removal: removing the last pod of a node without a Node object forgets its entry.
    const node = facts.nodeName === undefined ? undefined : this.entry(facts.nodeName);
    const record = new PodRecord(key, node, facts.ips, flags);
    record.seen = this.generation.pods;
    this.pods.set(key, record);
    if (node) {
      record.slot = node.pods.length;
      node.pods.push(record);
      if (record.agentReady) {
        node.readyAgents++;
        this.refreshCoverage(node);
      }
    }
    this.place(record);
  }

  /** Removes a pod (DELETED event, or it left the selection). */
  deletePod(uid: string): void {
    const old = this.pods.get(uidKey(uid));
    if (old) {
      this.removePod(old);
    }
  }

  /** Adds or updates a node. */
  upsertNode(facts: NodeFacts): void {
    const node = this.entry(facts.name);
    node.seen = this.generation.nodes;
    // Most node updates are status heartbeats that change nothing the rule reads.
    if (node.facts && sameNodeFacts(node.facts, facts)) {
      return;
    }
    node.facts = facts;
    this.refreshCoverage(node, true);
  }

  /** Removes a node object (its pods stay until their own deletion arrives). */
  deleteNode(name: string): void {
    const node = this.nodes.get(name);
    if (!node || !node.facts) {
      return;
    }
    node.facts = undefined;
    this.refreshCoverage(node, true);
    this.forgetIfUnused(node);
  }

  /** A full list of `kind` starts: what it does not mention is removed when it ends. */
  beginList(kind: ListedKind): void {
    this.generation[kind]++;
  }

  /** A full list of `kind` ended: removes what it did not mention (the diff against the previous state). */
  endList(kind: ListedKind): void {
    const gen = this.generation[kind];
    if (kind === "pods") {
      for (const record of [...this.pods.values()]) {
        if (record.seen !== gen) {
          this.removePod(record);
        }
      }
    } else {
      for (const node of [...this.nodes.values()]) {
        if (node.facts && node.seen !== gen) {
          this.deleteNode(node.name);
        }
      }
    }
  }

  /** Re-evaluates nodes whose mirror settle time has passed; returns when the next one is due (ms), if any. */
  settle(): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const node of [...this.settling]) {
      const from = mirrorCoveredFrom(node.facts, this.options);
      if (from === undefined || from <= now) {
        this.refreshCoverage(node);
      } else {
        next = next === undefined ? from : Math.min(next, from);
      }
    }
    return next;
  }

  /** True when changes wait to be taken. */
  get pending(): boolean {
    const s = this.sets;
    return s.covered4.pending || s.coverednets4.pending || s.sidecar4.pending || s.nodes4.pending;
  }

  /** The net changes since the last take, per set (sets without changes are left out). */
  takeChanges(): Partial<Record<SetName, SetChanges>> {
    const out: Partial<Record<SetName, SetChanges>> = {};
    for (const name of Object.keys(this.sets) as SetName[]) {
      const changes = this.sets[name].take();
      if (changes.add.length > 0 || changes.delete.length > 0) {
        out[name] = changes;
      }
    }
    return out;
  }

  /** Gives back changes that could not be applied: they are owed to the kernel again. */
  untakeChanges(changes: Partial<Record<SetName, SetChanges>>): void {
    for (const name of Object.keys(changes) as SetName[]) {
      const c = changes[name];
      if (!c) {
        continue;
      }
      const set = this.sets[name];
      if (set instanceof PrefixCounts) {
        set.untake(c);
      } else {
        set.untake(c, parseIpv4);
      }
    }
  }

  /** Elements per set (distinct, as the rule wants them). */
  sizes(): Record<SetName, number> {
    return {
      covered4: this.sets.covered4.size,
      coverednets4: this.sets.coverednets4.size,
      sidecar4: this.sets.sidecar4.size,
      nodes4: this.sets.nodes4.size,
    };
  }

  /** The full desired contents, in nft syntax (tests and diagnostics). */
  contents(): Record<SetName, string[]> {
    const addr = (s: AddressCounts): string[] => [...s].map(formatIpv4).sort();
    return {
      covered4: addr(this.sets.covered4),
      coverednets4: [...this.sets.coverednets4.visible()].sort(),
      sidecar4: addr(this.sets.sidecar4),
      nodes4: addr(this.sets.nodes4),
    };
  }

  /** This node, once its Node object is known. */
  selfNode(): SelfNode | undefined {
    const node = this.nodes.get(this.options.nodeName);
    if (!node?.facts) {
      return undefined;
    }
    return { mirrorCovered: node.coverage.mirror, addresses: node.facts.addresses.map(formatIpv4) };
  }

  private entry(name: string): NodeEntry {
    let node = this.nodes.get(name);
    if (!node) {
      node = new NodeEntry(name);
      this.nodes.set(name, node);
    }
    return node;
  }

  private forgetIfUnused(node: NodeEntry): void {
    if (!node.facts && node.pods.length === 0 && node.name !== this.options.nodeName) {
      this.nodes.delete(node.name);
      this.settling.delete(node);
    }
  }

  private removePod(record: PodRecord): void {
    this.pods.delete(record.uid);
    this.placeAt(record, NOWHERE);
    const node = record.node;
    if (node) {
      const last = node.pods.pop() as PodRecord;
      if (last !== record) {
        node.pods[record.slot] = last;
        last.slot = record.slot;
      }
      if (record.agentReady) {
        node.readyAgents--;
        this.refreshCoverage(node);
      }
      this.forgetIfUnused(node);
    }
  }

  private place(record: PodRecord): void {
    this.placeAt(record, podPlacement(record, record.node?.coverage ?? NOT_COVERED));
  }

  private placeAt(record: PodRecord, next: PodPlacement): void {
    const prev = record.placement;
    if (prev.covered !== next.covered) {
      for (const ip of record.ips) {
        if (next.covered) {
          this.sets.covered4.add(ip);
        } else {
          this.sets.covered4.remove(ip);
        }
      }
    }
    if (prev.sidecar !== next.sidecar) {
      for (const ip of record.ips) {
        if (next.sidecar) {
          this.sets.sidecar4.add(ip);
        } else {
          this.sets.sidecar4.remove(ip);
        }
      }
    }
    record.placement = next;
  }

  /**
   * Recomputes a node's coverage; when it changes (or its facts did), its own contribution and its pods'
   * placements follow.
   */
  private refreshCoverage(node: NodeEntry, factsChanged = false): void {
    const now = this.now();
    const isSelf = node.name === this.options.nodeName;
    const coverage = nodeCoverage(node.facts, node.readyAgents, isSelf, this.options, now);
    const from = mirrorCoveredFrom(node.facts, this.options);
    if (from !== undefined && from > now) {
      this.settling.add(node);
    } else {
      this.settling.delete(node);
    }
    const coverageChanged =
      coverage.agent !== node.coverage.agent || coverage.mirror !== node.coverage.mirror;
    if (!coverageChanged && !factsChanged) {
      return;
    }
    node.coverage = coverage;
    this.contribute(
      node,
      node.facts ? nodeContribution(node.facts, coverage, this.options) : NO_CONTRIBUTION,
    );
    if (coverageChanged) {
      for (const record of node.pods) {
        this.place(record);
      }
    }
  }

  private contribute(node: NodeEntry, next: NodeContribution): void {
    const prev = node.contribution;
    // Add first, then remove: an element in both is never counted down to zero in between.
    for (const a of next.covered4) {
      this.sets.covered4.add(a);
    }
    for (const p of next.coverednets4) {
      this.sets.coverednets4.add(p);
    }
    for (const a of next.nodes4) {
      this.sets.nodes4.add(a);
    }
    for (const a of prev.covered4) {
      this.sets.covered4.remove(a);
    }
    for (const p of prev.coverednets4) {
      this.sets.coverednets4.remove(p);
    }
    for (const a of prev.nodes4) {
      this.sets.nodes4.remove(a);
    }
    node.contribution = next;
  }
}
