/**
 * The flow matrix: how many copies of each packet reach the sensor, given which ENIs are mirrored, the filter rules
 * evaluated at every ENI the packet crosses (egress at the sender's, ingress at the receiver's), and the agent in
 * `VPC_MIRRORING=true` mode (it forwards exactly the packets that cross no node ENI). Data, not assertions: the tests
 * assert the counts, `docs/mirroring.md` prints the tables (`renderFlowMatrixMarkdown`).
 */
import {
  DedupStrategy,
  MirrorFilterInputs,
  MirrorFilterPlan,
  amazonDnsAddress,
  planMirrorFilter,
} from "../../components/mirror/filterRules";
import { MirrorPacket, PROTO, evaluateMirror } from "./ruleEvaluator";

/** An ENI a packet can cross. Only node ENIs are ever mirror sources here. */
export interface FlowEni {
  /** Short name for the tables, e.g. `nodeA/eth1`. */
  name: string;
  /** True when the ENI has a mirror session with the filter. */
  mirrored: boolean;
}

/** One packet on the wire, between two points of a flow. */
export interface WirePacket extends MirrorPacket {
  /** What it is, e.g. `podA -> podB:8080`. */
  label: string;
  /** The node ENI it leaves by, if any (evaluated as egress when mirrored). */
  egressAt?: FlowEni;
  /** The node ENI it enters by, if any (evaluated as ingress when mirrored). */
  ingressAt?: FlowEni;
  /** Set when the packet crosses no node ENI (same-node traffic): whether the node runs the agent. */
  localOnNode?: { agentRunning: boolean };
}

/** What the design intends for a packet: one copy, or none (traffic with the sensors). */
export type Intent = "once" | "never";

/** A flow class: the packets one exchange puts on the wire and the exact copies expected for each. */
export interface FlowRow {
  /** Flow class, e.g. `pod<->pod, cross-node`. */
  flowClass: string;
  /** The packets. */
  packets: WirePacket[];
  /** Copies the sensor receives for each packet, in order (the documented result, asserted by the tests). */
  expected: number[];
  /** Intended copies for every packet of the row. */
  intent: Intent;
  /** Why the count is what it is. */
  why: string;
  /**
   * Set when the row shows a degraded state (a declaration violated, a node without a session yet, an excluded node)
   * rather than the steady state the rules are designed for.
   */
  degraded?: string;
}

/** A cluster layout with its filter inputs and flow classes. */
export interface FlowScenario {
  /** Short id, e.g. `custom-networking`. */
  id: string;
  /** One sentence on the layout. */
  description: string;
  /** Filter inputs for this layout. */
  inputs: MirrorFilterInputs;
  /** The flow classes. */
  rows: FlowRow[];
}

/** Copies of one packet, by origin. */
export interface Copies {
  /** Mirror copies (egress + ingress). */
  mirror: number;
  /** Agent copies. */
  agent: number;
  /** Sum. */
  total: number;
}

/** Verdict on a packet's count against its intent. */
export type Verdict = "exactly once" | "duplicate" | "gap" | "excluded by design";

/** Copies the sensor receives for `packet` under `plan`. */
export function copiesDelivered(plan: MirrorFilterPlan, packet: WirePacket, vpcCidrs: string[]): Copies {
  const ctx = { amazonDnsIps: [amazonDnsAddress(vpcCidrs[0]), "169.254.169.253"] };
  let mirror = 0;
  if (packet.egressAt?.mirrored && evaluateMirror(plan, packet, "egress", ctx).mirrored) {
    mirror += 1;
  }
  if (packet.ingressAt?.mirrored && evaluateMirror(plan, packet, "ingress", ctx).mirrored) {
    mirror += 1;
  }
  const agent = packet.localOnNode?.agentRunning ? 1 : 0;
  return { mirror, agent, total: mirror + agent };
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

/** One evaluated packet of a scenario. */
export interface MatrixCell {
  /** Flow class. */
  flowClass: string;
  /** The packet. */
  packet: WirePacket;
  /** Copies delivered. */
  copies: Copies;
  /** Documented expectation. */
  expected: number;
  /** Verdict of the actual count. */
  verdict: Verdict;
  /** Row explanation. */
  why: string;
  /** The row's degraded condition, if any. */
  degraded?: string;
}

/** Evaluates every packet of a scenario, optionally under another dedup strategy (for the comparison). */
export function runScenario(
  scenario: FlowScenario,
  dedup?: DedupStrategy,
): { plan: MirrorFilterPlan; cells: MatrixCell[] } {
  const plan = planMirrorFilter({ ...scenario.inputs, ...(dedup ? { dedup } : {}) });
  const cells = scenario.rows.flatMap((row) =>
    row.packets.map((packet, i) => {
      const copies = copiesDelivered(plan, packet, scenario.inputs.vpcCidrs);
      return {
        flowClass: row.flowClass,
        packet,
        copies,
        expected: row.expected[i],
        verdict: verdict(copies.total, row.intent),
        why: row.why,
        ...(row.degraded ? { degraded: row.degraded } : {}),
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

const eni = (name: string, mirrored = true): FlowEni => ({ name, mirrored });

function p(
  label: string,
  protocol: number,
  src: string,
  dst: string,
  ports: [number, number] | undefined,
  where: { out?: FlowEni; in?: FlowEni; local?: { agentRunning: boolean } },
): WirePacket {
  return {
    label,
    protocol,
    src,
    dst,
    ...(ports ? { srcPort: ports[0], dstPort: ports[1] } : {}),
    ...(where.out ? { egressAt: where.out } : {}),
    ...(where.in ? { ingressAt: where.in } : {}),
    ...(where.local ? { localOnNode: where.local } : {}),
  };
}

const T = PROTO.TCP;
const U = PROTO.UDP;

// Addresses shared by the layouts.
const SENSOR = "10.0.128.10";
const INTERNET_CLIENT = "198.51.100.7";
const WEB = "93.184.216.34";
const NLB = "10.0.96.5";
const RDS = "10.0.64.10";
const VPCE = "10.0.0.200";
const EKS_CP = "10.0.0.250";
const NODE_A = "10.0.1.10";
const NODE_B = "10.0.33.20";

/**
 * Layout 1: EKS with custom networking. Nodes in shared subnets 10.0.0.0/19 and 10.0.32.0/19 (with a VPC endpoint and
 * EKS control-plane ENIs), pods in 100.64.0.0/16 declared mirrored-only, RDS in a DB subnet, NLB and NAT gateway in a
 * public subnet, one sensor. Node U has an instance type that cannot be mirrored, node N waits for the reconciler,
 * node X carries the exclusion label (no agent; its ENIs are still mirrored).
 */
function customNetworking(): FlowScenario {
  const A0 = eni("nodeA/eth0");
  const A1 = eni("nodeA/eth1(pods)");
  const B0 = eni("nodeB/eth0");
  const B1 = eni("nodeB/eth1(pods)");
  const U0 = eni("nodeU/eth0 (unsupported type)", false);
  const U1 = eni("nodeU/eth1(pods) (unsupported type)", false);
  const N0 = eni("nodeN/eth0 (no session yet)", false);
  const N1 = eni("nodeN/eth1(pods) (no session yet)", false);
  const X1 = eni("nodeX/eth1(pods) (excluded)");
  const podA = "100.64.1.11";
  const podA2 = "100.64.1.12";
  const podB = "100.64.33.21";
  const podU = "100.64.2.31";
  const nodeU = "10.0.2.30";
  const podN = "100.64.3.41";
  const nodeN = "10.0.3.40";
  const podX = "100.64.4.51";
  const podX2 = "100.64.4.52";
  return {
    id: "custom-networking",
    description:
      "Custom networking: pods in 100.64.0.0/16 (declared mirroredOnlyCidrs), nodes in subnets shared with a VPC endpoint and EKS control-plane ENIs (sharedCidrs), RDS in its own subnet, one sensor.",
    inputs: {
      vpcCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
      mirroredOnlyCidrs: ["100.64.0.0/16"],
      sharedCidrs: ["10.0.0.0/19", "10.0.32.0/19"],
      sensorIps: [SENSOR],
      sensorPort: 2003,
    },
    rows: [
      {
        flowClass: "pod<->pod, cross-node (TCP)",
        packets: [
          p("podA -> podB:8080", T, podA, podB, [41000, 8080], { out: A1, in: B1 }),
          p("podB:8080 -> podA", T, podB, podA, [8080, 41000], { out: B1, in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "source in a mirrored-only CIDR: the sender's egress copies, the receiver's ingress skips it",
      },
      {
        flowClass: "pod<->pod, cross-node (ICMP)",
        packets: [
          p("podA -> podB echo", PROTO.ICMP, podA, podB, undefined, { out: A1, in: B1 }),
          p("podB -> podA reply", PROTO.ICMP, podB, podA, undefined, { out: B1, in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "the rules carry no protocol or port, so every protocol is treated alike",
      },
      {
        flowClass: "pod<->pod, cross-node, non-first UDP fragment",
        packets: [p("podA -> podB fragment (no ports)", U, podA, podB, undefined, { out: A1, in: B1 })],
        expected: [1],
        intent: "once",
        why: "no rule needs ports, so fragments without an L4 header are decided like the first fragment",
      },
      {
        flowClass: "pod->ClusterIP, remote backend",
        packets: [
          p("podA -> podB:8080 (DNATed on nodeA)", T, podA, podB, [41001, 8080], { out: A1, in: B1 }),
          p("podB:8080 -> podA", T, podB, podA, [8080, 41001], { out: B1, in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "kube-proxy DNATs before the packet reaches the ENI: on the wire it is pod<->pod",
      },
      {
        flowClass: "probe to an unused pod address",
        packets: [
          p("podA -> 100.64.200.200:22 (nobody)", T, podA, "100.64.200.200", [41030, 22], { out: A1 }),
          p("nodeA -> 100.64.200.200:22 (nobody)", T, NODE_A, "100.64.200.200", [41031, 22], { out: A0 }),
        ],
        expected: [1, 0],
        intent: "once",
        why: "RESIDUAL: a node in a shared subnet may not be mirrored, so packets to pod addresses wait for the receiver; none here",
      },
      {
        flowClass: "pod -> internal NLB -> node target, client IP preserved",
        packets: [
          p("podA -> nlb:80", T, podA, NLB, [41032, 80], { out: A1 }),
          p("nlb -> nodeB:30080 (src kept: podA)", T, podA, NODE_B, [41032, 30080], { in: B0 }),
          p("nodeB:30080 -> podA (taken by the NLB)", T, NODE_B, podA, [30080, 41032], { out: B0 }),
          p("nlb:80 -> podA", T, NLB, podA, [80, 41032], { in: A1 }),
        ],
        expected: [1, 0, 0, 1],
        intent: "once",
        why: "RESIDUAL: the NLB forwards with the pod's address but is not a mirrored ENI, so the dedup rules skip both inner legs",
      },
      {
        flowClass: "pod<->remote node (e.g. metrics-server -> kubelet)",
        packets: [
          p("podA -> nodeB:10250", T, podA, NODE_B, [41002, 10250], { out: A1, in: B0 }),
          p("nodeB:10250 -> podA", T, NODE_B, podA, [10250, 41002], { out: B0, in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "copied at the pod's end: egress when the pod sends, ingress when it receives",
      },
      {
        flowClass: "node<->node, both in shared subnets",
        packets: [
          p("nodeA -> nodeB:10250", T, NODE_A, NODE_B, [41003, 10250], { out: A0, in: B0 }),
          p("nodeB:10250 -> nodeA", T, NODE_B, NODE_A, [10250, 41003], { out: B0, in: A0 }),
        ],
        expected: [2, 2],
        intent: "once",
        why: "RESIDUAL: by CIDR a node in a shared subnet is indistinguishable from an unmirrored host there, so both ends copy",
      },
      {
        flowClass: "pod->internet (SNAT to the node at its ENI)",
        packets: [
          p("nodeA(SNAT podA) -> web:443", T, NODE_A, WEB, [41004, 443], { out: A0 }),
          p("web:443 -> nodeA", T, WEB, NODE_A, [443, 41004], { in: A0 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "the NAT gateway is not mirrored: one mirrored end",
      },
      {
        flowClass: "internet->NodePort via NLB, backend on another node",
        packets: [
          p("client -> nodeA:30080 (NLB, client IP kept)", T, INTERNET_CLIENT, NODE_A, [50000, 30080], {
            in: A0,
          }),
          p("nodeA(SNAT) -> podB:8080", T, NODE_A, podB, [41005, 8080], { out: A0, in: B1 }),
          p("podB:8080 -> nodeA", T, podB, NODE_A, [8080, 41005], { out: B1, in: A0 }),
          p("nodeA:30080 -> client (via NLB)", T, NODE_A, INTERNET_CLIENT, [30080, 50000], { out: A0 }),
        ],
        expected: [1, 1, 1, 1],
        intent: "once",
        why: "each leg has at most one end outside the pod range; the pod end copies the middle legs",
      },
      {
        flowClass: "NLB health check -> NodePort",
        packets: [
          p("NLB -> nodeA:30080", T, NLB, NODE_A, [40000, 30080], { in: A0 }),
          p("nodeA:30080 -> NLB", T, NODE_A, NLB, [30080, 40000], { out: A0 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "load balancer ENIs are never mirror sources",
      },
      {
        flowClass: "VPC endpoint in a shared subnet <-> pod",
        packets: [
          p("podA -> vpce:443", T, podA, VPCE, [41006, 443], { out: A1 }),
          p("vpce:443 -> podA", T, VPCE, podA, [443, 41006], { in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "the endpoint is unmirrored; the shared subnet gets no reject rule",
      },
      {
        flowClass: "EKS control plane (ENI in a shared subnet) -> webhook pod, kubelet",
        packets: [
          p("cp -> podB:9443 (webhook)", T, EKS_CP, podB, [42000, 9443], { in: B1 }),
          p("podB:9443 -> cp", T, podB, EKS_CP, [9443, 42000], { out: B1 }),
          p("cp -> nodeA:10250 (logs/exec)", T, EKS_CP, NODE_A, [42001, 10250], { in: A0 }),
          p("nodeA:10250 -> cp", T, NODE_A, EKS_CP, [10250, 42001], { out: A0 }),
        ],
        expected: [1, 1, 1, 1],
        intent: "once",
        why: "control-plane ENIs are not ours to mirror; one mirrored end",
      },
      {
        flowClass: "node<->RDS, pod<->RDS",
        packets: [
          p("nodeA -> rds:5432", T, NODE_A, RDS, [41007, 5432], { out: A0 }),
          p("rds:5432 -> nodeA", T, RDS, NODE_A, [5432, 41007], { in: A0 }),
          p("podA -> rds:5432", T, podA, RDS, [41008, 5432], { out: A1 }),
          p("rds:5432 -> podA", T, RDS, podA, [5432, 41008], { in: A1 }),
        ],
        expected: [1, 1, 1, 1],
        intent: "once",
        why: "one mirrored end",
      },
      {
        flowClass: "agent stream to the sensor (TCP control, TCP/UDP data)",
        packets: [
          p("nodeA -> sensor:2003 (control)", T, NODE_A, SENSOR, [43000, 2003], { out: A0 }),
          p("sensor:2003 -> nodeA", T, SENSOR, NODE_A, [2003, 43000], { in: A0 }),
          p("nodeA -> sensor:40123/udp (data)", U, NODE_A, SENSOR, [43001, 40123], { out: A0 }),
          p("sensor:40124 -> nodeA (tcp data ack)", T, SENSOR, NODE_A, [40124, 43002], { in: A0 }),
        ],
        expected: [0, 0, 0, 0],
        intent: "never",
        why: "sensor addresses are rejected first in both directions, every protocol and port",
      },
      {
        flowClass: "pod<->sensor, other traffic (e.g. its web UI)",
        packets: [
          p("podA -> sensor:443", T, podA, SENSOR, [41009, 443], { out: A1 }),
          p("sensor:443 -> podA", T, SENSOR, podA, [443, 41009], { in: A1 }),
        ],
        expected: [0, 0],
        intent: "never",
        why: "the sensor data port is chosen by the sensor, so all traffic with sensor addresses is excluded",
      },
      {
        flowClass: "VXLAN copies to an ENI target that is the sensor",
        packets: [p("nodeA -> sensor:4789/udp", U, NODE_A, SENSOR, [49152, 4789], { out: A0 })],
        expected: [0],
        intent: "never",
        why: "even if AWS filtered its own copies (not documented), the sensor rule rejects them: no loop",
      },
      {
        flowClass: "pod<->pod, same node (agent)",
        packets: [
          p("podA -> podA2:8080", T, podA, podA2, [41010, 8080], { local: { agentRunning: true } }),
          p("podA2:8080 -> podA", T, podA2, podA, [8080, 41010], { local: { agentRunning: true } }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "never crosses an ENI: the agent forwards it, mirroring cannot see it",
      },
      {
        flowClass: "hostNetwork/kubelet <-> local pod (agent)",
        packets: [
          p("nodeA -> podA:8080 (probe)", T, NODE_A, podA, [41011, 8080], { local: { agentRunning: true } }),
          p("podA:8080 -> nodeA", T, podA, NODE_A, [8080, 41011], { local: { agentRunning: true } }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "never crosses an ENI: the agent forwards it",
      },
      {
        flowClass: "pod<->Amazon DNS (amazon-dns network service on)",
        packets: [
          p("podA -> 10.0.0.2:53", U, podA, "10.0.0.2", [41012, 53], { out: A1 }),
          p("10.0.0.2:53 -> podA", U, "10.0.0.2", podA, [53, 41012], { in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "AWS mirrors Amazon DNS only with the network service; the resolver is not a mirrored ENI",
      },
      {
        flowClass: "node->instance metadata, node->NTP (AWS never mirrors)",
        packets: [
          p("nodeA -> 169.254.169.254:80", T, NODE_A, "169.254.169.254", [41013, 80], { out: A0 }),
          p("nodeA -> 169.254.169.123:123", U, NODE_A, "169.254.169.123", [123, 123], { out: A0 }),
        ],
        expected: [0, 0],
        intent: "once",
        why: "RESIDUAL (AWS): instance metadata and NTP are never mirrored, and the agent does not forward ENI traffic",
      },
      {
        flowClass: "pod on a node whose type cannot be mirrored (violates mirroredOnlyCidrs)",
        packets: [
          p("podU -> podA:8080", T, podU, podA, [41014, 8080], { out: U1, in: A1 }),
          p("podA:8080 -> podU", T, podA, podU, [8080, 41014], { out: A1, in: U1 }),
          p("podU -> nodeA:10250", T, podU, NODE_A, [41015, 10250], { out: U1, in: A0 }),
          p("nodeA -> podU:8080", T, NODE_A, podU, [41016, 8080], { out: A0, in: U1 }),
          p("nodeU -> nodeA:10250", T, nodeU, NODE_A, [41017, 10250], { out: U0, in: A0 }),
          p("nodeA -> nodeU:10250", T, NODE_A, nodeU, [41018, 10250], { out: A0, in: U0 }),
        ],
        expected: [0, 1, 0, 0, 1, 1],
        intent: "once",
        why: "RESIDUAL: the pod range is declared all-mirrored but nodeU's pod ENI is not; nodeU itself (shared subnet) is fine",
        degraded: "unsupported instance type",
      },
      {
        flowClass: "node waiting for the reconciler (no session yet)",
        packets: [
          p("podN -> podB:8080", T, podN, podB, [41019, 8080], { out: N1, in: B1 }),
          p("podB:8080 -> podN", T, podB, podN, [8080, 41019], { out: B1, in: N1 }),
          p("nodeN(SNAT podN) -> web:443", T, nodeN, WEB, [41020, 443], { out: N0 }),
          p("nodeN -> nodeB:10250", T, nodeN, NODE_B, [41021, 10250], { out: N0, in: B0 }),
        ],
        expected: [0, 1, 0, 1],
        intent: "once",
        why: "RESIDUAL until the session exists: what its pods send, and packets to them from shared subnets, are lost",
        degraded: "reconciler delay",
      },
      {
        flowClass: "node with the exclusion label (no agent, ENIs mirrored)",
        packets: [
          p("podX -> podX2:8080 (same node)", T, podX, podX2, [41022, 8080], {
            local: { agentRunning: false },
          }),
          p("podX -> podB:8080 (cross-node)", T, podX, podB, [41023, 8080], { out: X1, in: B1 }),
        ],
        expected: [0, 1],
        intent: "once",
        why: "RESIDUAL by choice: without the agent, same-node traffic is unseen; ENI traffic is mirrored as usual",
        degraded: "excluded node",
      },
    ],
  };
}

/** Layout 2: the Amazon VPC CNI default: pods share the node subnets; nothing can be declared mirrored-only. */
function defaultCni(): FlowScenario {
  const A0 = eni("nodeA/eth0");
  const A1 = eni("nodeA/eth1(pods)");
  const B1 = eni("nodeB/eth1(pods)");
  const podA = "10.0.1.11";
  const podA2 = "10.0.1.12";
  const podB = "10.0.33.21";
  return {
    id: "default-cni",
    description:
      "Amazon VPC CNI default: pods take addresses in the node subnets, which also hold VPC endpoints; mirroredOnlyCidrs is empty.",
    inputs: {
      vpcCidrs: ["10.0.0.0/16"],
      sharedCidrs: ["10.0.0.0/19", "10.0.32.0/19"],
      sensorIps: [SENSOR],
      sensorPort: 2003,
    },
    rows: [
      {
        flowClass: "pod<->pod, cross-node",
        packets: [
          p("podA -> podB:8080", T, podA, podB, [41000, 8080], { out: A1, in: B1 }),
          p("podB:8080 -> podA", T, podB, podA, [8080, 41000], { out: B1, in: A1 }),
        ],
        expected: [2, 2],
        intent: "once",
        why: "RESIDUAL: pods share subnets with unmirrored hosts; no CIDR says 'mirrored', so both ends copy",
      },
      {
        flowClass: "node<->node",
        packets: [
          p("nodeA -> nodeB:10250", T, NODE_A, NODE_B, [41001, 10250], { out: A0, in: eni("nodeB/eth0") }),
          p("nodeB:10250 -> nodeA", T, NODE_B, NODE_A, [10250, 41001], { out: eni("nodeB/eth0"), in: A0 }),
        ],
        expected: [2, 2],
        intent: "once",
        why: "RESIDUAL: as above",
      },
      {
        flowClass: "VPC endpoint in the same subnet <-> pod",
        packets: [
          p("podA -> vpce:443", T, podA, VPCE, [41002, 443], { out: A1 }),
          p("vpce:443 -> podA", T, VPCE, podA, [443, 41002], { in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "one mirrored end; accepting both directions is what keeps this exact",
      },
      {
        flowClass: "pod->internet (SNAT)",
        packets: [
          p("nodeA -> web:443", T, NODE_A, WEB, [41003, 443], { out: A0 }),
          p("web:443 -> nodeA", T, WEB, NODE_A, [443, 41003], { in: A0 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "one mirrored end",
      },
      {
        flowClass: "agent stream to the sensor",
        packets: [
          p("nodeA -> sensor:2003", T, NODE_A, SENSOR, [43000, 2003], { out: A0 }),
          p("sensor:2003 -> nodeA", T, SENSOR, NODE_A, [2003, 43000], { in: A0 }),
        ],
        expected: [0, 0],
        intent: "never",
        why: "sensor rules first",
      },
      {
        flowClass: "pod<->pod, same node (agent)",
        packets: [p("podA -> podA2:8080", T, podA, podA2, [41004, 8080], { local: { agentRunning: true } })],
        expected: [1],
        intent: "once",
        why: "the agent",
      },
    ],
  };
}

/**
 * Layout 3: node subnets dedicated to the cluster (endpoints, databases and load balancers elsewhere), declared
 * mirrored-only together with the custom-networking pod range: 10 rules, exactly once everywhere steady.
 */
function dedicatedSubnets(): FlowScenario {
  const A0 = eni("nodeA/eth0");
  const A1 = eni("nodeA/eth1(pods)");
  const B0 = eni("nodeB/eth0");
  const B1 = eni("nodeB/eth1(pods)");
  const podA = "100.64.1.11";
  const podB = "100.64.33.21";
  const vpceElsewhere = "10.0.65.200";
  return {
    id: "dedicated-subnets",
    description:
      "Node subnets 10.0.0.0/19 and 10.0.32.0/19 hold only cluster nodes and are declared mirroredOnlyCidrs with the pod range 100.64.0.0/16; endpoints live in 10.0.65.0/24.",
    inputs: {
      vpcCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
      mirroredOnlyCidrs: ["10.0.0.0/19", "10.0.32.0/19", "100.64.0.0/16"],
      sensorIps: [SENSOR],
      sensorPort: 2003,
    },
    rows: [
      {
        flowClass: "node<->node",
        packets: [
          p("nodeA -> nodeB:10250", T, NODE_A, NODE_B, [41000, 10250], { out: A0, in: B0 }),
          p("nodeB:10250 -> nodeA", T, NODE_B, NODE_A, [10250, 41000], { out: B0, in: A0 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "both ends in mirrored-only CIDRs: copied at the receiver",
      },
      {
        flowClass: "pod<->pod, cross-node",
        packets: [
          p("podA -> podB:8080", T, podA, podB, [41001, 8080], { out: A1, in: B1 }),
          p("podB:8080 -> podA", T, podB, podA, [8080, 41001], { out: B1, in: A1 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "copied at the receiver",
      },
      {
        flowClass: "NodePort forward nodeA -> podB and back",
        packets: [
          p("nodeA(SNAT) -> podB:8080", T, NODE_A, podB, [41002, 8080], { out: A0, in: B1 }),
          p("podB:8080 -> nodeA", T, podB, NODE_A, [8080, 41002], { out: B1, in: A0 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "copied at the receiver",
      },
      {
        flowClass: "VPC endpoint (other subnet) <-> node",
        packets: [
          p("nodeA -> vpce:443", T, NODE_A, vpceElsewhere, [41003, 443], { out: A0 }),
          p("vpce:443 -> nodeA", T, vpceElsewhere, NODE_A, [443, 41003], { in: A0 }),
        ],
        expected: [1, 1],
        intent: "once",
        why: "the endpoint end is outside the mirrored-only CIDRs: the node end copies",
      },
      {
        flowClass: "agent stream to the sensor",
        packets: [
          p("nodeA -> sensor:2003", T, NODE_A, SENSOR, [43000, 2003], { out: A0 }),
          p("sensor:2003 -> nodeA", T, SENSOR, NODE_A, [2003, 43000], { in: A0 }),
        ],
        expected: [0, 0],
        intent: "never",
        why: "sensor rules first",
      },
    ],
  };
}

/** The layouts the tests assert and the docs print. */
export function flowScenarios(): FlowScenario[] {
  return [customNetworking(), defaultCni(), dedicatedSubnets()];
}

function cellLine(c: MatrixCell): string {
  const where = c.packet.localOnNode
    ? `(no ENI; agent ${c.packet.localOnNode.agentRunning ? "on" : "off"})`
    : `${c.packet.egressAt ? `out ${c.packet.egressAt.name}${c.packet.egressAt.mirrored ? "" : " [unmirrored]"}` : "-"} / ` +
      `${c.packet.ingressAt ? `in ${c.packet.ingressAt.name}${c.packet.ingressAt.mirrored ? "" : " [unmirrored]"}` : "-"}`;
  const flowClass = c.degraded ? `${c.flowClass} *(degraded: ${c.degraded})*` : c.flowClass;
  return `| ${flowClass} | ${c.packet.label} | ${where} | ${c.copies.mirror} | ${c.copies.agent} | **${c.copies.total}** | ${c.verdict} |`;
}

/** Markdown: the rules table of a plan. */
export function renderRulesMarkdown(plan: MirrorFilterPlan): string {
  const lines = [
    "| direction | # | action | protocol | source | destination | description |",
    "|---|---|---|---|---|---|---|",
    ...plan.rules.map(
      (r) =>
        `| ${r.trafficDirection} | ${r.ruleNumber} | ${r.ruleAction} | ${r.protocol ?? "all"} | ${r.sourceCidrBlock} | ${r.destinationCidrBlock} | ${r.description} |`,
    ),
  ];
  return `${lines.join("\n")}\n\nNetwork services: ${plan.networkServices.join(", ") || "none"}. Rules: ${plan.budget}.`;
}

/** Markdown: every scenario's matrix under its own inputs, plus the strategy comparison. */
export function renderFlowMatrixMarkdown(): string {
  const out: string[] = [];
  for (const s of flowScenarios()) {
    const { plan, cells } = runScenario(s);
    out.push(`### Layout \`${s.id}\``, "", s.description, "", renderRulesMarkdown(plan), "");
    out.push("| flow class | packet | ENIs crossed (egress / ingress) | mirror | agent | copies | verdict |");
    out.push("|---|---|---|---|---|---|---|");
    cells.forEach((c) => out.push(cellLine(c)));
    const sum = summarize(cells);
    out.push(
      "",
      `Packets: ${cells.length}; exactly once ${sum["exactly once"]}, duplicated ${sum.duplicate}, lost ${sum.gap}, excluded by design ${sum["excluded by design"]}.`,
      "",
    );
  }
  out.push("### Strategy comparison (same packets, other dedup strategies)", "");
  out.push(
    "Steady = every declaration holds and every node has its session; degraded = the rows marked with a condition.",
    "",
    "| layout | dedup | rules | steady: once / dup / lost / excluded | degraded: once / dup / lost |",
    "|---|---|---|---|---|",
  );
  for (const s of flowScenarios()) {
    for (const d of ["mirrored-end", "sender", "none"] as const) {
      const { plan, cells } = runScenario(s, d);
      const steady = summarize(cells.filter((c) => !c.degraded));
      const degraded = summarize(cells.filter((c) => c.degraded));
      out.push(
        `| ${s.id} | ${d} | ${plan.budget} | ${steady["exactly once"]} / ${steady.duplicate} / ${steady.gap} / ${steady["excluded by design"]} | ` +
          `${degraded["exactly once"]} / ${degraded.duplicate} / ${degraded.gap} |`,
      );
    }
  }
  return out.join("\n");
}
