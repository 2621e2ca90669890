import * as assert from "node:assert/strict";
import fc from "fast-check";
import { cidrContains, intToIp, toRange } from "../../components/contract/cidr";
import {
  DedupStrategy,
  MIRROR_FILTER_RULE_QUOTA,
  MirrorFilterInputError,
  MirrorFilterPlan,
  MirrorFilterRuleSpec,
  planMirrorFilter,
  rulesNeeded,
} from "../../components/mirror/filterRules";
import { WirePacket, copiesDelivered } from "../../harness/mirror/flowMatrix";
import {
  MirrorPacket,
  PROTO,
  evaluateMirror,
  isMirrored,
  validateMirrorRules,
} from "../../harness/mirror/ruleEvaluator";

const VPC = ["10.0.0.0/16", "100.64.0.0/16"];
const SHARED = "10.0.0.0/17"; // node subnets shared with unmirrored hosts
const SENSOR_NET = "10.0.128.0/24";
const runs = { numRuns: 300 };

const inCidr = (cidr: string) => {
  const r = toRange(cidr);
  return fc.integer({ min: r.first, max: r.last }).map(intToIp);
};
/** A block inside 100.64.0.0/16, /17../24. */
const podBlock = fc
  .integer({ min: 17, max: 24 })
  .chain((prefix) =>
    fc
      .integer({ min: 0, max: 2 ** (prefix - 16) - 1 })
      .map((i) => `${intToIp(toRange("100.64.0.0/16").first + i * 2 ** (32 - prefix))}/${prefix}`),
  );
const strategy = fc.constantFrom<DedupStrategy>("mirrored-end", "sender", "none");
/** Protocol and ports of an ordinary packet (ports >= 1024, so never DHCP/NTP/DNS). */
const transport = fc.oneof(
  fc.record({
    protocol: fc.constantFrom(PROTO.TCP, PROTO.UDP),
    srcPort: fc.integer({ min: 1024, max: 65535 }),
    dstPort: fc.integer({ min: 1024, max: 65535 }),
  }),
  fc.record({ protocol: fc.constantFrom(PROTO.ICMP, 47, 50, 132) }),
  fc.record({ protocol: fc.constant(PROTO.UDP) }), // non-first fragment
);

/** The other end of a flow: a mirrored-only pod, a node/host in a shared subnet (mirrored or not), or the internet. */
type End = { ip: string; eni?: { name: string; mirrored: boolean } };
const otherEnd = (blocks: string[], sensor: string): fc.Arbitrary<End> =>
  fc
    .oneof(
      fc
        .constantFrom(...blocks)
        .chain(inCidr)
        .map((ip) => ({ ip, eni: { name: "pod", mirrored: true } })),
      fc
        .tuple(inCidr(SHARED), fc.boolean())
        .map(([ip, mirrored]) => ({ ip, eni: { name: "shared", mirrored } })),
      inCidr("203.0.113.0/24").map((ip) => ({ ip })),
    )
    .filter((e) => e.ip !== sensor);

const layout = fc.record({
  blocks: fc.array(podBlock, { minLength: 1, maxLength: 2 }),
  sensor: inCidr(SENSOR_NET),
  sensorPort: fc.integer({ min: 1, max: 65535 }),
});

function wire(src: End, dst: End, t: Omit<MirrorPacket, "src" | "dst">): WirePacket {
  return {
    label: "random",
    ...t,
    src: src.ip,
    dst: dst.ip,
    ...(src.eni ? { egressAt: src.eni } : {}),
    ...(dst.eni ? { ingressAt: dst.eni } : {}),
  };
}

describe("mirror properties (fast-check)", () => {
  it("every packet with an end in a mirrored-only CIDR reaches the sensor exactly once (mirrored-end)", () => {
    fc.assert(
      fc.property(
        layout.chain((l) =>
          fc.record({
            l: fc.constant(l),
            pod: fc.constantFrom(...l.blocks).chain(inCidr),
            other: otherEnd(l.blocks, l.sensor),
            podSends: fc.boolean(),
            t: transport,
          }),
        ),
        ({ l, pod, other, podSends, t }) => {
          const plan = planMirrorFilter({
            vpcCidrs: VPC,
            mirroredOnlyCidrs: l.blocks,
            sensorIps: [l.sensor],
            sensorPort: l.sensorPort,
          });
          const podEnd: End = { ip: pod, eni: { name: "pod", mirrored: true } };
          const p = podSends ? wire(podEnd, other, t) : wire(other, podEnd, t);
          assert.equal(copiesDelivered(plan, p, VPC).total, 1, JSON.stringify(p));
        },
      ),
      runs,
    );
  });

  it("a packet between two mirrored ENIs in mirrored-only CIDRs is copied once under both dedup strategies", () => {
    fc.assert(
      fc.property(
        layout.chain((l) =>
          fc.record({
            l: fc.constant(l),
            a: fc.constantFrom(...l.blocks).chain(inCidr),
            b: fc.constantFrom(...l.blocks).chain(inCidr),
            d: fc.constantFrom<DedupStrategy>("mirrored-end", "sender"),
            t: transport,
          }),
        ),
        ({ l, a, b, d, t }) => {
          const plan = planMirrorFilter({
            vpcCidrs: VPC,
            mirroredOnlyCidrs: l.blocks,
            sensorIps: [l.sensor],
            sensorPort: l.sensorPort,
            dedup: d,
          });
          const p = wire(
            { ip: a, eni: { name: "a", mirrored: true } },
            { ip: b, eni: { name: "b", mirrored: true } },
            t,
          );
          assert.equal(copiesDelivered(plan, p, VPC).total, 1);
        },
      ),
      runs,
    );
  });

  it("the residual is exact: two mirrored ENIs in shared subnets get 2 copies, one mirrored end gets 1", () => {
    fc.assert(
      fc.property(
        layout,
        inCidr(SHARED),
        inCidr(SHARED),
        fc.boolean(),
        strategy,
        transport,
        (l, a, b, bMirrored, d, t) => {
          fc.pre(a !== l.sensor && b !== l.sensor);
          const plan = planMirrorFilter({
            vpcCidrs: VPC,
            mirroredOnlyCidrs: l.blocks,
            sensorIps: [l.sensor],
            sensorPort: l.sensorPort,
            dedup: d,
          });
          const p = wire(
            { ip: a, eni: { name: "a", mirrored: true } },
            { ip: b, eni: { name: "b", mirrored: bMirrored } },
            t,
          );
          assert.equal(copiesDelivered(plan, p, VPC).total, bMirrored ? 2 : 1);
        },
      ),
      runs,
    );
  });

  it("traffic between a node and a sensor is never mirrored, any strategy, peer, direction, protocol or port", () => {
    fc.assert(
      fc.property(
        layout,
        strategy,
        fc.oneof(inCidr("0.0.0.0/0"), fc.constantFrom("100.64.1.1", "10.0.1.10")),
        fc.boolean(),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        (l, d, peer, toSensor, protocol, sp, dp) => {
          const plan = planMirrorFilter({
            vpcCidrs: VPC,
            mirroredOnlyCidrs: l.blocks,
            sensorIps: [l.sensor],
            sensorPort: l.sensorPort,
            dedup: d,
          });
          const ported = protocol === PROTO.TCP || protocol === PROTO.UDP;
          const p: MirrorPacket = {
            protocol,
            src: toSensor ? peer : l.sensor,
            dst: toSensor ? l.sensor : peer,
            ...(ported ? { srcPort: sp, dstPort: dp } : {}),
          };
          // A node's ENI sends what goes to the sensor and receives what comes from it.
          assert.equal(isMirrored(plan, p, toSensor ? "egress" : "ingress"), false);
          const node = { name: "node", mirrored: true };
          assert.equal(
            copiesDelivered(
              plan,
              { label: "s", ...p, ...(toSensor ? { egressAt: node } : { ingressAt: node }) },
              VPC,
            ).total,
            0,
          );
        },
      ),
      runs,
    );
  });

  it("plans are valid AWS rule sets within the quota, or a named budget error", () => {
    fc.assert(
      fc.property(
        fc.array(podBlock, { maxLength: 4 }),
        fc.uniqueArray(inCidr(SENSOR_NET), { minLength: 1, maxLength: 10 }),
        strategy,
        (blocks, sensors, d) => {
          let plan: MirrorFilterPlan;
          try {
            plan = planMirrorFilter({
              vpcCidrs: VPC,
              mirroredOnlyCidrs: blocks,
              sensorIps: sensors,
              sensorPort: 2003,
              dedup: d,
            });
          } catch (e) {
            assert.ok(e instanceof MirrorFilterInputError, String(e));
            assert.ok(["sensorIps", "mirroredOnlyCidrs"].includes(e.input));
            assert.match(e.message, /over the budget of 10/);
            return;
          }
          assert.ok(plan.rules.length <= MIRROR_FILTER_RULE_QUOTA);
          assert.equal(
            plan.rules.length,
            rulesNeeded(d, plan.sensorBlocks.length, plan.mirroredOnlyBlocks.length),
          );
          validateMirrorRules(plan.rules);
          for (const dir of ["egress", "ingress"] as const) {
            const list = plan.rules.filter((r) => r.trafficDirection === dir);
            list.forEach((r, i) => i > 0 && assert.ok(r.ruleNumber > list[i - 1].ruleNumber));
            const last = list[list.length - 1];
            assert.deepEqual(
              [last.ruleAction, last.sourceCidrBlock, last.destinationCidrBlock],
              ["accept", "0.0.0.0/0", "0.0.0.0/0"],
            );
            // Sensor rules come first, so nothing can accept sensor traffic before them.
            list.slice(0, plan.sensorBlocks.length).forEach((r) => assert.equal(r.ruleAction, "reject"));
          }
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
