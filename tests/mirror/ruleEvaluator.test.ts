import * as assert from "node:assert/strict";
import { MirrorFilterRuleSpec } from "../../components/mirror/filterRules";
import {
  InvalidMirrorRuleError,
  MirrorFilter,
  MirrorPacket,
  PROTO,
  evaluateMirror,
  isMirrored,
  validateMirrorRules,
} from "../../harness/mirror/ruleEvaluator";

const ANY = "0.0.0.0/0";

function rule(
  partial: Partial<MirrorFilterRuleSpec> & Pick<MirrorFilterRuleSpec, "ruleNumber">,
): MirrorFilterRuleSpec {
  return {
    trafficDirection: "ingress",
    ruleAction: "accept",
    sourceCidrBlock: ANY,
    destinationCidrBlock: ANY,
    description: "test",
    ...partial,
  };
}

const filter = (...rules: MirrorFilterRuleSpec[]): MirrorFilter => ({ rules, networkServices: [] });
const tcp = (src: string, dst: string, srcPort: number, dstPort: number): MirrorPacket => ({
  protocol: PROTO.TCP,
  src,
  dst,
  srcPort,
  dstPort,
});

describe("mirror rule evaluator: AWS semantics", () => {
  const pkt = tcp("10.0.1.10", "10.0.2.20", 40000, 443);

  it("mirrors nothing when the filter has no rules", () => {
    assert.deepEqual(evaluateMirror(filter(), pkt, "ingress"), { mirrored: false, reason: "no-match" });
    assert.equal(isMirrored(filter(), pkt, "egress"), false);
  });

  it("applies rules only to their own direction (no outbound rules = no outbound traffic)", () => {
    const f = filter(rule({ ruleNumber: 10, trafficDirection: "ingress" }));
    assert.equal(isMirrored(f, pkt, "ingress"), true);
    assert.equal(isMirrored(f, pkt, "egress"), false);
  });

  it("evaluates by ascending rule number, not by list order", () => {
    const f = filter(
      rule({ ruleNumber: 20, ruleAction: "accept" }),
      rule({ ruleNumber: 10, ruleAction: "reject", destinationCidrBlock: "10.0.2.0/24" }),
    );
    const d = evaluateMirror(f, pkt, "ingress");
    assert.equal(d.mirrored, false);
    assert.equal(d.reason === "rule" && d.rule.ruleNumber, 10);
  });

  it("stops at the first match: a later accept cannot undo an earlier reject, nor the reverse", () => {
    const f = filter(
      rule({ ruleNumber: 10, ruleAction: "accept", protocol: PROTO.TCP }),
      rule({ ruleNumber: 20, ruleAction: "reject" }),
    );
    assert.equal(isMirrored(f, pkt, "ingress"), true);
    assert.equal(isMirrored(f, { ...pkt, protocol: PROTO.UDP }, "ingress"), false);
  });

  it("falls through non-matching rules and drops when none matches", () => {
    const f = filter(
      rule({ ruleNumber: 1, sourceCidrBlock: "192.168.0.0/16" }),
      rule({ ruleNumber: 2, destinationCidrBlock: "10.0.3.0/24" }),
    );
    assert.deepEqual(evaluateMirror(f, pkt, "ingress"), { mirrored: false, reason: "no-match" });
  });

  it("treats an absent protocol as every protocol, a set one as exactly that protocol", () => {
    const all = filter(rule({ ruleNumber: 1 }));
    for (const protocol of [PROTO.ICMP, PROTO.TCP, PROTO.UDP, 47, 50]) {
      assert.equal(
        isMirrored(all, { protocol, src: "10.0.0.1", dst: "10.0.0.2" }, "ingress"),
        true,
        `proto ${protocol}`,
      );
    }
    const udpOnly = filter(rule({ ruleNumber: 1, protocol: PROTO.UDP }));
    assert.equal(isMirrored(udpOnly, pkt, "ingress"), false);
  });

  it("matches CIDRs inclusively at both edges, /32 exactly", () => {
    const f = filter(
      rule({ ruleNumber: 1, sourceCidrBlock: "10.0.1.0/24", destinationCidrBlock: "10.0.2.20/32" }),
    );
    assert.equal(isMirrored(f, tcp("10.0.1.0", "10.0.2.20", 1, 2), "ingress"), true);
    assert.equal(isMirrored(f, tcp("10.0.1.255", "10.0.2.20", 1, 2), "ingress"), true);
    assert.equal(isMirrored(f, tcp("10.0.2.0", "10.0.2.20", 1, 2), "ingress"), false);
    assert.equal(isMirrored(f, tcp("10.0.1.5", "10.0.2.21", 1, 2), "ingress"), false);
  });

  it("matches port ranges inclusively, only for TCP/UDP packets that carry ports", () => {
    const f = filter(
      rule({ ruleNumber: 1, protocol: PROTO.UDP, destinationPortRange: { fromPort: 2003, toPort: 2005 } }),
      rule({ ruleNumber: 2, protocol: PROTO.TCP, sourcePortRange: { fromPort: 22, toPort: 22 } }),
    );
    const udp = (dstPort?: number): MirrorPacket => ({
      protocol: PROTO.UDP,
      src: "10.0.0.1",
      dst: "10.0.0.2",
      srcPort: 5000,
      dstPort,
    });
    assert.equal(isMirrored(f, udp(2003), "ingress"), true);
    assert.equal(isMirrored(f, udp(2005), "ingress"), true);
    assert.equal(isMirrored(f, udp(2006), "ingress"), false);
    assert.equal(isMirrored(f, udp(2002), "ingress"), false);
    // A non-first fragment has no ports: a port rule cannot match it.
    assert.equal(isMirrored(f, { protocol: PROTO.UDP, src: "10.0.0.1", dst: "10.0.0.2" }, "ingress"), false);
    assert.equal(isMirrored(f, tcp("10.0.0.1", "10.0.0.2", 22, 50000), "ingress"), true);
    assert.equal(isMirrored(f, tcp("10.0.0.1", "10.0.0.2", 50000, 22), "ingress"), false);
  });

  it("reproduces AWS's documented example (reject SSH from my network, then accept all TCP)", () => {
    // https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-filters.html
    const f = filter(
      rule({
        ruleNumber: 10,
        ruleAction: "reject",
        protocol: PROTO.TCP,
        destinationPortRange: { fromPort: 22, toPort: 22 },
        sourceCidrBlock: "203.0.113.0/24",
        destinationCidrBlock: "10.0.0.0/16",
      }),
      rule({ ruleNumber: 20, ruleAction: "accept", protocol: PROTO.TCP }),
    );
    assert.equal(isMirrored(f, tcp("203.0.113.9", "10.0.1.10", 50000, 22), "ingress"), false);
    assert.equal(isMirrored(f, tcp("198.51.100.9", "10.0.1.10", 50000, 22), "ingress"), true);
    assert.equal(isMirrored(f, tcp("203.0.113.9", "10.0.1.10", 50000, 443), "ingress"), true);
    assert.equal(
      isMirrored(
        f,
        { protocol: PROTO.UDP, src: "203.0.113.9", dst: "10.0.1.10", srcPort: 1, dstPort: 2 },
        "ingress",
      ),
      false,
    );
  });

  it("never mirrors instance metadata, DHCP or NTP, whatever the rules say", () => {
    const all = filter(rule({ ruleNumber: 1 }), rule({ ruleNumber: 1, trafficDirection: "egress" }));
    const cases: [MirrorPacket, string][] = [
      [tcp("10.0.1.10", "169.254.169.254", 40000, 80), "instance metadata"],
      [{ protocol: PROTO.UDP, src: "0.0.0.0", dst: "255.255.255.255", srcPort: 68, dstPort: 67 }, "DHCP"],
      [{ protocol: PROTO.UDP, src: "10.0.1.10", dst: "169.254.169.123", srcPort: 123, dstPort: 123 }, "NTP"],
    ];
    for (const [p, service] of cases) {
      assert.deepEqual(evaluateMirror(all, p, "egress"), {
        mirrored: false,
        reason: "never-mirrored",
        service,
      });
    }
  });

  it("mirrors Amazon DNS only with the amazon-dns network service", () => {
    const rules = [rule({ ruleNumber: 1, trafficDirection: "egress" })];
    const dns: MirrorPacket = {
      protocol: PROTO.UDP,
      src: "10.0.1.10",
      dst: "10.0.0.2",
      srcPort: 40000,
      dstPort: 53,
    };
    const ctx = { amazonDnsIps: ["10.0.0.2"] };
    assert.equal(isMirrored({ rules, networkServices: [] }, dns, "egress", ctx), false);
    assert.equal(isMirrored({ rules, networkServices: ["amazon-dns"] }, dns, "egress", ctx), true);
    // DNS to another resolver is ordinary traffic, decided by the rules.
    assert.equal(isMirrored({ rules, networkServices: [] }, { ...dns, dst: "1.1.1.1" }, "egress", ctx), true);
  });
});

describe("mirror rule evaluator: refuses rule sets AWS would refuse", () => {
  const ok = rule({ ruleNumber: 1 });
  const pkt = tcp("10.0.0.1", "10.0.0.2", 1, 2);

  it("rejects a rule number used twice in one direction, allows it in both directions", () => {
    assert.throws(() => validateMirrorRules([ok, rule({ ruleNumber: 1 })]), /unique per direction/);
    assert.doesNotThrow(() => validateMirrorRules([ok, rule({ ruleNumber: 1, trafficDirection: "egress" })]));
  });

  it("rejects rule numbers outside 1-32766", () => {
    assert.throws(() => validateMirrorRules([rule({ ruleNumber: 0 })]), InvalidMirrorRuleError);
    assert.throws(() => validateMirrorRules([rule({ ruleNumber: 32767 })]), InvalidMirrorRuleError);
  });

  it("rejects port ranges without TCP/UDP and inverted ranges", () => {
    assert.throws(
      () => validateMirrorRules([rule({ ruleNumber: 1, destinationPortRange: { fromPort: 1, toPort: 2 } })]),
      /only with protocol TCP \(6\) or UDP \(17\)/,
    );
    assert.throws(
      () =>
        validateMirrorRules([
          rule({ ruleNumber: 1, protocol: 6, sourcePortRange: { fromPort: 9, toPort: 2 } }),
        ]),
      /fromPort <= toPort/,
    );
  });

  it("rejects malformed CIDRs and more than 10 rules", () => {
    assert.throws(
      () => validateMirrorRules([rule({ ruleNumber: 1, sourceCidrBlock: "10.0.0.1/16" })]),
      /not an IPv4 CIDR/,
    );
    const eleven = Array.from({ length: 11 }, (_, i) => rule({ ruleNumber: i + 1 }));
    assert.throws(() => validateMirrorRules(eleven), /11 rules exceed the quota of 10/);
    assert.throws(() => evaluateMirror(filter(...eleven), pkt, "ingress"), InvalidMirrorRuleError);
  });
});
