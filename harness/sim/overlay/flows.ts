// The flow matrix of the overlay clusters: one entry per flow class, each carrying a unique marker, and the count
// of copies of each marked packet at the sensor. With VPC_MIRRORING=false (mirroring is AWS-only) every marked
// packet must reach the sensor exactly once. Sending and counting follow runMatrix in harness/sim/matrix.ts (which
// is typed to the VPC simulation's cluster), except that a bulk stream is counted by the copies of its marked
// first segment and of the server's answer to it (an encapsulated copy of a segment has other addresses, so byte
// coverage alone cannot see it); byte coverage and the largest frame are reported beside.
import type { Capture, Observation } from "../cluster";
import type { Command, Reply } from "../processes";
import * as O from "./topology";

let markerSeq = 0;

/** A unique 16-character marker in the form the capture reader looks for (MARKER_RE of harness/sim/cluster.ts). */
export function newMarker(): string {
  const base = (Date.now() % 1e9).toString(36) + (++markerSeq).toString(36);
  return ("mko" + base + "0000000000000000").slice(0, 16);
}

/** Which packets of a flow carry its marker. */
export type Kind = "req" | "rsp" | "err";

/** One flow of the matrix. */
export interface OverlayFlow {
  /** Flow class, as the tables list it. */
  cls: string;
  /** Whether its packets stay on one node, cross nodes, or come from/go to outside the cluster. */
  scope: "same node" | "cross node" | "outside";
  /** Worker that sends (namespace key: pA1, nA, outside, inet, ...). */
  from: string;
  /** Client operation of the worker (tcp, udp, ping, udp-closed, tcp-bulk). */
  op: Command["op"];
  /** Destination address. */
  host: string;
  /** Destination port (TCP/UDP). */
  port?: number;
  /** UDP datagram size, or bytes of a bulk stream. */
  size?: number;
  /** Packets of the flow that carry the marker. */
  kinds: Kind[];
}

/** What runs flows and reads the sensor: an overlay cluster (or anything shaped like one). */
export interface FlowTarget {
  /** The cluster's addresses and encapsulation (to tell outer copies from inner ones). */
  readonly topology: O.OverlayTopology;
  /** The worker of a namespace key, which runs one client operation per `send`. */
  worker(key: string): { send(c: Omit<Command, "id">): Promise<Reply> };
  /** Everything the sensor received so far. */
  collect(): Capture;
}

/** One flow's outcome. */
export interface OverlayFlowResult {
  flow: OverlayFlow;
  /** The flow's marker. */
  marker: string;
  /** The traffic itself worked (false: the simulated datapath is broken, not the agent). */
  ok: boolean;
  /** The worker's answer ("ok", "refused", an error). */
  detail: string;
  /** Copies expected per kind (1 for each kind the flow carries). */
  expected: Record<Kind, number>;
  /** Copies the sensor received per kind (inner and encapsulated ones). */
  got: Record<Kind, number>;
  /** Of those, copies that were the encapsulation between two nodes (the outer packet) rather than the packet. */
  outer: Record<Kind, number>;
  /** Every frame that carried the marker. */
  observations: Observation[];
  /** tcp-bulk: stream bytes written, distinct stream bytes the sensor received as inner packets, largest frame. */
  bulk?: { sent: number; unique: number; segments: number; maxFrameLength: number };
}

const both: Kind[] = ["req", "rsp"];

/** Every flow class, for one datapath's addresses. */
export function overlayFlows(t: O.OverlayTopology): OverlayFlow[] {
  const p = (k: string): string => O.podOf(t, k).ip;
  const n = (k: string): string => O.nodeOf(t, k).ip;
  const svc = t.services;
  const bridgeIp = O.nthAddress(O.nodeOf(t, "A").block, 1);
  const f = (
    scope: OverlayFlow["scope"],
    cls: string,
    from: string,
    op: OverlayFlow["op"],
    host: string,
    port?: number,
    extra: Partial<OverlayFlow> = {},
  ): OverlayFlow => ({ scope, cls, from, op, host, port, kinds: both, ...extra });
  return [
    f("same node", "pod->pod same node", "pA1", "tcp", p("A2"), O.POD_TCP),
    f("same node", "pod->pod same node", "pA1", "udp", p("A2"), O.POD_UDP),
    f("same node", "pod->pod same node", "pA1", "ping", p("A2")),
    f("same node", "pod->ClusterIP local backend", "pA1", "tcp", svc.local.ip, svc.local.port),
    f("same node", "pod->ClusterIP local backend", "pA1", "udp", svc.local.ip, svc.local.port),
    f("same node", "kubelet(node)->pod", "nA", "tcp", p("A1"), O.POD_TCP),
    f("same node", "kubelet(node)->pod", "nA", "ping", p("A1")),
    f("same node", "hostNetwork->local pod", "nA", "udp", p("A2"), O.POD_UDP),
    f("same node", "pod->hostNetwork same node", "pA1", "tcp", n("A"), O.HOST_TCP),
    // A UDP server bound to 0.0.0.0 answers from the address routing picks towards the client: on a bridged
    // datapath that is the bridge's (cni0) address, so a client connected to the node address would drop it.
    f(
      "same node",
      "pod->hostNetwork same node",
      "pA1",
      "udp",
      t.cni === "flannel" ? bridgeIp : n("A"),
      O.HOST_UDP,
    ),
    f("same node", "hostNetwork->ClusterIP local backend", "nA", "tcp", svc.local.ip, svc.local.port),
    f("same node", "ICMP error same node", "pA1", "udp-closed", p("A2"), 9999, { kinds: ["req", "err"] }),
    f("same node", "fragmented UDP same node", "pA1", "udp", p("A2"), O.POD_UDP, { size: 3000 }),
    f("same node", "TCP bulk same node", "pA1", "tcp-bulk", p("A2"), O.POD_TCP, {
      size: 300_000,
    }),
    f("cross node", "pod->pod cross node", "pA1", "tcp", p("B1"), O.POD_TCP),
    f("cross node", "pod->pod cross node", "pA1", "udp", p("B1"), O.POD_UDP),
    f("cross node", "pod->pod cross node", "pB1", "ping", p("A2")),
    f("cross node", "pod->ClusterIP remote backend", "pA1", "tcp", svc.remote.ip, svc.remote.port),
    f("cross node", "pod->ClusterIP remote backend", "pA1", "udp", svc.remote.ip, svc.remote.port),
    f(
      "cross node",
      "pod->NodePort of another node (backend local there)",
      "pA1",
      "tcp",
      n("B"),
      O.NODEPORT_TCP,
    ),
    f("cross node", "kubelet(node)->pod remote", "nB", "tcp", p("A1"), O.POD_TCP),
    f("cross node", "hostNetwork->remote pod", "nA", "tcp", p("B1"), O.POD_TCP),
    f("cross node", "hostNetwork->remote pod", "nA", "ping", p("B1")),
    f("cross node", "pod->hostNetwork remote", "pB1", "udp", n("A"), O.HOST_UDP),
    f("cross node", "hostNetwork->ClusterIP remote backend", "nA", "udp", svc.remote.ip, svc.remote.port),
    f("cross node", "node->node", "nA", "tcp", n("B"), O.HOST_TCP),
    f("cross node", "excluded-node pod->pod", "pC1", "tcp", p("A1"), O.POD_TCP),
    f("cross node", "pod->excluded-node pod", "pA1", "udp", p("C1"), O.POD_UDP),
    f("cross node", "excluded-node hostNetwork->pod", "nC", "tcp", p("A1"), O.POD_TCP),
    f("cross node", "pod->excluded-node hostNetwork", "pB1", "udp", n("C"), O.HOST_UDP),
    f("cross node", "ICMP error cross node", "pA1", "udp-closed", p("B1"), 9999, { kinds: ["req", "err"] }),
    f("cross node", "fragmented UDP cross node", "pA1", "udp", p("B1"), O.POD_UDP, { size: 3000 }),
    f("cross node", "fragmented UDP from hostNetwork", "nA", "udp", p("B1"), O.POD_UDP, { size: 3000 }),
    f("cross node", "TCP bulk cross node", "pA1", "tcp-bulk", p("B1"), O.POD_TCP, {
      size: 300_000,
    }),
    f("outside", "pod->internet (SNAT)", "pA1", "tcp", O.INET_IP, O.POD_TCP),
    f("outside", "pod->internet (SNAT)", "pA2", "udp", O.INET_IP, O.POD_UDP),
    f("outside", "pod->internet (SNAT)", "pA1", "ping", O.INET_IP),
    f("outside", "internet->NodePort (DNAT+SNAT, remote backend)", "inet", "tcp", n("A"), O.NODEPORT_TCP),
    f("outside", "internet->NodePort (DNAT+SNAT, remote backend)", "inet", "udp", n("A"), O.NODEPORT_UDP),
    f(
      "outside",
      "outside host->NodePort (DNAT+SNAT, remote backend)",
      "outside",
      "udp",
      n("A"),
      O.NODEPORT_UDP,
    ),
    f("outside", "outside host->pod", "outside", "tcp", p("B1"), O.POD_TCP),
    f("outside", "outside host->pod", "outside", "udp", p("A1"), O.POD_UDP),
    f("outside", "outside host->pod", "outside", "ping", p("B1")),
    f("outside", "pod->outside host (SNAT)", "pA2", "tcp", O.OUTSIDE_HOST_IP, O.POD_TCP),
    f("outside", "pod->outside host (SNAT)", "pB1", "udp", O.OUTSIDE_HOST_IP, O.POD_UDP),
  ];
}

/** The first flow of every class: what CI runs per datapath (every class, one operation each). */
export function compactFlows(t: O.OverlayTopology): OverlayFlow[] {
  const byClass = new Map<string, OverlayFlow>();
  for (const f of overlayFlows(t)) {
    if (!byClass.has(f.cls)) {
      byClass.set(f.cls, f);
    }
  }
  return [...byClass.values()];
}

/** A readable title of one flow. */
export function flowTitle(f: OverlayFlow): string {
  return `${f.cls}: ${f.op} ${f.from} -> ${f.host}${f.port ? ":" + f.port : ""}${f.size ? ` (${f.size} B)` : ""}`;
}

function bulkBytes(flow: OverlayFlow, marker: string): number {
  return `REQ ${marker}\n`.length + (flow.size ?? 0) + `\nEND ${marker}\n`.length;
}

/**
 * Sends every flow (small ones a few at a time, bulk ones alone), waits for the streams to drain, counts.
 * Results come in the order of `flows`.
 */
export async function runFlows(
  c: FlowTarget,
  flows: OverlayFlow[],
  concurrency = 6,
): Promise<OverlayFlowResult[]> {
  const sent: { flow: OverlayFlow; marker: string; ok: boolean; detail: string }[] = [];
  const send = async (flow: OverlayFlow): Promise<void> => {
    const marker = newMarker();
    const r = await c
      .worker(flow.from)
      .send({ op: flow.op, host: flow.host, port: flow.port, marker, size: flow.size });
    sent.push({ flow, marker, ok: r.ok, detail: r.detail });
  };
  const small = flows.filter((f) => f.op !== "tcp-bulk");
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < small.length) {
        await send(small[i++]);
      }
    }),
  );
  for (const f of flows.filter((x) => x.op === "tcp-bulk")) {
    await send(f);
    await new Promise((r) => setTimeout(r, 300));
  }
  await new Promise((r) => setTimeout(r, 1500)); // the stand-in flushes per packet; let the streams drain
  const cap = c.collect();
  sent.sort((a, b) => flows.indexOf(a.flow) - flows.indexOf(b.flow));
  return sent.map((s) => {
    const obs = cap.observations.filter((o) => o.marker === s.marker);
    const got: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
    const outer: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
    for (const o of obs) {
      got[o.kind]++;
      if (O.isOuterPacket(c.topology, o)) {
        outer[o.kind]++;
      }
    }
    const expected: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
    for (const k of s.flow.kinds) {
      expected[k] = 1;
    }
    let bulk: OverlayFlowResult["bulk"];
    if (s.flow.op === "tcp-bulk") {
      const first = obs.find((x) => x.kind === "req" && x.proto === 6);
      const seg = first
        ? cap.packets.filter(
            (x) =>
              x.proto === 6 &&
              x.src === first.src &&
              x.dst === first.dst &&
              x.sport === first.sport &&
              x.dport === first.dport,
          )
        : [];
      const ranges = seg
        .filter((x) => (x.l4PayloadLength ?? 0) > 0)
        .map((x) => [x.seq!, x.seq! + x.l4PayloadLength!] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      let unique = 0;
      let end = -1;
      for (const [a, b] of ranges) {
        if (b > end) {
          unique += b - Math.max(a, end);
          end = b;
        }
      }
      bulk = {
        sent: bulkBytes(s.flow, s.marker),
        unique,
        segments: seg.length,
        maxFrameLength: Math.max(0, ...seg.map((x) => x.frameLength)),
      };
    }
    return { ...s, expected, got, outer, observations: obs, bulk };
  });
}

/**
 * Copies of the marked packets: exactly once (one copy, and it is the packet itself), more than once (any copies
 * beyond one, inner or outer), missed (no copy of the packet itself; an outer copy alone counts as missed: the
 * sensor would see two nodes talking IP-in-IP or VXLAN, not the pods).
 */
export interface Tally {
  once: number;
  duplicated: number;
  missed: number;
}

/** How one marked packet of a flow arrived. */
export function verdict(r: OverlayFlowResult, k: Kind): keyof Tally {
  if (r.got[k] > 1) {
    return "duplicated";
  }
  return r.got[k] === 1 && r.outer[k] === 0 ? "once" : "missed";
}

/** Whether every marked packet of the flow arrived exactly once, as itself, and the traffic worked. */
export function exactlyOnce(r: OverlayFlowResult): boolean {
  return r.ok && r.flow.kinds.every((k) => verdict(r, k) === "once");
}

/** Tallies every expected marked packet of the results. */
export function tally(rs: OverlayFlowResult[]): Tally {
  const t: Tally = { once: 0, duplicated: 0, missed: 0 };
  for (const r of rs) {
    for (const k of r.flow.kinds) {
      t[verdict(r, k)]++;
    }
  }
  return t;
}

/** Where each copy came from: "<kind> <src>-><dst> p<proto> via <sensor file>". */
export function describeCopies(r: OverlayFlowResult): string {
  return r.observations.map((o) => `${o.kind} ${o.src}->${o.dst} p${o.proto} via ${o.from}`).join("; ");
}

/** One line per flow: class, op, expected and received counts, and the copies when they are wrong. */
export function formatFlowResults(rs: OverlayFlowResult[]): string {
  return rs
    .map((r) => {
      const e = r.expected;
      const g = r.got;
      const good = exactlyOnce(r);
      const outer = r.outer.req + r.outer.rsp + r.outer.err;
      return `${good ? "ok " : "BAD"} ${flowTitle(r.flow)}  expect ${e.req}/${e.rsp}/${e.err} got ${g.req}/${g.rsp}/${g.err}${outer > 0 ? ` (${outer} encapsulated)` : ""}${r.ok ? "" : ` (traffic failed: ${r.detail})`}${good ? "" : `  seen: ${describeCopies(r)}`}${r.bulk ? `  bulk ${JSON.stringify(r.bulk)}` : ""}`;
    })
    .join("\n");
}
