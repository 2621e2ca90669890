/**
 * The flow matrix: how many copies of each packet reach the sensor, summing AWS mirroring (the filter evaluated at
 * every node ENI the packet leaves or enters, with AWS's rule semantics), the node agents (the v2 rule, modelled in
 * `agentModel.ts`) and the Fargate sidecars. A packet is followed through every leg it takes: a node that forwards
 * it (NodePort, after DNAT and SNAT) or a load balancer that keeps the client address does not make a new packet,
 * so the copies of all legs are summed and must be 1. Data, not assertions: the tests assert the counts,
 * `docs/mirroring.md` prints the tables (`renderFlowMatrixMarkdown`). The kernel simulation proves the same on a
 * real kernel for everything it can build.
 */
import { MirrorFilterPlan, planMirrorFilter } from "../../components/mirror/filterRules";
import { AgentSettings, FlowNode, Member, nodeAgentCopies, sidecarCopies } from "./agentModel";
import { MirrorPacket, PROTO, evaluateMirror } from "./ruleEvaluator";

export type { FlowNode } from "./agentModel";

/** A node interface a packet can cross: an ENI of type `interface`, or a branch ENI's VLAN sub-interface. */
export interface FlowEni {
  /** Short name for the tables, e.g. `nodeA/eth0`. */
  name: string;
  /** The node it belongs to. */
  node: FlowNode;
  /** Branch ENIs (security groups for pods) cannot be mirror sources. */
  kind: "interface" | "branch";
}

/** One leg of a packet: the headers it has on the wire between two hops, and where it crosses node interfaces. */
export interface Leg {
  /** The packet as it is on the wire on this leg. */
  wire: MirrorPacket;
  /** The node interface it leaves by (its node's agent decides at postrouting; AWS evaluates egress). */
  out?: FlowEni;
  /** The node interface it enters by (AWS evaluates ingress; the node's agent decides unless it forwards). */
  in?: FlowEni;
  /** The addresses the leaving node's hook sees (after DNAT, before SNAT) when its NAT changes them. */
  hook?: { src: string; dst: string };
  /**
   * The leaving node received it through an uplink (a forward): the source it had then and the interface. Absent:
   * the leaving node or one of its pods sent it.
   */
  forwardedFrom?: { source: string; via: FlowEni };
  /** The receiving node forwards it (its decision belongs to the next leg). */
  forwards?: boolean;
  /** Ports of the whole datagram when the wire carries a non-first fragment (what the hooks saw). */
  datagramPorts?: { srcPort: number; dstPort: number };
  /** Same-node traffic: never crosses an interface of this node. */
  local?: FlowNode;
}

/** A packet followed from its sender to its receiver. */
export interface FlowPacket {
  /** What it is, e.g. `podA -> podB:8080`. */
  label: string;
  /** Its legs, in order. */
  legs: Leg[];
}

/** What the design intends for a packet: one copy, or none (traffic with the sensors). */
export type Intent = "once" | "never";

/** A flow class: its packets and the exact copies expected for each, per mode. */
export interface FlowRow {
  /** Flow class, e.g. `pod<->pod, cross-node`. */
  flowClass: string;
  /** The packets. */
  packets: FlowPacket[];
  /** Copies expected per packet with `VPC_MIRRORING=false` (no sessions, the agents alone) and `true`. */
  expected: { false: number[]; true: number[] };
  /** Intended copies for every packet of the row. */
  intent: Intent;
  /** Why the count is what it is; `RESIDUAL` marks a deviation from the intent. */
  why: string;
  /** Set when the row shows a transition (a node joining, a session late), not the steady state. */
  transition?: string;
}

/** A cluster layout with its filter inputs and flow classes. */
export interface FlowScenario {
  /** Short id, e.g. `vpc-cni`. */
  id: string;
  /** One sentence on the layout. */
  description: string;
  /** The filter's inputs for this layout. */
  inputs: Parameters<typeof planMirrorFilter>[0];
  /** The sidecars' FARGATE_CIDRS. */
  fargateCidrs: string[];
  /** Every address the API knows. */
  members: Member[];
  /** The flow classes. */
  rows: FlowRow[];
}

/** Copies of one packet, by origin. */
export interface Copies {
  /** AWS mirroring copies. */
  mirror: number;
  /** Node agent copies. */
  agent: number;
  /** Fargate sidecar copies. */
  sidecar: number;
  /** Sum. */
  total: number;
}

/** Verdict on a count against the intent. */
export type Verdict = "exactly once" | "duplicate" | "gap" | "excluded by design";

const awsMirrors = (e: FlowEni | undefined): boolean =>
  e !== undefined && e.kind === "interface" && e.node.sessions;
const agentCountsMirrored = (e: FlowEni): boolean => e.kind === "interface" && e.node.mirrorCovered;

/** Copies the sensor receives for `packet`: AWS (only when `vpcMirroring`), node agents and sidecars. */
export function copiesDelivered(
  plan: MirrorFilterPlan,
  packet: FlowPacket,
  members: Member[],
  settings: AgentSettings,
): Copies {
  const ctx = { amazonDnsIps: plan.amazonDnsAddresses };
  let mirror = 0;
  let agent = 0;
  let sidecar = 0;
  for (const leg of packet.legs) {
    if (settings.vpcMirroring) {
      for (const [eni, dir] of [
        [leg.out, "egress"],
        [leg.in, "ingress"],
      ] as const) {
        if (awsMirrors(eni) && evaluateMirror(plan, leg.wire, dir, ctx).mirrored) {
          mirror += 1;
        }
      }
    }
    const hook = { ...leg.wire, ...(leg.hook ?? {}) };
    if (leg.local) {
      agent += leg.local.agent
        ? nodeAgentCopies(hook, { via: "local" }, { via: "local" }, members, settings)
        : 0;
    }
    if (leg.out?.node.agent) {
      const arrival = leg.forwardedFrom
        ? {
            via: "uplink" as const,
            source: leg.forwardedFrom.source,
            eniMirrored: agentCountsMirrored(leg.forwardedFrom.via),
          }
        : { via: "local" as const };
      const wire = { ...leg.wire, ...(leg.datagramPorts ?? {}) };
      agent += nodeAgentCopies(
        hook,
        arrival,
        { via: "uplink", mirrored: agentCountsMirrored(leg.out), wire },
        members,
        settings,
      );
    }
    if (leg.in?.node.agent && !leg.forwards) {
      const arrival = {
        via: "uplink" as const,
        source: leg.wire.src,
        eniMirrored: agentCountsMirrored(leg.in),
      };
      agent += nodeAgentCopies(leg.wire, arrival, { via: "local" }, members, settings);
    }
    sidecar += sidecarCopies(leg.wire.src, leg.wire.dst, members, settings);
  }
  return { mirror, agent, sidecar, total: mirror + agent + sidecar };
}

/** The verdict for a count. */
export function verdict(count: number, intent: Intent): Verdict {
  if (count > 1) {
    return "duplicate";
  }
  if (intent === "never") {
    return count === 0 ? "excluded by design" : "duplicate";
  }
  return count === 1 ? "exactly once" : "gap";
}

/** One evaluated packet of a scenario in one mode. */
export interface MatrixCell {
  /** Flow class. */
  flowClass: string;
  /** The packet. */
  packet: FlowPacket;
  /** Copies delivered. */
  copies: Copies;
  /** Documented expectation. */
  expected: number;
  /** Verdict of the actual count. */
  verdict: Verdict;
  /** Row explanation. */
  why: string;
  /** The row's transition, if any. */
  transition?: string;
}

/** Evaluates every packet of a scenario in one agent mode. */
export function runScenario(
  scenario: FlowScenario,
  vpcMirroring: boolean,
): { plan: MirrorFilterPlan; cells: MatrixCell[] } {
  const plan = planMirrorFilter(scenario.inputs);
  const settings: AgentSettings = { vpcMirroring, plan, fargateCidrs: scenario.fargateCidrs };
  const cells = scenario.rows.flatMap((row) =>
    row.packets.map((packet, i) => {
      const copies = copiesDelivered(plan, packet, scenario.members, settings);
      return {
        flowClass: row.flowClass,
        packet,
        copies,
        expected: row.expected[vpcMirroring ? "true" : "false"][i],
        verdict: verdict(copies.total, row.intent),
        why: row.why,
        ...(row.transition ? { transition: row.transition } : {}),
      };
    }),
  );
  return { plan, cells };
}

/** Counts of verdicts. */
export type VerdictSummary = Record<Verdict, number>;

/** Tally of verdicts over cells. */
export function summarize(cells: MatrixCell[]): VerdictSummary {
  const out: VerdictSummary = { "exactly once": 0, duplicate: 0, gap: 0, "excluded by design": 0 };
  cells.forEach((c) => (out[c.verdict] += 1));
  return out;
}

// ---- the layouts ---------------------------------------------------------------------------------------------

const T = PROTO.TCP;
const U = PROTO.UDP;
const I = PROTO.ICMP;

function wire(protocol: number, src: string, dst: string, ports?: [number, number]): MirrorPacket {
  return { protocol, src, dst, ...(ports ? { srcPort: ports[0], dstPort: ports[1] } : {}) };
}

/** A packet that crosses at most one interface on each side (the common case). */
function pkt(label: string, w: MirrorPacket, where: Omit<Leg, "wire">): FlowPacket {
  return { label, legs: [{ wire: w, ...where }] };
}

/** "a -> b:80 (note)" answered: "b:80 -> a". */
function replyLabel(label: string): string {
  const m = /^(\S+) -> (\S+)/.exec(label);
  return m ? `${m[2]} -> ${m[1]}` : `reply to ${label}`;
}

/** Same rows for every expectation in both modes. */
const both = (n: number[]): { false: number[]; true: number[] } => ({ false: n, true: n });

// Addresses shared by the layouts.
const SENSOR = "10.0.128.10";
const INTERNET_CLIENT = "198.51.100.7";
const WEB = "93.184.216.34";
const NLB = "10.0.96.5";
const RDS = "10.0.64.10";
const VPCE = "10.0.0.200";
const EKS_CP = "10.0.0.250";
const DNS = "10.0.0.2";
const FARGATE_NET = "10.0.80.0/20";
const NODE_A = "10.0.1.10";
const NODE_B = "10.0.33.20";

interface LayoutAddresses {
  id: string;
  description: string;
  vpcCidrs: string[];
  /** Pod addresses and the ENI they use. */
  pods: {
    a: string;
    a2: string;
    b: string;
    u: string;
    x: string;
    x2: string;
    n: string;
    s: string;
    l: string;
  };
  /** The interface pods use, per node ("eth0" with the VPC CNI default, "eth1" with custom networking). */
  podEni: string;
}

/**
 * One layout: nodes A and B (agent, mirrored), U (agent, an instance type AWS cannot mirror), X (exclusion label:
 * no agent, ENIs mirrored), branch-ENI pods on A and B (security groups for pods), two Fargate pods (one with the
 * capture sidecar, one without), a VPC host, RDS, a VPC endpoint, an internal NLB, the EKS control plane, Amazon
 * DNS, the internet, one sensor; and the transitions of a node joining (N: no session, not yet settled), a session
 * created before the agents count the node (S) and a node counted before its session exists (L).
 */
function layout(a: LayoutAddresses): FlowScenario {
  const node = (name: string, agent: boolean, sessions: boolean, mirrorCovered = sessions): FlowNode => ({
    name,
    agent,
    sessions,
    mirrorCovered,
  });
  const A = node("nodeA", true, true);
  const B = node("nodeB", true, true);
  const Un = node("nodeU", true, false);
  const X = node("nodeX", false, true);
  const N = node("nodeN", true, false);
  const S = node("nodeS", true, true, false);
  const L = node("nodeL", true, false, true);
  const eni = (n: FlowNode, dev: string, kind: FlowEni["kind"] = "interface"): FlowEni => ({
    name: `${n.name}/${dev}`,
    node: n,
    kind,
  });
  const A0 = eni(A, "eth0");
  const B0 = eni(B, "eth0");
  const Ap = eni(A, a.podEni);
  const Bp = eni(B, a.podEni);
  const Up = eni(Un, a.podEni);
  const Xp = eni(X, a.podEni);
  const Np = eni(N, a.podEni);
  const Sp = eni(S, a.podEni);
  const Lp = eni(L, a.podEni);
  const Av = eni(A, "vlan.eth.1", "branch");
  const Bv = eni(B, "vlan.eth.2", "branch");
  const { a: podA, a2: podA2, b: podB, u: podU, x: podX, x2: podX2, n: podN, s: podS, l: podL } = a.pods;
  const branchA = "10.0.2.71";
  const branchB = "10.0.34.72";
  const fargate = "10.0.80.10";
  const fargate2 = "10.0.80.11";
  const fargateBare = "10.0.81.12";
  const NODE_U = "10.0.2.30";
  const members: Member[] = [
    { ip: NODE_A, kind: "node", node: A },
    { ip: NODE_B, kind: "node", node: B },
    { ip: NODE_U, kind: "node", node: Un },
    { ip: podA, kind: "pod", node: A },
    { ip: podA2, kind: "pod", node: A },
    { ip: podB, kind: "pod", node: B },
    { ip: podU, kind: "pod", node: Un },
    { ip: podX, kind: "pod", node: X },
    { ip: podX2, kind: "pod", node: X },
    { ip: podN, kind: "pod", node: N },
    { ip: podS, kind: "pod", node: S },
    { ip: podL, kind: "pod", node: L },
    { ip: branchA, kind: "branch-pod", node: A },
    { ip: branchB, kind: "branch-pod", node: B },
    { ip: fargate, kind: "fargate-pod", sidecar: true },
    { ip: fargate2, kind: "fargate-pod", sidecar: true },
    { ip: fargateBare, kind: "fargate-pod", sidecar: false },
  ];
  const tcpPair = (
    label: string,
    src: string,
    dst: string,
    ports: [number, number],
    out: FlowEni | undefined,
    inn: FlowEni | undefined,
  ): FlowPacket[] => [
    pkt(label, wire(T, src, dst, ports), { out, in: inn }),
    pkt(replyLabel(label), wire(T, dst, src, [ports[1], ports[0]]), { out: inn, in: out }),
  ];
  const rows: FlowRow[] = [
    {
      flowClass: "pod<->pod, cross-node (TCP, ICMP)",
      packets: [
        ...tcpPair("podA -> podB:8080", podA, podB, [41000, 8080], Ap, Bp),
        pkt("podA -> podB echo", wire(I, podA, podB), { out: Ap, in: Bp }),
      ],
      expected: both([1, 1, 1]),
      intent: "once",
      why: "mirroring: copied where it leaves the sender's ENI, nothing inbound; agents alone: by the sender's node",
    },
    {
      flowClass: "pod->pod cross-node, non-first UDP fragment",
      packets: [
        pkt("podA -> podB fragment (no ports)", wire(U, podA, podB), {
          out: Ap,
          in: Bp,
          datagramPorts: { srcPort: 41001, dstPort: 9000 },
        }),
      ],
      expected: both([1]),
      intent: "once",
      why: "fragments are decided like the first one: no rule of the filter matches ports of an ordinary datagram",
    },
    {
      flowClass: "pod->ClusterIP, remote backend",
      packets: [
        pkt("podA -> 172.20.0.10:80 (DNAT to podB:8080 on nodeA)", wire(T, podA, podB, [41002, 8080]), {
          out: Ap,
          in: Bp,
        }),
      ],
      expected: both([1]),
      intent: "once",
      why: "kube-proxy DNATs before the hook and the ENI: on the wire it is pod->pod",
    },
    {
      flowClass: "same node: pod<->pod, kubelet<->pod",
      packets: [
        pkt("podA -> podA2:8080", wire(T, podA, podA2, [41003, 8080]), { local: A }),
        pkt("nodeA -> podA:8080 (probe)", wire(T, NODE_A, podA, [41004, 8080]), { local: A }),
      ],
      expected: both([1, 1]),
      intent: "once",
      why: "never crosses an ENI: the agent, once",
    },
    {
      flowClass: "pod<->remote node, node<->node",
      packets: [
        ...tcpPair("podA -> nodeB:10250", podA, NODE_B, [41005, 10250], Ap, B0),
        ...tcpPair("nodeA -> nodeB:10250", NODE_A, NODE_B, [41006, 10250], A0, B0),
      ],
      expected: both([1, 1, 1, 1]),
      intent: "once",
      why: "each end is a covered member: the sender's side copies, the receiver skips it",
    },
    {
      flowClass: "pod->internet (SNAT to the node's address at its ENI)",
      packets: [
        pkt("podA -> web:443 (on the wire nodeA:41007)", wire(T, NODE_A, WEB, [41007, 443]), {
          out: A0,
          hook: { src: podA, dst: WEB },
        }),
        pkt("web:443 -> podA (nodeA on the wire)", wire(T, WEB, NODE_A, [443, 41007]), { in: A0 }),
        pkt("podA -> web:443, SNAT port 31000 (in the NodePort range)", wire(T, NODE_A, WEB, [31000, 443]), {
          out: A0,
          hook: { src: podA, dst: WEB },
        }),
      ],
      expected: both([1, 1, 1]),
      intent: "once",
      why: "the reply enters from a non-member: the agent copies it; a SNAT port that lands in the NodePort range is not mirrored, and the agent, deciding on the headers after SNAT, copies it",
    },
    {
      flowClass: "internet->NodePort via NLB (client IP kept), backend on another node",
      packets: [
        {
          label: "client -> nodeA:30080, forwarded as nodeA:41008 -> podB:8080",
          legs: [
            { wire: wire(T, INTERNET_CLIENT, NODE_A, [50000, 30080]), in: A0, forwards: true },
            {
              wire: wire(T, NODE_A, podB, [41008, 8080]),
              out: A0,
              in: Bp,
              hook: { src: INTERNET_CLIENT, dst: podB },
              forwardedFrom: { source: INTERNET_CLIENT, via: A0 },
            },
          ],
        },
        {
          label: "podB:8080 -> nodeA, forwarded as nodeA:30080 -> client",
          legs: [
            { wire: wire(T, podB, NODE_A, [8080, 41008]), out: Bp, in: A0, forwards: true },
            {
              wire: wire(T, NODE_A, INTERNET_CLIENT, [30080, 50000]),
              out: A0,
              hook: { src: podB, dst: INTERNET_CLIENT },
              forwardedFrom: { source: podB, via: A0 },
            },
          ],
        },
      ],
      expected: both([1, 1]),
      intent: "once",
      why: "request: copied where it leaves nodeA after DNAT+SNAT (AWS) or where it entered (agent); reply: where podB sends it; its forwarded second leg has a NodePort source port, so neither AWS nor the agent copies it again",
    },
    {
      flowClass: "internet->NodePort, backend on the same node (externalTrafficPolicy Local)",
      packets: [
        pkt("client -> nodeB:30080 (DNAT to podB)", wire(T, INTERNET_CLIENT, NODE_B, [50001, 30080]), {
          in: B0,
        }),
        pkt(
          "podB:8080 -> client (nodeB:30080 on the wire)",
          wire(T, NODE_B, INTERNET_CLIENT, [30080, 50001]),
          {
            out: B0,
            hook: { src: podB, dst: INTERNET_CLIENT },
          },
        ),
      ],
      expected: both([1, 1]),
      intent: "once",
      why: "the reply leaves with a NodePort source port: AWS does not copy it, the agent does (it decides on the wire headers)",
    },
    {
      flowClass: "UDP NodePort reply larger than the MTU, non-first fragment",
      packets: [
        pkt("nodeB:30090 -> client, second fragment (no ports)", wire(U, NODE_B, INTERNET_CLIENT), {
          out: B0,
          hook: { src: podB, dst: INTERNET_CLIENT },
          datagramPorts: { srcPort: 30090, dstPort: 50002 },
        }),
      ],
      expected: { false: [1], true: [2] },
      intent: "once",
      why: "RESIDUAL with mirroring (AWS's handling of fragments is not documented; assumed: no ports, no port rule matches): the first fragment is left to the agent by its NodePort source port, the others are mirrored, and the agent, seeing the whole datagram, copies them too",
    },
    {
      flowClass: "pod -> NodePort of another node, backend on a third (forwarded)",
      packets: [
        {
          label: "podA -> nodeB:30080, forwarded as nodeB:41009 -> podU:8080",
          legs: [
            { wire: wire(T, podA, NODE_B, [41009, 30080]), out: Ap, in: B0, forwards: true },
            {
              wire: wire(T, NODE_B, podU, [41010, 8080]),
              out: B0,
              in: Up,
              hook: { src: podA, dst: podU },
              forwardedFrom: { source: podA, via: B0 },
            },
          ],
        },
        {
          label: "podU:8080 -> nodeB, forwarded as nodeB:30080 -> podA",
          legs: [
            { wire: wire(T, podU, NODE_B, [8080, 41010]), out: Up, in: B0, forwards: true },
            {
              wire: wire(T, NODE_B, podA, [30080, 41009]),
              out: B0,
              in: Ap,
              hook: { src: podU, dst: podA },
              forwardedFrom: { source: podU, via: B0 },
            },
          ],
        },
      ],
      expected: { false: [1, 1], true: [2, 1] },
      intent: "once",
      why: "RESIDUAL with mirroring: the request is copied where podA sends it and again where nodeB forwards it (nodeB:41009 -> podU:8080 looks like any packet a node sends; no AWS rule can tell); the agents alone copy it once",
    },
    {
      flowClass: "VPC host / RDS / VPC endpoint / EKS control plane <-> pod or node",
      packets: [
        ...tcpPair("vpchost -> podB:8080", "10.0.1.99", podB, [42000, 8080], undefined, Bp),
        ...tcpPair("podA -> rds:5432", podA, RDS, [41011, 5432], Ap, undefined),
        ...tcpPair("podA -> vpce:443", podA, VPCE, [41012, 443], Ap, undefined),
        ...tcpPair("cp -> podB:9443 (webhook)", EKS_CP, podB, [42001, 9443], undefined, Bp),
        ...tcpPair("cp -> nodeA:10250", EKS_CP, NODE_A, [42002, 10250], undefined, A0),
      ],
      expected: both([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
      intent: "once",
      why: "one end is not a member: its packets are copied by the agent where they enter, the member's by AWS or the agent where they leave",
    },
    {
      flowClass: "NLB health check -> NodePort",
      packets: [
        pkt("NLB -> nodeA:30080", wire(T, NLB, NODE_A, [40000, 30080]), { in: A0 }),
        pkt("nodeA:30080 -> NLB", wire(T, NODE_A, NLB, [30080, 40000]), { out: A0 }),
      ],
      expected: both([1, 1]),
      intent: "once",
      why: "load balancers are not members; the answer has a NodePort source port, so the agent copies it",
    },
    {
      flowClass: "pod -> internal NLB -> instance target (client IP kept), backend local there",
      packets: [
        {
          label: "podA -> nlb:80 -> nodeB:30080 (src podA kept) -> podB",
          legs: [
            { wire: wire(T, podA, NLB, [41013, 80]), out: Ap },
            { wire: wire(T, podA, NODE_B, [41013, 30080]), in: B0 },
          ],
        },
        {
          label: "podB:8080 -> nodeB:30080 -> podA (taken by the NLB) -> nlb:80 -> podA",
          legs: [
            { wire: wire(T, NODE_B, podA, [30080, 41013]), out: B0, hook: { src: podB, dst: podA } },
            { wire: wire(T, NLB, podA, [80, 41013]), in: Ap },
          ],
        },
      ],
      expected: both([1, 2]),
      intent: "once",
      why: "RESIDUAL in both modes: the NLB answers podA in its own name, so the reply is copied where nodeB sends it (NodePort source port: the agent) and again where it enters nodeA from the NLB, a non-member",
    },
    {
      flowClass: "pod<->Amazon DNS (amazon-dns network service)",
      packets: [
        pkt("podA -> dns:53", wire(U, podA, DNS, [41014, 53]), { out: Ap }),
        pkt("dns:53 -> podA", wire(U, DNS, podA, [53, 41014]), { in: Ap }),
      ],
      expected: both([1, 1]),
      intent: "once",
      why: "the network service makes AWS copy DNS with the resolver in both directions; the agent leaves both to it",
    },
    {
      flowClass: "node -> instance metadata, node -> NTP",
      packets: [
        pkt("nodeA -> 169.254.169.254:80", wire(T, NODE_A, "169.254.169.254", [41015, 80]), { out: A0 }),
        pkt("nodeA -> 169.254.169.123:123", wire(U, NODE_A, "169.254.169.123", [123, 123]), { out: A0 }),
      ],
      expected: both([1, 1]),
      intent: "once",
      why: "AWS never mirrors them; the agent knows and copies them",
    },
    {
      flowClass: "the sensors (agent stream, other traffic, VXLAN to an ENI target)",
      packets: [
        ...tcpPair("nodeA -> sensor:2003", NODE_A, SENSOR, [43000, 2003], A0, undefined),
        pkt("nodeA -> sensor:40123/udp (data)", wire(U, NODE_A, SENSOR, [43001, 40123]), { out: A0 }),
        ...tcpPair("podA -> sensor:443", podA, SENSOR, [41016, 443], Ap, undefined),
        pkt("nodeA -> sensor:4789/udp (VXLAN)", wire(U, NODE_A, SENSOR, [49152, 4789]), { out: A0 }),
      ],
      expected: both([0, 0, 0, 0, 0, 0]),
      intent: "never",
      why: "everything to or from a sensor is excluded by address, by the filter and by the agent",
    },
    {
      flowClass: "node whose instance type cannot be mirrored (agent runs)",
      packets: [
        ...tcpPair("podU -> podA:8080", podU, podA, [41017, 8080], Up, Ap),
        pkt("podU -> web:443 (nodeU on the wire)", wire(T, NODE_U, WEB, [41018, 443]), {
          out: eni(Un, "eth0"),
          hook: { src: podU, dst: WEB },
        }),
        pkt("web:443 -> podU", wire(T, WEB, NODE_U, [443, 41018]), { in: eni(Un, "eth0") }),
      ],
      expected: both([1, 1, 1, 1]),
      intent: "once",
      why: "its agent has no mirrored ENI: it copies what its members send, and the others treat its members as agent-covered",
    },
    {
      flowClass: "node with the exclusion label (no agent, ENIs mirrored)",
      packets: [
        pkt("podX -> podX2:8080 (same node)", wire(T, podX, podX2, [41019, 8080]), { local: X }),
        ...tcpPair("podX -> podB:8080", podX, podB, [41020, 8080], Xp, Bp),
      ],
      expected: { false: [0, 1, 1], true: [0, 1, 1] },
      intent: "once",
      why: "RESIDUAL by choice: without an agent, same-node traffic is unseen; the rest is copied by mirroring (true) or by the other node's agent (false)",
    },
    {
      flowClass: "branch-ENI pod (security groups for pods) <-> pod, node, internet",
      packets: [
        ...tcpPair("branchA -> podB:8080", branchA, podB, [41021, 8080], Av, Bp),
        ...tcpPair("branchA -> branchB:8080", branchA, branchB, [41022, 8080], Av, Bv),
        ...tcpPair("nodeA -> branchB:8080", NODE_A, branchB, [41023, 8080], A0, Bv),
        ...tcpPair("branchB -> web:443", branchB, WEB, [41024, 443], Bv, undefined),
        pkt(
          "branchA -> podA:8080, strict mode (out the trunk, back on eth0)",
          wire(T, branchA, podA, [41025, 8080]),
          {
            out: Av,
            in: Ap,
          },
        ),
        pkt(
          "podA -> branchA:8080, strict mode (out eth0, back on the trunk)",
          wire(T, podA, branchA, [41026, 8080]),
          {
            out: Ap,
            in: Av,
          },
        ),
      ],
      expected: both([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
      intent: "once",
      why: "branch ENIs are never mirrored and branch pods never mirror-covered: their node's agent copies what they send, and hairpins through the VPC arrive back from a covered source",
    },
    {
      flowClass: "Fargate pod with the capture sidecar <-> node pod, internet, Fargate pod",
      packets: [
        ...tcpPair("fargate -> podA:8080", fargate, podA, [41027, 8080], undefined, Ap),
        ...tcpPair("fargate -> web:443", fargate, WEB, [41028, 443], undefined, undefined),
        ...tcpPair("fargate -> fargate2:8080", fargate, fargate2, [41029, 8080], undefined, undefined),
      ],
      expected: both([1, 1, 1, 1, 1, 1]),
      intent: "once",
      why: "the sidecar reports what its pod sends and receives (less what another sidecar sent: FARGATE_CIDRS), node agents skip it as covered, and the filter excludes the Fargate subnets",
    },
    {
      flowClass: "Fargate pod without the sidecar <-> node pod",
      packets: [...tcpPair("fargateBare -> podA:8080", fargateBare, podA, [41030, 8080], undefined, Ap)],
      expected: both([1, 1]),
      intent: "once",
      why: "not covered: the node agent copies what it sends where it enters, and what the node pod sends it (excluded from mirroring)",
    },
    {
      flowClass: "node joining, no session yet, not settled",
      packets: tcpPair("podN -> podB:8080", podN, podB, [41031, 8080], Np, Bp),
      expected: both([1, 1]),
      intent: "once",
      why: "the agents do not count it mirror-covered before MIRROR_SETTLE: its agent copies what it sends",
      transition: "node joining",
    },
    {
      flowClass: "session created before MIRROR_SETTLE passed",
      packets: tcpPair("podS -> podB:8080", podS, podB, [41032, 8080], Sp, Bp),
      expected: { false: [1, 1], true: [2, 1] },
      intent: "once",
      why: "RESIDUAL until MIRROR_SETTLE: AWS already copies what it sends and so does its agent (duplicates, never a loss)",
      transition: "session earlier than the settle time",
    },
    {
      flowClass: "settled node whose session is late",
      packets: tcpPair("podL -> podB:8080", podL, podB, [41033, 8080], Lp, Bp),
      expected: { false: [1, 1], true: [0, 1] },
      intent: "once",
      why: "RESIDUAL while the reconciler is later than MIRROR_SETTLE: what it sends is lost (choose MIRROR_SETTLE above the reconciler's schedule)",
      transition: "session later than the settle time",
    },
  ];
  return {
    id: a.id,
    description: a.description,
    inputs: {
      vpcCidrs: a.vpcCidrs,
      sensorIps: [SENSOR],
      sensorPort: 2003,
      excludedCidrs: [FARGATE_NET],
    },
    fargateCidrs: [FARGATE_NET],
    members,
    rows,
  };
}

/** The layouts the tests assert and the docs print. */
export function flowScenarios(): FlowScenario[] {
  return [
    layout({
      id: "vpc-cni",
      description:
        "Amazon VPC CNI default: pods take addresses in the node subnets, shared with a VPC host, RDS, an endpoint and the EKS control plane; Fargate pods in their own subnets (10.0.80.0/20, excluded from mirroring, FARGATE_CIDRS).",
      vpcCidrs: ["10.0.0.0/16"],
      pods: {
        a: "10.0.1.11",
        a2: "10.0.1.12",
        b: "10.0.33.21",
        u: "10.0.2.31",
        x: "10.0.4.51",
        x2: "10.0.4.52",
        n: "10.0.3.41",
        s: "10.0.5.61",
        l: "10.0.6.81",
      },
      podEni: "eth0",
    }),
    layout({
      id: "custom-networking",
      description:
        "Custom networking: pods in 100.64.0.0/16 on secondary ENIs (eth1), nodes in subnets shared with the rest; nothing declared.",
      vpcCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
      pods: {
        a: "100.64.1.11",
        a2: "100.64.1.12",
        b: "100.64.33.21",
        u: "100.64.2.31",
        x: "100.64.4.51",
        x2: "100.64.4.52",
        n: "100.64.3.41",
        s: "100.64.5.61",
        l: "100.64.6.81",
      },
      podEni: "eth1",
    }),
  ];
}

function legLine(c: MatrixCell): string {
  return c.packet.legs
    .map((l) => {
      if (l.local) {
        return `(no ENI on ${l.local.name}${l.local.agent ? "" : ", no agent"})`;
      }
      const tag = (e: FlowEni) =>
        `${e.name}${e.kind === "branch" ? " [branch]" : e.node.sessions ? "" : " [no session]"}`;
      return `${l.out ? `out ${tag(l.out)}` : "-"} / ${l.in ? `in ${tag(l.in)}` : "-"}`;
    })
    .join(", then ");
}

/** Markdown: the rules table of a plan. */
export function renderRulesMarkdown(plan: MirrorFilterPlan): string {
  const ports = (r: { fromPort: number; toPort: number } | undefined) =>
    r ? `${r.fromPort}-${r.toPort}` : "all";
  const lines = [
    "| direction | # | action | protocol | source | source ports | destination | description |",
    "|---|---|---|---|---|---|---|---|",
    ...plan.rules.map(
      (r) =>
        `| ${r.trafficDirection} | ${r.ruleNumber} | ${r.ruleAction} | ${r.protocol ?? "all"} | ${r.sourceCidrBlock} | ${ports(r.sourcePortRange)} | ${r.destinationCidrBlock} | ${r.description} |`,
    ),
  ];
  return `${lines.join("\n")}\n\nNetwork services: ${plan.networkServices.join(", ") || "none"}. Rules: ${plan.budget}.`;
}

/** Markdown: every scenario's matrix, both modes side by side. */
export function renderFlowMatrixMarkdown(): string {
  const out: string[] = [];
  for (const s of flowScenarios()) {
    const off = runScenario(s, false);
    const on = runScenario(s, true);
    out.push(`### Layout \`${s.id}\``, "", s.description, "", renderRulesMarkdown(on.plan), "");
    out.push(
      "| flow class | packet | interfaces crossed (out / in) | `false`: agent + sidecar | `true`: mirror + agent + sidecar | verdict (`false` / `true`) |",
    );
    out.push("|---|---|---|---|---|---|");
    on.cells.forEach((c, i) => {
      const o = off.cells[i];
      const cls = c.transition ? `${c.flowClass} *(${c.transition})*` : c.flowClass;
      out.push(
        `| ${cls} | ${c.packet.label} | ${legLine(c)} | ${o.copies.agent} + ${o.copies.sidecar} = **${o.copies.total}** | ` +
          `${c.copies.mirror} + ${c.copies.agent} + ${c.copies.sidecar} = **${c.copies.total}** | ${o.verdict} / ${c.verdict} |`,
      );
    });
    for (const [mode, r] of [
      ["false", off],
      ["true", on],
    ] as const) {
      const steady = summarize(r.cells.filter((c) => !c.transition));
      out.push(
        "",
        `\`VPC_MIRRORING=${mode}\`, steady state: ${r.cells.filter((c) => !c.transition).length} packets; exactly once ${steady["exactly once"]}, duplicated ${steady.duplicate}, lost ${steady.gap}, excluded by design ${steady["excluded by design"]}.`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
