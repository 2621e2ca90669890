// The traffic matrix: one entry per flow class, with what the sensor must receive in each mode.
import { Capture, Cluster, Observation } from "./cluster";
import * as T from "./topology";

export type Kind = "req" | "rsp" | "err";

export interface Flow {
  /** Flow class, as reported. */
  cls: string;
  /** Worker that sends (namespace key: pA1, nA, vpchost, inet, ...). */
  from: string;
  op: "tcp" | "udp" | "ping" | "udp-closed" | "tcp-bulk";
  host: string;
  port?: number;
  size?: number;
  /** Does any packet of this flow cross a node ENI (eth*)? Then VPC mirroring already has it. */
  crossesEth: boolean;
  /** Packets each flow produces that carry the marker. */
  kinds: Kind[];
}

const p = (k: string): string => T.pod(k).ip;
const n = (k: string): string => T.node(k).ip;
const both: Kind[] = ["req", "rsp"];

export const FLOWS: Flow[] = [
  // same node, never on eth
  {
    cls: "pod->pod same node",
    from: "pA1",
    op: "tcp",
    host: p("A2"),
    port: T.POD_TCP,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "pod->pod same node",
    from: "pA1",
    op: "udp",
    host: p("A2"),
    port: T.POD_UDP,
    crossesEth: false,
    kinds: both,
  },
  { cls: "pod->pod same node", from: "pA1", op: "ping", host: p("A2"), crossesEth: false, kinds: both },
  {
    cls: "pod->ClusterIP local backend",
    from: "pA1",
    op: "tcp",
    host: T.SERVICES.local.ip,
    port: T.SERVICES.local.port,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "pod->ClusterIP local backend",
    from: "pA1",
    op: "udp",
    host: T.SERVICES.local.ip,
    port: T.SERVICES.local.port,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "kubelet(node)->pod",
    from: "nA",
    op: "tcp",
    host: p("A1"),
    port: T.POD_TCP,
    crossesEth: false,
    kinds: both,
  },
  { cls: "kubelet(node)->pod", from: "nA", op: "ping", host: p("A1"), crossesEth: false, kinds: both },
  {
    cls: "hostNetwork->local pod",
    from: "nA",
    op: "udp",
    host: p("A2"),
    port: T.POD_UDP,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "pod->hostNetwork same node",
    from: "pA1",
    op: "tcp",
    host: n("A"),
    port: T.HOST_TCP,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "pod->hostNetwork same node",
    from: "pA1",
    op: "udp",
    host: n("A"),
    port: T.HOST_UDP,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "ICMP error same node",
    from: "pA1",
    op: "udp-closed",
    host: p("A2"),
    port: 9999,
    crossesEth: false,
    kinds: ["req", "err"],
  },
  {
    cls: "fragmented UDP same node",
    from: "pA1",
    op: "udp",
    host: p("A2"),
    port: T.POD_UDP,
    size: 3000,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "TCP bulk (GSO/TSO) same node",
    from: "pA1",
    op: "tcp-bulk",
    host: p("A2"),
    port: T.POD_TCP,
    size: 300_000,
    crossesEth: false,
    kinds: ["req"],
  },
  // across eth
  {
    cls: "pod->NodePort of another node (backend local there)",
    from: "pA1",
    op: "tcp",
    host: n("B"),
    port: T.NODEPORT_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "VPC host->NodePort (DNAT+SNAT, remote backend)",
    from: "vpchost",
    op: "udp",
    host: n("A"),
    port: T.NODEPORT_UDP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "hostNetwork->ClusterIP remote backend",
    from: "nA",
    op: "udp",
    host: T.SERVICES.remote.ip,
    port: T.SERVICES.remote.port,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "hostNetwork->ClusterIP local backend",
    from: "nA",
    op: "tcp",
    host: T.SERVICES.local.ip,
    port: T.SERVICES.local.port,
    crossesEth: false,
    kinds: both,
  },
  {
    cls: "TCP bulk (GSO/TSO) cross node",
    from: "pA1",
    op: "tcp-bulk",
    host: p("B1"),
    port: T.POD_TCP,
    size: 300_000,
    crossesEth: true,
    kinds: ["req"],
  },
  {
    cls: "fragmented UDP from hostNetwork",
    from: "nA",
    op: "udp",
    host: p("B1"),
    port: T.POD_UDP,
    size: 3000,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->pod cross node",
    from: "pA1",
    op: "tcp",
    host: p("B1"),
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->pod cross node",
    from: "pA1",
    op: "udp",
    host: p("B1"),
    port: T.POD_UDP,
    crossesEth: true,
    kinds: both,
  },
  { cls: "pod->pod cross node", from: "pB1", op: "ping", host: p("A2"), crossesEth: true, kinds: both },
  {
    cls: "pod->ClusterIP remote backend",
    from: "pA1",
    op: "tcp",
    host: T.SERVICES.remote.ip,
    port: T.SERVICES.remote.port,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->ClusterIP remote backend",
    from: "pA1",
    op: "udp",
    host: T.SERVICES.remote.ip,
    port: T.SERVICES.remote.port,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->internet (SNAT)",
    from: "pA1",
    op: "tcp",
    host: T.INET_IP,
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->internet (SNAT)",
    from: "pA2",
    op: "udp",
    host: T.INET_IP,
    port: T.POD_UDP,
    crossesEth: true,
    kinds: both,
  },
  { cls: "pod->internet (SNAT)", from: "pA1", op: "ping", host: T.INET_IP, crossesEth: true, kinds: both },
  {
    cls: "internet->NodePort (DNAT+SNAT, remote backend)",
    from: "inet",
    op: "tcp",
    host: n("A"),
    port: T.NODEPORT_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "internet->NodePort (DNAT+SNAT, remote backend)",
    from: "inet",
    op: "udp",
    host: n("A"),
    port: T.NODEPORT_UDP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "VPC host->pod",
    from: "vpchost",
    op: "tcp",
    host: p("B1"),
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "VPC host->pod",
    from: "vpchost",
    op: "udp",
    host: p("A1"),
    port: T.POD_UDP,
    crossesEth: true,
    kinds: both,
  },
  { cls: "VPC host->pod", from: "vpchost", op: "ping", host: p("B1"), crossesEth: true, kinds: both },
  {
    cls: "pod->VPC host",
    from: "pA2",
    op: "tcp",
    host: T.VPC_HOST_IP,
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->VPC host",
    from: "pB1",
    op: "udp",
    host: T.VPC_HOST_IP,
    port: T.POD_UDP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "kubelet(node)->pod remote",
    from: "nB",
    op: "tcp",
    host: p("A1"),
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "hostNetwork->remote pod",
    from: "nA",
    op: "tcp",
    host: p("B1"),
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->hostNetwork remote",
    from: "pB1",
    op: "udp",
    host: n("A"),
    port: T.HOST_UDP,
    crossesEth: true,
    kinds: both,
  },
  { cls: "node->node", from: "nA", op: "tcp", host: n("B"), port: T.HOST_TCP, crossesEth: true, kinds: both },
  {
    cls: "excluded-node pod->pod",
    from: "pC1",
    op: "tcp",
    host: p("A1"),
    port: T.POD_TCP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "pod->excluded-node pod",
    from: "pA1",
    op: "udp",
    host: p("C1"),
    port: T.POD_UDP,
    crossesEth: true,
    kinds: both,
  },
  {
    cls: "ICMP error cross node",
    from: "pA1",
    op: "udp-closed",
    host: p("B1"),
    port: 9999,
    crossesEth: true,
    kinds: ["req", "err"],
  },
  {
    cls: "fragmented UDP cross node",
    from: "pA1",
    op: "udp",
    host: p("B1"),
    port: T.POD_UDP,
    size: 3000,
    crossesEth: true,
    kinds: both,
  },
];

export interface FlowResult {
  flow: Flow;
  marker: string;
  ok: boolean;
  detail: string;
  expected: Record<Kind, number>;
  got: Record<Kind, number>;
  observations: Observation[];
  /** tcp-bulk only: largest frame of the client->server stream the sensor received (bytes). */
  maxFrameLength?: number;
  /** tcp-bulk only: bytes written, distinct stream bytes seen, bytes seen including retransmissions. */
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

export function expected(flow: Flow, vpcMirroring: boolean): Record<Kind, number> {
  const e: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
  for (const k of flow.kinds) {
    e[k] = vpcMirroring && flow.crossesEth ? 0 : 1;
  }
  return e;
}

/** Sends every flow (a few at a time), waits for the capture to drain, counts per marker. */
export async function runMatrix(
  c: Cluster,
  vpcMirroring: boolean,
  flows: Flow[] = FLOWS,
  concurrency = 6,
): Promise<FlowResult[]> {
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
  await new Promise((r) => setTimeout(r, 1500)); // tcpdump -U flushes per packet; let the streams drain
  const cap: Capture = c.collect();
  return sent.map((s) => {
    const obs = cap.observations.filter((o) => o.marker === s.marker);
    const got: Record<Kind, number> = { req: 0, rsp: 0, err: 0 };
    let maxFrameLength: number | undefined;
    let bulk: FlowResult["bulk"];
    if (s.flow.op === "tcp-bulk") {
      // Copies of the whole client->server byte stream: every segment's payload summed, divided by
      // what the client wrote. 1 means each byte reached the sensor exactly once.
      const o = obs.find((x) => x.kind === "req" && x.proto === 6);
      const seg = o
        ? cap.packets.filter(
            (p) =>
              p.proto === 6 &&
              p.src === o.src &&
              p.dst === o.dst &&
              p.sport === o.sport &&
              p.dport === o.dport,
          )
        : [];
      // Union of the sequence ranges: a retransmission is a new packet on the wire (and is rightly
      // reported again), but must not count as a second copy of the stream.
      const ranges = seg
        .filter((p) => (p.l4PayloadLength ?? 0) > 0)
        .map((p) => [p.seq!, p.seq! + p.l4PayloadLength!] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      let unique = 0;
      let end = -1;
      for (const [a, b] of ranges) {
        if (b > end) {
          unique += b - Math.max(a, end);
          end = b;
        }
      }
      const total = seg.reduce((a, p) => a + (p.l4PayloadLength ?? 0), 0);
      got.req = unique / bulkBytes(s.flow, s.marker);
      bulk = { sent: bulkBytes(s.flow, s.marker), unique, total, segments: seg.length };
      maxFrameLength = Math.max(0, ...seg.map((p) => p.frameLength));
    } else {
      for (const o of obs) {
        got[o.kind]++;
      }
    }
    return { ...s, expected: expected(s.flow, vpcMirroring), got, observations: obs, maxFrameLength, bulk };
  });
}

/** One line per flow: class, op, expected and received counts. */
export function formatResults(rs: FlowResult[]): string {
  return rs
    .map((r) => {
      const e = r.expected;
      const g = r.got;
      const mark = e.req === g.req && e.rsp === g.rsp && e.err === g.err && r.ok ? "ok " : "BAD";
      return `${mark} ${r.flow.cls.padEnd(48)} ${r.flow.op.padEnd(10)} ${r.flow.from}->${r.flow.host}${r.flow.port ? ":" + r.flow.port : ""}  expect req/rsp/err ${e.req}/${e.rsp}/${e.err} got ${g.req}/${g.rsp}/${g.err}${r.ok ? "" : " (traffic failed: " + r.detail + ")"}${mark === "BAD" ? "  seen: " + r.observations.map((o) => `${o.kind} ${o.src}->${o.dst} via ${o.from}`).join("; ") : ""}${r.bulk ? `  bulk ${JSON.stringify(r.bulk)} max frame ${r.maxFrameLength}` : ""}`;
    })
    .join("\n");
}
