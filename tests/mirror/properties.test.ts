import * as assert from "node:assert/strict";
import fc from "fast-check";
import { cidrContains, intToIp, toRange } from "../../components/contract/cidr";
import {
  MIRROR_FILTER_RULE_QUOTA,
  MirrorFilterInputError,
  MirrorFilterPlan,
  MirrorFilterRuleSpec,
  planMirrorFilter,
  rulesNeeded,
} from "../../components/mirror/filterRules";
import { AgentSettings, FlowNode, Member, agentExpectsMirrorCopy } from "../../harness/mirror/agentModel";
import { FlowEni, FlowPacket, copiesDelivered } from "../../harness/mirror/flowMatrix";
import { MirrorPacket, PROTO, evaluateMirror, validateMirrorRules } from "../../harness/mirror/ruleEvaluator";

const VPC = ["10.0.0.0/16", "100.64.0.0/16"];
const SENSOR_NET = "10.0.128.0/24";
const FARGATE_NET = "10.0.80.0/20";
const runs = { numRuns: 300 };

const inCidr = (cidr: string) => {
  const r = toRange(cidr);
  return fc.integer({ min: r.first, max: r.last }).map(intToIp);
};
/** A block inside 10.0.64.0/18, /20../26 (candidate excluded destinations). */
const excludedBlock = fc
  .integer({ min: 20, max: 26 })
  .chain((prefix) =>
    fc
      .integer({ min: 0, max: 2 ** (prefix - 18) - 1 })
      .map((i) => `${intToIp(toRange("10.0.64.0/18").first + i * 2 ** (32 - prefix))}/${prefix}`),
  );
/** Any port, with the NodePort range and the well-known ports AWS treats specially well represented. */
const port = fc.oneof(
  fc.integer({ min: 0, max: 65535 }),
  fc.integer({ min: 29990, max: 32777 }),
  fc.constantFrom(53, 67, 68, 123, 2003, 8080),
);
/** Protocol and ports of a whole packet (first fragment or unfragmented). */
const transport = fc.oneof(
  fc.record({ protocol: fc.constantFrom(PROTO.TCP, PROTO.UDP), srcPort: port, dstPort: port }),
  fc.record({ protocol: fc.constantFrom(PROTO.ICMP, 47, 50, 132) }),
);
const plans = fc
  .record({
    sensors: fc.uniqueArray(inCidr(SENSOR_NET), { minLength: 1, maxLength: 3 }),
    excluded: fc.array(excludedBlock, { maxLength: 3 }),
    dns: fc.boolean(),
    range: fc.constantFrom({ min: 30000, max: 32767 }, { min: 31000, max: 31999 }),
  })
  .map(({ sensors, excluded, dns, range }) =>
    planMirrorFilter({
      vpcCidrs: VPC,
      sensorIps: sensors,
      sensorPort: 2003,
      excludedCidrs: excluded,
      mirrorAmazonDns: dns,
      nodePortRange: range,
    }),
  );
/** A destination or source: anywhere, a sensor, an excluded block, Amazon DNS, instance metadata. */
const address = (plan: MirrorFilterPlan) =>
  fc.oneof(
    inCidr("0.0.0.0/0"),
    fc.constantFrom(...plan.sensorBlocks).chain(inCidr),
    ...(plan.excludedBlocks.length > 0 ? [fc.constantFrom(...plan.excludedBlocks).chain(inCidr)] : []),
    fc.constantFrom("10.0.0.2", "169.254.169.253", "169.254.169.254", "169.254.169.123"),
  );

describe("mirror properties (fast-check)", () => {
  it("nothing a node receives is mirrored, except Amazon DNS with the network service", () => {
    fc.assert(
      fc.property(
        plans.chain((plan) =>
          fc.record({ plan: fc.constant(plan), src: address(plan), dst: address(plan), t: transport }),
        ),
        ({ plan, src, dst, t }) => {
          const p: MirrorPacket = { src, dst, ...t };
          const d = evaluateMirror(plan, p, "ingress", { amazonDnsIps: plan.amazonDnsAddresses });
          assert.equal(d.mirrored, d.reason === "network-service", JSON.stringify(d));
        },
      ),
      runs,
    );
  });

  it("the agent's exclusions and AWS's evaluation of the filter agree on every packet a node sends", () => {
    fc.assert(
      fc.property(
        plans.chain((plan) =>
          fc.record({ plan: fc.constant(plan), src: address(plan), dst: address(plan), t: transport }),
        ),
        ({ plan, src, dst, t }) => {
          const p: MirrorPacket = { src, dst, ...t };
          const aws = evaluateMirror(plan, p, "egress", { amazonDnsIps: plan.amazonDnsAddresses }).mirrored;
          assert.equal(agentExpectsMirrorCopy(p, plan), aws, JSON.stringify(p));
        },
      ),
      runs,
    );
  });

  it("a node's packets to a sensor are never mirrored, whatever the peer, protocol or port", () => {
    fc.assert(
      fc.property(
        plans.chain((plan) =>
          fc.record({
            plan: fc.constant(plan),
            sensor: fc.constantFrom(...plan.sensorBlocks).chain(inCidr),
            peer: inCidr("0.0.0.0/0"),
            t: transport,
          }),
        ),
        ({ plan, sensor, peer, t }) => {
          const ctx = { amazonDnsIps: plan.amazonDnsAddresses };
          fc.pre(!plan.amazonDnsAddresses.includes(peer));
          assert.equal(evaluateMirror(plan, { src: peer, dst: sensor, ...t }, "egress", ctx).mirrored, false);
          assert.equal(
            evaluateMirror(plan, { src: sensor, dst: peer, ...t }, "ingress", ctx).mirrored,
            false,
          );
        },
      ),
      runs,
    );
  });

  it("between cluster members and outsiders, every packet reaches the sensor exactly once, in both agent modes", () => {
    // Nodes with an agent, mirrored or not (an instance type AWS refuses); their pods and branch-ENI pods; Fargate
    // pods with the sidecar; outsiders anywhere. One leg: the sender's interface, the receiver's interface.
    const node = (name: string, mirrored: boolean): FlowNode => ({
      name,
      agent: true,
      sessions: mirrored,
      mirrorCovered: mirrored,
    });
    const nodes = [node("m1", true), node("m2", true), node("u1", false)];
    const members: Member[] = [];
    nodes.forEach((n, i) => {
      members.push({ ip: `10.0.${i}.10`, kind: "node", node: n });
      members.push({ ip: `10.0.${i}.11`, kind: "pod", node: n });
      members.push({ ip: `100.64.${i}.12`, kind: "pod", node: n });
      members.push({ ip: `10.0.${i}.13`, kind: "branch-pod", node: n });
    });
    members.push({ ip: "10.0.80.10", kind: "fargate-pod", sidecar: true });
    members.push({ ip: "10.0.81.10", kind: "fargate-pod", sidecar: true });
    const plan = planMirrorFilter({
      vpcCidrs: VPC,
      sensorIps: ["10.0.128.10"],
      sensorPort: 2003,
      excludedCidrs: [FARGATE_NET],
    });
    type Outsider = { ip: string; kind: "outsider" };
    const endpoint: fc.Arbitrary<Member | Outsider> = fc.oneof(
      fc.constantFrom(...members),
      inCidr("192.0.2.0/24").map((ip): Outsider => ({ ip, kind: "outsider" })),
    );
    const eniOf = (m: Member | Outsider): FlowEni | undefined =>
      m.kind === "outsider" || m.kind === "fargate-pod"
        ? undefined
        : { name: m.ip, node: m.node as FlowNode, kind: m.kind === "branch-pod" ? "branch" : "interface" };
    fc.assert(
      fc.property(endpoint, endpoint, transport, fc.boolean(), (src, dst, t, vpcMirroring) => {
        fc.pre(src.ip !== dst.ip && !(src.kind === "outsider" && dst.kind === "outsider"));
        const sameNode = "node" in src && "node" in dst && src.node === dst.node;
        const w: MirrorPacket = { src: src.ip, dst: dst.ip, ...t };
        const packet: FlowPacket = {
          label: "random",
          legs: [
            sameNode
              ? { wire: w, local: (src as Member).node }
              : { wire: w, out: eniOf(src), in: eniOf(dst) },
          ],
        };
        const settings: AgentSettings = { vpcMirroring, plan, fargateCidrs: [FARGATE_NET] };
        const copies = copiesDelivered(plan, packet, members, settings);
        assert.equal(
          copies.total,
          1,
          `${JSON.stringify(w)} ${src.kind}->${dst.kind}: ${JSON.stringify(copies)}`,
        );
      }),
      runs,
    );
  });

  it("plans are valid AWS rule sets within the quota, egress only, or a named budget error", () => {
    fc.assert(
      fc.property(
        fc.array(excludedBlock, { maxLength: 8 }),
        fc.uniqueArray(inCidr(SENSOR_NET), { minLength: 1, maxLength: 10 }),
        (excluded, sensors) => {
          let plan: MirrorFilterPlan;
          try {
            plan = planMirrorFilter({
              vpcCidrs: VPC,
              excludedCidrs: excluded,
              sensorIps: sensors,
              sensorPort: 2003,
            });
          } catch (e) {
            assert.ok(e instanceof MirrorFilterInputError, String(e));
            assert.ok(["sensorIps", "excludedCidrs"].includes(e.input));
            assert.match(e.message, /over the budget of 10/);
            return;
          }
          assert.ok(plan.rules.length <= MIRROR_FILTER_RULE_QUOTA);
          assert.equal(plan.rules.length, rulesNeeded(plan.sensorBlocks.length, plan.excludedBlocks.length));
          validateMirrorRules(plan.rules);
          assert.ok(plan.rules.every((r) => r.trafficDirection === "egress"));
          plan.rules.forEach((r, i) => i > 0 && assert.ok(r.ruleNumber > plan.rules[i - 1].ruleNumber));
          const last = plan.rules[plan.rules.length - 1];
          assert.deepEqual(
            [last.ruleAction, last.sourceCidrBlock, last.destinationCidrBlock],
            ["accept", "0.0.0.0/0", "0.0.0.0/0"],
          );
          // Sensor rules come first, so nothing can accept sensor traffic before them.
          plan.rules.slice(0, plan.sensorBlocks.length).forEach((r) => assert.equal(r.ruleAction, "reject"));
          // Sensor blocks cover the sensors and nothing else.
          const covered = plan.sensorBlocks.reduce((n, b) => n + (toRange(b).last - toRange(b).first + 1), 0);
          assert.equal(covered, sensors.length);
          sensors.forEach((s) => assert.ok(plan.sensorBlocks.some((b) => cidrContains(b, s))));
        },
      ),
      runs,
    );
  });

  it("the evaluator depends on rule numbers, not on list order, and ignores the other direction's rules", () => {
    const ruleArb = fc.record({
      ruleNumber: fc.integer({ min: 1, max: 40 }),
      trafficDirection: fc.constantFrom<"ingress" | "egress">("ingress", "egress"),
      ruleAction: fc.constantFrom<"accept" | "reject">("accept", "reject"),
      protocol: fc.option(fc.constantFrom(PROTO.TCP, PROTO.UDP, PROTO.ICMP), { nil: undefined }),
      sourceCidrBlock: fc.constantFrom("0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "100.64.0.0/16"),
      destinationCidrBlock: fc.constantFrom("0.0.0.0/0", "10.0.0.0/16", "10.0.2.0/24", "100.64.0.0/16"),
      description: fc.constant("r"),
    });
    // Absent protocol = all protocols: drop the key rather than carry `protocol: undefined`.
    const rulesArb = fc
      .uniqueArray(ruleArb, { maxLength: 10, selector: (r) => `${r.trafficDirection}/${r.ruleNumber}` })
      .map((rs) =>
        rs.map(({ protocol, ...rest }): MirrorFilterRuleSpec =>
          protocol === undefined ? rest : { ...rest, protocol },
        ),
      );
    const pktArb = fc.record({
      protocol: fc.constantFrom(PROTO.TCP, PROTO.UDP, PROTO.ICMP),
      src: fc.constantFrom("10.0.1.5", "10.0.2.5", "100.64.3.3", "8.8.4.4"),
      dst: fc.constantFrom("10.0.1.6", "10.0.2.6", "100.64.9.9", "1.1.1.1"),
      srcPort: fc.constant(40000),
      dstPort: fc.constant(443),
    });
    fc.assert(
      fc.property(
        rulesArb,
        pktArb,
        fc.constantFrom<"ingress" | "egress">("ingress", "egress"),
        (rules, p, dir) => {
          const clean = rules;
          const a = evaluateMirror({ rules: clean, networkServices: [] }, p, dir).mirrored;
          const reversed = evaluateMirror(
            { rules: [...clean].reverse(), networkServices: [] },
            p,
            dir,
          ).mirrored;
          const own = evaluateMirror(
            { rules: clean.filter((r) => r.trafficDirection === dir), networkServices: [] },
            p,
            dir,
          ).mirrored;
          assert.equal(reversed, a);
          assert.equal(own, a);
          // Reference: the lowest-numbered matching rule of the direction decides; none = not mirrored.
          const first = clean
            .filter((r) => r.trafficDirection === dir)
            .sort((x, y) => x.ruleNumber - y.ruleNumber)
            .find(
              (r) =>
                (r.protocol === undefined || r.protocol === p.protocol) &&
                cidrContains(r.sourceCidrBlock, p.src) &&
                cidrContains(r.destinationCidrBlock, p.dst),
            );
          assert.equal(a, first?.ruleAction === "accept");
        },
      ),
      runs,
    );
  });
});
