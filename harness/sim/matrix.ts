// The traffic matrix: one entry per flow class of a topology, with the copies the sensor must receive in total
// (the agents' streams, the Fargate sidecars' streams and AWS's mirror copies) in each mode, and the runner that
// sends every flow with a unique marker and counts the copies.
import { Capture, Cluster, Observation, fromMirror } from "./cluster";
import * as T from "./topology";

export type Kind = "req" | "rsp" | "err";

/** What a run looks like, for flows whose expectation depends on it. */
export interface RunContext {
  /** VPC_MIRRORING. */
  vpcMirroring: boolean;
  /** The topology's layout. */
  layout: T.Layout;
}

export interface Flow {
  /** Flow class, as reported. */
  cls: string;
  /** Worker that sends (namespace key: pA1, nA, fF1, vpchost, inet, ...). */
  from: string;
  op: "tcp" | "udp" | "ping" | "udp-closed" | "tcp-bulk";
  host: string;
  port?: number;
  size?: number;
  /** Packets each flow produces that carry the marker. */
  kinds: Kind[];
  /**
   * Copies the design gives, when not exactly one per kind (a documented residual; docs/mirroring.md): a count, or
   * the counts a random choice of the kernel can lead to (first the usual one); or `skip` when the flow does not
   * exist in that run (e.g. a path Linux itself refuses in one layout).
   */
  expect?: (ctx: RunContext) => Partial<Record<Kind, number | number[]>> | "skip";
  /** Why `expect` deviates from once. */
  residual?: string;
}

const both: Kind[] = ["req", "rsp"];

/** Every flow class of a topology. */
export function flowsFor(t: T.SimTopology): Flow[] {
  const p = (k: string): string => T.podIn(t, k).ip;
  const n = (k: string): string => T.nodeIn(t, k).ip;
  const f = (k: string): string => T.fargateIn(t, k).ip;
  const s = t.services;
  return [
    // same node
    { cls: "pod->pod same node", from: "pA1", op: "tcp", host: p("A2"), port: T.POD_TCP, kinds: both },
    { cls: "pod->pod same node", from: "pA1", op: "udp", host: p("A2"), port: T.POD_UDP, kinds: both },
    { cls: "pod->pod same node", from: "pA1", op: "ping", host: p("A2"), kinds: both },
    {
      cls: "pod->ClusterIP local backend",
      from: "pA1",
      op: "tcp",
      host: s.local.ip,
      port: s.local.port,
      kinds: both,
    },
    {
      cls: "pod->ClusterIP local backend",
      from: "pA1",
      op: "udp",
      host: s.local.ip,
      port: s.local.port,
      kinds: both,
    },
    { cls: "kubelet(node)->pod", from: "nA", op: "tcp", host: p("A1"), port: T.POD_TCP, kinds: both },
    { cls: "kubelet(node)->pod", from: "nA", op: "ping", host: p("A1"), kinds: both },
    { cls: "hostNetwork->local pod", from: "nA", op: "udp", host: p("A2"), port: T.POD_UDP, kinds: both },
    {
      cls: "pod->hostNetwork same node",
      from: "pA1",
      op: "tcp",
      host: n("A"),
      port: T.HOST_TCP,
      kinds: both,
    },
    {
      cls: "pod->hostNetwork same node",
      from: "pA1",
      op: "udp",
      host: n("A"),
      port: T.HOST_UDP,
      kinds: both,
    },
    {
      cls: "ICMP error same node",
      from: "pA1",
      op: "udp-closed",
      host: p("A2"),
      port: 9999,
      kinds: ["req", "err"],
    },
    {
      cls: "fragmented UDP same node",
      from: "pA1",
      op: "udp",
      host: p("A2"),
      port: T.POD_UDP,
      size: 3000,
      kinds: both,
    },
    {
      cls: "TCP bulk (GSO/TSO) same node",
      from: "pA1",
      op: "tcp-bulk",
      host: p("A2"),
      port: T.POD_TCP,
      size: 300_000,
      kinds: ["req"],
    },
    {
      cls: "hostNetwork->ClusterIP local backend",
      from: "nA",
      op: "tcp",
      host: s.local.ip,
      port: s.local.port,
      kinds: both,
    },
    // across nodes
    {
      cls: "pod->NodePort of another node (backend local there)",
      from: "pA1",
      op: "tcp",
      host: n("B"),
      port: T.NODEPORT_TCP,
      kinds: both,
    },
    {
      cls: "pod->NodePort of another node, backend on a third (forwarded)",
      from: "pA1",
      op: "tcp",
      host: n("B"),
      port: T.NODEPORT_FAR_TCP,
      kinds: both,
      // 1 instead of 2 when kube-proxy's random SNAT port for the forward falls in the NodePort range (about 4 % of
      // connections): AWS then leaves that leg to node B's agent, which skips it (pod A1 is covered).
      expect: (c) => (c.vpcMirroring ? { req: [2, 1] } : {}),
      residual:
        "with mirroring the request is copied where pod A1 sends it and again where node B forwards it after DNAT+SNAT; no AWS rule can tell",
    },
    {
      cls: "VPC host->NodePort (DNAT+SNAT, remote backend)",
      from: "vpchost",
      op: "udp",
      host: n("A"),
      port: T.NODEPORT_UDP,
      kinds: both,
    },
    {
      cls: "hostNetwork->ClusterIP remote backend",
      from: "nA",
      op: "udp",
      host: s.remote.ip,
      port: s.remote.port,
      kinds: both,
    },
    {
      cls: "TCP bulk (GSO/TSO) cross node",
      from: "pA1",
      op: "tcp-bulk",
      host: p("B1"),
      port: T.POD_TCP,
      size: 300_000,
      kinds: ["req"],
    },
    {
      cls: "fragmented UDP from hostNetwork",
      from: "nA",
      op: "udp",
      host: p("B1"),
      port: T.POD_UDP,
      size: 3000,
      kinds: both,
    },
    { cls: "pod->pod cross node", from: "pA1", op: "tcp", host: p("B1"), port: T.POD_TCP, kinds: both },
    { cls: "pod->pod cross node", from: "pA1", op: "udp", host: p("B1"), port: T.POD_UDP, kinds: both },
    { cls: "pod->pod cross node", from: "pB1", op: "ping", host: p("A2"), kinds: both },
    {
      cls: "pod (secondary ENI)->pod cross node",
      from: "pA2",
      op: "tcp",
      host: p("B1"),
      port: T.POD_TCP,
      kinds: both,
    },
    {
      cls: "pod->ClusterIP remote backend",
      from: "pA1",
      op: "tcp",
      host: s.remote.ip,
      port: s.remote.port,
      kinds: both,
    },
    {
      cls: "pod->ClusterIP remote backend",
      from: "pA1",
      op: "udp",
      host: s.remote.ip,
      port: s.remote.port,
      kinds: both,
    },
    { cls: "pod->internet (SNAT)", from: "pA1", op: "tcp", host: T.INET_IP, port: T.POD_TCP, kinds: both },
    { cls: "pod->internet (SNAT)", from: "pA2", op: "udp", host: T.INET_IP, port: T.POD_UDP, kinds: both },
    { cls: "pod->internet (SNAT)", from: "pA1", op: "ping", host: T.INET_IP, kinds: both },
    {
      cls: "pod->internet, SNAT source port in the NodePort range",
      from: "pA1",
      op: "tcp",
      host: T.INET_NODEPORT_SNAT_IP,
      port: T.POD_TCP,
      kinds: both,
    },
    {
      cls: "pod->internet, SNAT source port in the NodePort range",
      from: "pB1",
      op: "udp",
      host: T.INET_NODEPORT_SNAT_IP,
      port: T.POD_UDP,
      kinds: both,
    },
    {
      cls: "internet->NodePort (DNAT+SNAT, remote backend)",
      from: "inet",
      op: "tcp",
      host: n("A"),
      port: T.NODEPORT_TCP,
      kinds: both,
    },
    {
      cls: "internet->NodePort (DNAT+SNAT, remote backend)",
      from: "inet",
      op: "udp",
      host: n("A"),
      port: T.NODEPORT_UDP,
      kinds: both,
    },
    {
      cls: "internet->NodePort, backend local",
      from: "inet",
      op: "tcp",
      host: n("B"),
      port: T.NODEPORT_TCP,
      kinds: both,
    },
    { cls: "VPC host->pod", from: "vpchost", op: "tcp", host: p("B1"), port: T.POD_TCP, kinds: both },
    { cls: "VPC host->pod", from: "vpchost", op: "udp", host: p("A1"), port: T.POD_UDP, kinds: both },
    { cls: "VPC host->pod", from: "vpchost", op: "ping", host: p("B1"), kinds: both },
    { cls: "pod->VPC host", from: "pA2", op: "tcp", host: T.VPC_HOST_IP, port: T.POD_TCP, kinds: both },
    { cls: "pod->VPC host", from: "pB1", op: "udp", host: T.VPC_HOST_IP, port: T.POD_UDP, kinds: both },
    { cls: "pod->Amazon DNS", from: "pA1", op: "udp", host: T.AMAZON_DNS_IP, port: T.DNS_PORT, kinds: both },
    { cls: "pod->Amazon DNS", from: "pA2", op: "tcp", host: T.AMAZON_DNS_IP, port: T.DNS_PORT, kinds: both },
    { cls: "node->Amazon DNS", from: "nB", op: "udp", host: T.AMAZON_DNS_IP, port: T.DNS_PORT, kinds: both },
    { cls: "kubelet(node)->pod remote", from: "nB", op: "tcp", host: p("A1"), port: T.POD_TCP, kinds: both },
    { cls: "hostNetwork->remote pod", from: "nA", op: "tcp", host: p("B1"), port: T.POD_TCP, kinds: both },
    { cls: "pod->hostNetwork remote", from: "pB1", op: "udp", host: n("A"), port: T.HOST_UDP, kinds: both },
    { cls: "node->node", from: "nA", op: "tcp", host: n("B"), port: T.HOST_TCP, kinds: both },
    { cls: "excluded-node pod->pod", from: "pC1", op: "tcp", host: p("A1"), port: T.POD_TCP, kinds: both },
    { cls: "pod->excluded-node pod", from: "pA1", op: "udp", host: p("C1"), port: T.POD_UDP, kinds: both },
    {
      cls: "ICMP error cross node",
      from: "pA1",
      op: "udp-closed",
      host: p("B1"),
      port: 9999,
      kinds: ["req", "err"],
    },
    {
      cls: "fragmented UDP cross node",
      from: "pA1",
      op: "udp",
      host: p("B1"),
      port: T.POD_UDP,
      size: 3000,
      kinds: both,
    },
    // the node whose instance type AWS cannot mirror (its agent runs)
    {
      cls: "unmirrorable node: pod->pod",
      from: "pU1",
      op: "tcp",
      host: p("A1"),
      port: T.POD_TCP,
      kinds: both,
    },
    {
      cls: "unmirrorable node: pod<-pod",
      from: "pB1",
      op: "udp",
      host: p("U1"),
      port: T.POD_UDP,
      kinds: both,
    },
    {
      cls: "unmirrorable node: pod->internet",
      from: "pU1",
      op: "tcp",
      host: T.INET_IP,
      port: T.POD_TCP,
      kinds: both,
    },
    {
      cls: "unmirrorable node: node->node",
      from: "nU",
      op: "tcp",
      host: n("A"),
      port: T.HOST_TCP,
      kinds: both,
    },
    {
      cls: "unmirrorable node: VPC host->pod",
      from: "vpchost",
      op: "udp",
      host: p("U1"),
      port: T.POD_UDP,
      kinds: both,
    },
    {
      cls: "unmirrorable node: internet->NodePort (forwarded)",
      from: "inet",
      op: "tcp",
      host: n("U"),
      port: T.NODEPORT_TCP,
      kinds: both,
    },
    // branch-ENI pods (security groups for pods)
    {
      cls: "branch pod->pod cross node",
      from: "pAb",
      op: "tcp",
      host: p("B1"),
      port: T.POD_TCP,
      kinds: both,
    },
    {
      cls: "branch pod->branch pod cross node",
      from: "pAb",
      op: "tcp",
      host: p("Bb"),
      port: T.POD_TCP,
      kinds: both,
    },
    { cls: "branch pod->branch pod cross node", from: "pBb", op: "ping", host: p("Ab"), kinds: both },
    { cls: "branch pod->pod same node", from: "pAb", op: "tcp", host: p("A1"), port: T.POD_TCP, kinds: both },
    { cls: "pod->branch pod same node", from: "pA2", op: "udp", host: p("Ab"), port: T.POD_UDP, kinds: both },
    {
      // Strict mode: out through eth0, back through the branch ENI's VLAN (a hairpin through the VPC).
      cls: "kubelet(node)->branch pod same node",
      from: "nA",
      op: "tcp",
      host: p("Ab"),
      port: T.POD_TCP,
      kinds: both,
    },
    {
      cls: "kubelet(node)->branch pod remote",
      from: "nB",
      op: "tcp",
      host: p("Ab"),
      port: T.POD_TCP,
      kinds: both,
    },
    { cls: "branch pod->internet", from: "pBb", op: "tcp", host: T.INET_IP, port: T.POD_TCP, kinds: both },
    { cls: "VPC host->branch pod", from: "vpchost", op: "udp", host: p("Ab"), port: T.POD_UDP, kinds: both },
    {
      cls: "branch pod->ClusterIP remote backend",
      from: "pAb",
      op: "udp",
      host: s.remote.ip,
      port: s.remote.port,
      kinds: both,
    },
    // Fargate pods (their own micro-VM: own namespace on the VPC fabric, a capture sidecar)
    { cls: "Fargate pod->pod", from: "fF1", op: "tcp", host: p("A1"), port: T.POD_TCP, kinds: both },
    { cls: "pod->Fargate pod", from: "pB1", op: "udp", host: f("F1"), port: T.POD_UDP, kinds: both },
    { cls: "node->Fargate pod", from: "nA", op: "tcp", host: f("F2"), port: T.POD_TCP, kinds: both },
    { cls: "Fargate pod->Fargate pod", from: "fF1", op: "tcp", host: f("F2"), port: T.POD_TCP, kinds: both },
    { cls: "Fargate pod->internet", from: "fF2", op: "udp", host: T.INET_IP, port: T.POD_UDP, kinds: both },
    { cls: "VPC host->Fargate pod", from: "vpchost", op: "tcp", host: f("F1"), port: T.POD_TCP, kinds: both },
    { cls: "branch pod->Fargate pod", from: "pBb", op: "tcp", host: f("F2"), port: T.POD_TCP, kinds: both },
  ];
}

/** The default layout's flows (what benchmarks and older callers use). */
export const FLOWS: Flow[] = flowsFor(T.simTopology());

export interface FlowResult {
  flow: Flow;
  marker: string;
  ok: boolean;
  detail: string;
  /** The copies the design gives (the usual one when the kernel's random choices allow several). */
  expected: Record<Kind, number>;
  /** Every count the design allows, per kind. */
  accepted: Record<Kind, number[]>;
  /** Copies in total: the agents' and sidecars' streams plus AWS's mirror copies. */
  got: Record<Kind, number>;
  /** Of which AWS's mirror copies. */
  mirror: Record<Kind, number>;
  observations: Observation[];
  /** tcp-bulk only: largest frame of the client->server stream an agent delivered (bytes). */
  maxFrameLength?: number;
  /** tcp-bulk only: bytes written, distinct stream bytes seen per source summed, bytes seen including retransmissions. */
  bulk?: { sent: number; unique: number; total: number; segments: number };
}

let markerSeq = 0;
export function newMarker(): string {
  const base = (Date.now() % 1e9).toString(36) + (++markerSeq).toString(36);
  return ("mk" + base + "0000000000000000").slice(0, 16);
}

/** What a tcp-bulk client writes: "REQ m\n", the bulk, "\nEND m\n". */
export function bulkBytes(flow: Flow, marker: string): number {
  return `REQ ${marker}\n`.length + (flow.size ?? 0) + `\nEND ${marker}\n`.length;
}

/** The copies the design gives a flow in a run (total of every source), all counts it allows; `skip` when not run. */
export function accepted(flow: Flow, ctx: RunContext): Record<Kind, number[]> | "skip" {
  const override = flow.expect?.(ctx) ?? {};
  if (override === "skip") {
    return "skip";
  }
  const e: Record<Kind, number[]> = { req: [0], rsp: [0], err: [0] };
  for (const k of flow.kinds) {
    const o = override[k] ?? 1;
    e[k] = Array.isArray(o) ? o : [o];
  }
  return e;
}

/** The usual copies the design gives a flow in a run; `skip` when the flow is not run there. */
export function expected(flow: Flow, ctx: RunContext): Record<Kind, number> | "skip" {
  const a = accepted(flow, ctx);
  return a === "skip" ? "skip" : { req: a.req[0], rsp: a.rsp[0], err: a.err[0] };
}

/** The flows a run sends (those its layout has). */
export function flowsOfRun(flows: Flow[], ctx: RunContext): Flow[] {
  return flows.filter((f) => expected(f, ctx) !== "skip");
}

/**
 * Copies of a bulk client->server stream (pod to pod, no NAT): each source's distinct stream bytes (an agent's
 * stream, AWS's copies at one ENI), summed, so two sources copying the whole stream count 2.
 */
function bulkCopies(
  cap: Capture,
  obs: Observation[],
  flow: Flow,
  marker: string,
): NonNullable<FlowResult["bulk"]> & { max: number } {
  const o = obs.find((x) => x.kind === "req" && x.proto === 6);
  const seg = o
    ? cap.packets.filter(
        (p) =>
          p.proto === 6 && p.src === o.src && p.dst === o.dst && p.sport === o.sport && p.dport === o.dport,
      )
    : [];
  const bySource = new Map<string, typeof seg>();
  for (const p of seg) {
    bySource.set(p.from, [...(bySource.get(p.from) ?? []), p]);
  }
  let unique = 0;
  for (const packets of bySource.values()) {
    // Union of the sequence ranges: a retransmission is a new packet on the wire (and is rightly reported again),
    // but must not count as a second copy of the stream.
    const ranges = packets
      .filter((p) => (p.l4PayloadLength ?? 0) > 0)
      .map((p) => [p.seq!, p.seq! + p.l4PayloadLength!] as [number, number])
      .sort((x, y) => x[0] - y[0]);
    let end = -1;
    for (const [x, y] of ranges) {
      if (y > end) {
        unique += y - Math.max(x, end);
        end = y;
      }
    }
  }
  return {
    sent: bulkBytes(flow, marker),
    unique,
    total: seg.reduce((a, p) => a + (p.l4PayloadLength ?? 0), 0),
    segments: seg.length,
    // AWS's copies are taken where the veth hands GSO aggregates over; on the wire they are segments.
    max: Math.max(0, ...seg.filter((p) => !p.from.startsWith("mirror:")).map((p) => p.frameLength)),
  };
}

/** Sends every flow (a few at a time), waits for the capture to drain, counts per marker. */
export async function runMatrix(
  c: Cluster,
  vpcMirroring: boolean,
  flows: Flow[] = flowsFor(c.topology),
  concurrency = 6,
): Promise<FlowResult[]> {
  const ctx: RunContext = { vpcMirroring, layout: c.topology.layout };
  const run = flowsOfRun(flows, ctx);
  const sent: { flow: Flow; marker: string; ok: boolean; detail: string }[] = [];
  const send = async (flow: Flow): Promise<void> => {
    const marker = newMarker();
    const r = await c
      .worker(flow.from)
      .send({ op: flow.op, host: flow.host, port: flow.port, marker, size: flow.size });
    sent.push({ flow, marker, ok: r.ok, detail: r.detail });
  };
  // Small flows a few at a time; bulk flows afterwards, one by one, so that a burst of hundreds of
  // segments cannot overflow a capture buffer while other flows are being counted.
  const small = run.filter((f) => f.op !== "tcp-bulk");
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < small.length) {
        await send(small[i++]);
      }
    }),
  );
  for (const f of run.filter((x) => x.op === "tcp-bulk")) {
    await send(f);
    await new Promise((r) => setTimeout(r, 300));
  }
  await new Promise((r) => setTimeout(r, 1500)); // tcpdump -U flushes per packet; let the streams drain
  const cap: Capture = c.collect();
  return sent.map((s) => {
    const obs = cap.observations.filter((o) => o.marker === s.marker);
    const got: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
    const mirror: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
    let maxFrameLength: number | undefined;
    let bulk: FlowResult["bulk"];
    if (s.flow.op === "tcp-bulk") {
      const b = bulkCopies(cap, obs, s.flow, s.marker);
      got.req = b.unique / b.sent;
      mirror.req = obs.some(fromMirror) ? got.req : 0;
      bulk = { sent: b.sent, unique: b.unique, total: b.total, segments: b.segments };
      maxFrameLength = b.max;
    } else {
      for (const o of obs) {
        got[o.kind]++;
        if (fromMirror(o)) {
          mirror[o.kind]++;
        }
      }
    }
    const e = expected(s.flow, ctx) as Record<Kind, number>;
    const a = accepted(s.flow, ctx) as Record<Kind, number[]>;
    return { ...s, expected: e, accepted: a, got, mirror, observations: obs, maxFrameLength, bulk };
  });
}

/** True when a result has copies the design allows and its traffic went through. */
export function asExpected(r: FlowResult): boolean {
  return (
    r.ok &&
    (["req", "rsp", "err"] as const).every((k) => r.accepted[k].includes(Math.round(r.got[k] * 1000) / 1000))
  );
}

/** One line per flow: class, op, expected and received counts, and where wrong copies came from. */
export function formatResults(rs: FlowResult[]): string {
  return rs
    .map((r) => {
      const e = r.expected;
      const g = r.got;
      const mark = asExpected(r) ? "ok " : "BAD";
      const mirrored =
        r.mirror.req + r.mirror.rsp + r.mirror.err > 0
          ? ` (mirror ${r.mirror.req}/${r.mirror.rsp}/${r.mirror.err})`
          : "";
      return `${mark} ${r.flow.cls.padEnd(56)} ${r.flow.op.padEnd(10)} ${r.flow.from}->${r.flow.host}${r.flow.port ? ":" + r.flow.port : ""}  expect req/rsp/err ${e.req}/${e.rsp}/${e.err} got ${g.req}/${g.rsp}/${g.err}${mirrored}${r.ok ? "" : " (traffic failed: " + r.detail + ")"}${mark === "BAD" ? "  seen: " + r.observations.map((o) => `${o.kind} ${o.src}->${o.dst} via ${o.from}`).join("; ") : ""}${r.bulk ? `  bulk ${JSON.stringify(r.bulk)} max frame ${r.maxFrameLength}` : ""}`;
    })
    .join("\n");
}

/** Tally of a run: packets (markers per kind) delivered once, more than once, or never, against expectations. */
export function tally(rs: FlowResult[]): {
  packets: number;
  asExpected: number;
  once: number;
  duplicated: number;
  missed: number;
  failed: number;
} {
  const out = { packets: 0, asExpected: 0, once: 0, duplicated: 0, missed: 0, failed: 0 };
  for (const r of rs) {
    if (!r.ok) {
      out.failed += r.flow.kinds.length;
      continue;
    }
    for (const k of r.flow.kinds) {
      out.packets++;
      const g = Math.round(r.got[k] * 1000) / 1000;
      if (r.accepted[k].includes(g)) {
        out.asExpected++;
      }
      if (g === 1) {
        out.once++;
      } else if (g > 1) {
        out.duplicated++;
      } else {
        out.missed++;
      }
    }
  }
  return out;
}
