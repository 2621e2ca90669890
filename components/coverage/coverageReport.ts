/**
 * The coverage report: for every node, Fargate profile and workload of the cluster, whether its packets reach the
 * sensor and through what (the node agent, VPC Traffic Mirroring, a Fargate sidecar), or why not. Uncovered entries
 * come first: they are what a security team reads first.
 *
 * The rules are the agent's (docs/agent.md, "Agent v2" design) seen from outside:
 * - a node is agent-covered while an agent pod on it is Running, Ready and not terminating; the DaemonSet's
 *   scheduling rules (`agentScheduling.ts`) say why a node gets none;
 * - with mirroring, AWS copies what leaves each node ENI with a session; an agent-covered node leaves that to AWS
 *   and reports the rest. A node the agent counts as mirrored (AWS provider id, mirrorable instance type, older
 *   than the settle time) but whose interface ENI has no session loses what leaves through that ENI: a gap;
 * - a node without an agent but with mirrored ENIs is partly covered: same-node traffic never crosses an ENI;
 * - pods follow their node, except branch-ENI pods (security groups for pods, annotation `vpc.amazonaws.com/pod-eni`):
 *   trunk and branch ENIs cannot be mirrored, so without an agent on their node nothing sees them;
 * - a Fargate pod is covered while its `extrahop-rpcapd` sidecar container (regular or native) is ready.
 * Pods that finished (Succeeded, Failed) are ignored; pods not scheduled yet are counted as pending.
 */
import { unsupportedMatch } from "../contract/mirrorableInstanceTypes";
import { fargatePlacement, FARGATE_PROFILE_LABEL, type FargateProfile } from "../fargate/fargateProfiles";
import type { SkippedMirrorSource } from "../mirror/reconcileOutcome";
import { agentExclusions, isFargateNode, type AgentScheduling } from "./agentScheduling";
import type { NodeObject, PodObject } from "./clusterObjects";
import { describeWorkload, workloadOf } from "./podOwners";

/** What reports a packet. */
export type CoverageMechanism = "agent" | "mirroring" | "sidecar";
/** An entry's verdict, in reading order. */
export type CoverageStatus = "not-covered" | "partial" | "covered" | "no-pods";
/** What an entry is about. */
export type CoverageKind = "node" | "fargate-profile" | "workload";

/** One line of the report. */
export interface CoverageEntry {
  /** Node, Fargate profile or workload. */
  kind: CoverageKind;
  /** Node name, profile name, or `namespace/Kind/name`. */
  name: string;
  /** The verdict. */
  status: CoverageStatus;
  /** What reports its packets. */
  coveredBy: CoverageMechanism[];
  /** Why it is not (fully) covered; empty when covered. */
  reasons: string[];
  /** Other facts worth knowing (not gaps). */
  notes: string[];
  /** Running pods counted (profiles, workloads). */
  pods?: number;
}

/** Counts per status. */
export type StatusCounts = Record<CoverageStatus, number>;

/** The report. */
export interface CoverageReport {
  /** Entries, uncovered first, then partial, covered, empty profiles; nodes, profiles, workloads within each. */
  entries: CoverageEntry[];
  /** Counts per kind and status. */
  summary: Record<CoverageKind, StatusCounts>;
}

/** ENIs of an instance as EC2 reports them. */
export interface InstanceEnis {
  /** `i-...` */
  instanceId: string;
  /** Instance type. */
  instanceType?: string;
  /** Its attached ENIs. */
  networkInterfaces: { networkInterfaceId: string; interfaceType: string; deviceIndex?: number }[];
}

/** What is known about VPC Traffic Mirroring. */
export interface MirroringFacts {
  /** Mirroring is configured (`VPC_MIRRORING=true`). */
  enabled: boolean;
  /** ENIs with a session of this deployment. */
  mirroredEnis: string[];
  /** What the reconciler left out, with reasons. */
  skipped: SkippedMirrorSource[];
  /** Instance-type patterns AWS cannot mirror (the agent's and the reconciler's list). */
  unsupportedInstanceTypes: readonly string[];
  /** ENIs per instance, when EC2 was read; without them only the reconciler's skips are known. */
  instances?: InstanceEnis[];
  /** Seconds a node needs before the agent counts it as mirrored (`MIRROR_SETTLE`). */
  settleSeconds: number;
}

/** Everything the report is computed from. */
export interface CoverageInputs {
  /** Every Node. */
  nodes: NodeObject[];
  /** Every Pod. */
  pods: PodObject[];
  /** The cluster's Fargate profiles (empty when none or unknown: profiles are then taken from the pods' labels). */
  fargateProfiles: FargateProfile[];
  /** The agent's scheduling rules. */
  agent: AgentScheduling;
  /**
   * `observed`: agent pods as listed decide which nodes have an agent; `scheduled`: every node the DaemonSet
   * selects counts as having one (a report made before the rollout).
   */
  agentPods: "observed" | "scheduled";
  /** Mirroring facts. */
  mirroring: MirroringFacts;
  /** Name of the sidecar container. Default `extrahop-rpcapd`. */
  sidecarContainerName?: string;
  /** Now, in ms since the epoch (node ages). Default `Date.now()`. */
  now?: number;
}

/** Annotation the VPC CNI puts on a pod that has a branch ENI (security groups for pods). */
export const BRANCH_ENI_ANNOTATION = "vpc.amazonaws.com/pod-eni";

interface NodeVerdict {
  entry: CoverageEntry;
  agent: boolean;
  mirrored: boolean;
  noAgentReason: string;
  gaps: string[];
}

interface PodVerdict {
  status: Exclude<CoverageStatus, "no-pods">;
  coveredBy: CoverageMechanism[];
  reasons: string[];
  notes: string[];
}

const STATUS_ORDER: CoverageStatus[] = ["not-covered", "partial", "covered", "no-pods"];
const KIND_ORDER: CoverageKind[] = ["node", "fargate-profile", "workload"];

function instanceIdOf(node: NodeObject): string | undefined {
  const m = /^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/.exec(node.spec?.providerID ?? "");
  return m?.[1];
}

function isReady(pod: PodObject): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function isAgentPod(pod: PodObject, agent: AgentScheduling): boolean {
  const labels = pod.metadata.labels ?? {};
  return (
    pod.metadata.namespace === agent.namespace &&
    Object.entries(agent.podLabels).every(([k, v]) => labels[k] === v)
  );
}

function uniq<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** The mirroring state of one node: mirrored at all, and what the agent would wrongly leave to AWS. */
function nodeMirroring(
  node: NodeObject,
  m: MirroringFacts,
  now: number,
): { mirrored: boolean; reasons: string[]; gaps: string[]; notes: string[] } {
  const none = { mirrored: false, reasons: [] as string[], gaps: [] as string[], notes: [] as string[] };
  if (!m.enabled) {
    return none;
  }
  const instanceId = instanceIdOf(node);
  const type = node.metadata.labels?.["node.kubernetes.io/instance-type"];
  if (!instanceId) {
    return { ...none, reasons: ["not an EC2 instance (no aws:// provider id): not mirrored"] };
  }
  const unsupported = type ? unsupportedMatch(type, m.unsupportedInstanceTypes) : undefined;
  if (unsupported) {
    return { ...none, reasons: [`instance type ${type} cannot be mirrored (matches ${unsupported})`] };
  }
  const skips = m.skipped.filter((s) => s.instanceId === instanceId);
  const whole = skips.find((s) => !s.networkInterfaceId);
  if (whole) {
    return { ...none, reasons: [`not mirrored: ${whole.detail}`] };
  }
  const created = Date.parse(node.metadata.creationTimestamp ?? "");
  const settled = Number.isNaN(created) || now - created >= m.settleSeconds * 1000;
  const gaps: string[] = [];
  const notes: string[] = [];
  let mirrored: boolean;
  const facts = m.instances?.find((i) => i.instanceId === instanceId);
  if (facts) {
    const interfaces = facts.networkInterfaces.filter((e) => e.interfaceType === "interface");
    const missing = interfaces.filter((e) => !m.mirroredEnis.includes(e.networkInterfaceId));
    mirrored = interfaces.length > missing.length;
    for (const eni of missing) {
      const skip = skips.find((s) => s.networkInterfaceId === eni.networkInterfaceId);
      const why = skip ? skip.detail : "no mirror session";
      (settled ? gaps : notes).push(
        settled
          ? `ENI ${eni.networkInterfaceId} has no mirror session (${why}) but the agent counts the node as mirrored: ` +
              "what leaves through it is lost"
          : `ENI ${eni.networkInterfaceId} has no mirror session yet (${why}); the agent reports its traffic until the node is ${m.settleSeconds}s old`,
      );
    }
    for (const eni of facts.networkInterfaces.filter((e) => e.interfaceType !== "interface")) {
      notes.push(`ENI ${eni.networkInterfaceId} is of type ${eni.interfaceType}: AWS cannot mirror it`);
    }
  } else {
    mirrored = true;
    for (const s of skips.filter((x) => x.reason === "session-limit" || x.reason === "target-source-limit")) {
      gaps.push(
        `ENI ${s.networkInterfaceId} has no mirror session (${s.detail}) but the agent counts the node as mirrored: ` +
          "what leaves through it is lost",
      );
    }
  }
  return { mirrored, reasons: mirrored ? [] : ["no ENI of the node has a mirror session"], gaps, notes };
}

function nodeVerdict(
  node: NodeObject,
  inputs: CoverageInputs,
  agentNodes: Set<string>,
  now: number,
): NodeVerdict {
  const name = node.metadata.name;
  const exclusions = agentExclusions(node, inputs.agent);
  const agent = inputs.agentPods === "scheduled" ? exclusions.length === 0 : agentNodes.has(name);
  const noAgentReason = agent
    ? ""
    : exclusions.length > 0
      ? exclusions.join("; ")
      : "no Running and Ready agent pod on the node";
  const mirror = nodeMirroring(node, inputs.mirroring, now);
  const entry: CoverageEntry = {
    kind: "node",
    name,
    status: "covered",
    coveredBy: [],
    reasons: [],
    notes: [],
  };
  if (agent) {
    entry.coveredBy.push("agent");
    if (mirror.mirrored) {
      entry.coveredBy.push("mirroring");
    }
    entry.notes.push(
      ...mirror.reasons.map((r) => `${r}; the agent reports all of its traffic`),
      ...mirror.notes,
    );
    if (mirror.gaps.length > 0) {
      entry.status = "partial";
      entry.reasons.push(...mirror.gaps);
    }
  } else if (mirror.mirrored) {
    entry.status = "partial";
    entry.coveredBy.push("mirroring");
    entry.reasons.push(
      `only what crosses its ENIs is seen (mirroring); same-node traffic and branch-ENI pods are not: no agent: ${noAgentReason}`,
    );
    entry.notes.push(...mirror.notes);
  } else {
    entry.status = "not-covered";
    entry.reasons.push(`no agent: ${noAgentReason}`, ...mirror.reasons);
  }
  return { entry, agent, mirrored: mirror.mirrored, noAgentReason, gaps: mirror.gaps };
}

function sidecarState(pod: PodObject, container: string): "ready" | "not-ready" | "absent" {
  const declared = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (c) => c.name === container,
  );
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  if (statuses.some((s) => s.name === container && s.ready)) {
    return "ready";
  }
  return declared || statuses.some((s) => s.name === container) ? "not-ready" : "absent";
}

function isFargatePod(pod: PodObject, node: NodeObject | undefined): boolean {
  return (
    (node !== undefined && isFargateNode(node)) ||
    pod.spec?.schedulerName === "fargate-scheduler" ||
    FARGATE_PROFILE_LABEL in (pod.metadata.labels ?? {})
  );
}

function podVerdict(
  pod: PodObject,
  node: NodeObject | undefined,
  verdicts: Map<string, NodeVerdict>,
  sidecar: string,
): PodVerdict {
  if (isFargatePod(pod, node)) {
    const state = sidecarState(pod, sidecar);
    return state === "ready"
      ? { status: "covered", coveredBy: ["sidecar"], reasons: [], notes: [] }
      : {
          status: "not-covered",
          coveredBy: [],
          reasons: [
            state === "absent"
              ? `Fargate pod without the ${sidecar} sidecar`
              : `Fargate pod whose ${sidecar} sidecar is not ready (no sensor connection)`,
          ],
          notes: [],
        };
  }
  const v = verdicts.get(pod.spec?.nodeName ?? "");
  if (!v) {
    return {
      status: "not-covered",
      coveredBy: [],
      reasons: [`on node ${pod.spec?.nodeName}, which the API does not list`],
      notes: [],
    };
  }
  const nodeName = v.entry.name;
  const branch = BRANCH_ENI_ANNOTATION in (pod.metadata.annotations ?? {}) && !pod.spec?.hostNetwork;
  if (v.agent) {
    const coveredBy: CoverageMechanism[] = v.mirrored && !branch ? ["agent", "mirroring"] : ["agent"];
    const notes = branch
      ? ["branch ENI (security groups for pods): AWS cannot mirror it; the agent reports it"]
      : [];
    return v.gaps.length > 0 && !branch
      ? { status: "partial", coveredBy, reasons: v.gaps.map((g) => `node ${nodeName}: ${g}`), notes }
      : { status: "covered", coveredBy, reasons: [], notes };
  }
  if (v.mirrored && branch) {
    return {
      status: "not-covered",
      coveredBy: [],
      reasons: [
        `branch ENI (security groups for pods) cannot be mirrored and node ${nodeName} has no agent: ${v.noAgentReason}`,
      ],
      notes: [],
    };
  }
  if (v.mirrored) {
    return {
      status: "partial",
      coveredBy: ["mirroring"],
      reasons: [
        `only what crosses the ENIs of node ${nodeName} is seen (same-node traffic is not): no agent: ${v.noAgentReason}`,
      ],
      notes: [],
    };
  }
  return {
    status: "not-covered",
    coveredBy: [],
    reasons: [`node ${nodeName} has no agent: ${[v.noAgentReason, ...v.entry.reasons.slice(1)].join("; ")}`],
    notes: [],
  };
}

function worst(statuses: CoverageStatus[]): CoverageStatus {
  return STATUS_ORDER.find((s) => statuses.includes(s)) ?? "no-pods";
}

/** Aggregates pod verdicts: the worst status, reasons counted ("2 of 3 pods: ..."). */
function aggregate(kind: CoverageKind, name: string, verdicts: PodVerdict[], pending: number): CoverageEntry {
  const counted = (texts: string[][]) => {
    const counts = new Map<string, number>();
    texts.flat().forEach((t) => counts.set(t, (counts.get(t) ?? 0) + 1));
    return [...counts].map(([t, n]) => (verdicts.length > 1 ? `${n} of ${verdicts.length} pods: ${t}` : t));
  };
  const notes = counted(verdicts.map((v) => uniq(v.notes)));
  if (pending > 0) {
    notes.push(`${pending} pod(s) pending (not scheduled yet)`);
  }
  return {
    kind,
    name,
    status: verdicts.length === 0 ? "no-pods" : worst(verdicts.map((v) => v.status)),
    coveredBy: uniq(verdicts.flatMap((v) => v.coveredBy)).sort() as CoverageMechanism[],
    reasons: counted(verdicts.map((v) => uniq(v.reasons))),
    notes,
    pods: verdicts.length,
  };
}

function emptyCounts(): StatusCounts {
  return { "not-covered": 0, partial: 0, covered: 0, "no-pods": 0 };
}

/**
 * The coverage report.
 * @param inputs nodes, pods, Fargate profiles, the agent's scheduling rules and the mirroring facts
 */
export function coverageReport(inputs: CoverageInputs): CoverageReport {
  const now = inputs.now ?? Date.now();
  const sidecar = inputs.sidecarContainerName ?? "extrahop-rpcapd";
  const live = inputs.pods.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  const agentNodes = new Set(
    live
      .filter(
        (p) =>
          isAgentPod(p, inputs.agent) &&
          p.status?.phase === "Running" &&
          isReady(p) &&
          !p.metadata.deletionTimestamp,
      )
      .map((p) => p.spec?.nodeName ?? ""),
  );
  const nodesByName = new Map(inputs.nodes.map((n) => [n.metadata.name, n]));
  const verdicts = new Map<string, NodeVerdict>();
  for (const node of inputs.nodes.filter((n) => !isFargateNode(n))) {
    verdicts.set(node.metadata.name, nodeVerdict(node, inputs, agentNodes, now));
  }
  const entries: CoverageEntry[] = [...verdicts.values()].map((v) => v.entry);

  const workloads = new Map<string, { verdicts: PodVerdict[]; pending: number }>();
  const profiles = new Map<string, { verdicts: PodVerdict[]; workloads: Set<string> }>();
  for (const p of inputs.fargateProfiles) {
    profiles.set(p.name, { verdicts: [], workloads: new Set() });
  }
  // The agent's own pods are the node entries' subject; listing them as a workload would repeat every node.
  for (const pod of live.filter((p) => !isAgentPod(p, inputs.agent))) {
    const key = describeWorkload(workloadOf(pod));
    const w = workloads.get(key) ?? { verdicts: [], pending: 0 };
    workloads.set(key, w);
    if (!pod.spec?.nodeName) {
      w.pending += 1;
      continue;
    }
    const node = nodesByName.get(pod.spec.nodeName);
    const verdict = podVerdict(pod, node, verdicts, sidecar);
    w.verdicts.push(verdict);
    if (isFargatePod(pod, node)) {
      const labels = pod.metadata.labels ?? {};
      const profile =
        labels[FARGATE_PROFILE_LABEL] ??
        fargatePlacement(inputs.fargateProfiles, pod.metadata.namespace ?? "default", labels)?.profile.name ??
        "(unknown profile)";
      const entry = profiles.get(profile) ?? { verdicts: [], workloads: new Set<string>() };
      profiles.set(profile, entry);
      entry.verdicts.push(verdict);
      if (verdict.status !== "covered") {
        entry.workloads.add(key);
      }
    }
  }
  for (const [name, p] of profiles) {
    const entry = aggregate("fargate-profile", name, p.verdicts, 0);
    if (p.workloads.size > 0) {
      entry.reasons.push(`workloads without a ready sidecar: ${[...p.workloads].sort().join(", ")}`);
    }
    if (entry.status === "no-pods") {
      entry.notes.push("no pod runs with this profile now; a workload placed there later needs the sidecar");
    }
    entries.push(entry);
  }
  for (const [name, w] of workloads) {
    entries.push(aggregate("workload", name, w.verdicts, w.pending));
  }

  entries.sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const summary = { node: emptyCounts(), "fargate-profile": emptyCounts(), workload: emptyCounts() };
  for (const e of entries) {
    summary[e.kind][e.status] += 1;
  }
  return { entries, summary };
}
