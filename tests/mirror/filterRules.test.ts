import * as assert from "node:assert/strict";
import {
  MirrorFilterInputError,
  MirrorFilterInputs,
  findMirroredOnlyViolations,
  planMirrorFilter,
} from "../../components/mirror/filterRules";
import { validateMirrorRules } from "../../harness/mirror/ruleEvaluator";

const base: MirrorFilterInputs = {
  vpcCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
  mirroredOnlyCidrs: ["100.64.0.0/16"],
  sharedCidrs: ["10.0.0.0/19"],
  sensorIps: ["10.0.128.10"],
  sensorPort: 2003,
};

const brief = (inputs: MirrorFilterInputs) =>
  planMirrorFilter(inputs).rules.map(
    (r) =>
      `${r.trafficDirection} ${r.ruleNumber} ${r.ruleAction} ${r.sourceCidrBlock} -> ${r.destinationCidrBlock}`,
  );

describe("mirror filter rules: the computed rule list", () => {
  it("custom networking, one sensor: 7 rules, sensors first, dedup at the mirrored-only end", () => {
    assert.deepEqual(brief(base), [
      "egress 100 reject 0.0.0.0/0 -> 10.0.128.10/32",
      "egress 200 accept 100.64.0.0/16 -> 0.0.0.0/0",
      "egress 300 reject 0.0.0.0/0 -> 100.64.0.0/16",
      "egress 400 accept 0.0.0.0/0 -> 0.0.0.0/0",
      "ingress 100 reject 10.0.128.10/32 -> 0.0.0.0/0",
      "ingress 200 reject 100.64.0.0/16 -> 0.0.0.0/0",
      "ingress 300 accept 0.0.0.0/0 -> 0.0.0.0/0",
    ]);
    const plan = planMirrorFilter(base);
    assert.equal(plan.budget, "7/10");
    assert.deepEqual(plan.networkServices, ["amazon-dns"]);
    // No protocol and no ports anywhere: fragments and every protocol are decided alike.
    assert.ok(
      plan.rules.every((r) => r.protocol === undefined && !r.sourcePortRange && !r.destinationPortRange),
    );
    assert.ok(plan.rules.every((r) => r.description.length > 0 && r.description.length <= 255));
    validateMirrorRules(plan.rules);
  });

  it("no mirrored-only CIDR: 4 rules (sensor exclusion + accept all, both directions)", () => {
    assert.deepEqual(brief({ ...base, mirroredOnlyCidrs: [] }), [
      "egress 100 reject 0.0.0.0/0 -> 10.0.128.10/32",
      "egress 200 accept 0.0.0.0/0 -> 0.0.0.0/0",
      "ingress 100 reject 10.0.128.10/32 -> 0.0.0.0/0",
      "ingress 200 accept 0.0.0.0/0 -> 0.0.0.0/0",
    ]);
  });

  it("dedup 'sender': egress copies everything, ingress skips mirrored-only sources", () => {
    assert.deepEqual(brief({ ...base, dedup: "sender" }), [
      "egress 100 reject 0.0.0.0/0 -> 10.0.128.10/32",
      "egress 200 accept 0.0.0.0/0 -> 0.0.0.0/0",
      "ingress 100 reject 10.0.128.10/32 -> 0.0.0.0/0",
      "ingress 200 reject 100.64.0.0/16 -> 0.0.0.0/0",
      "ingress 300 accept 0.0.0.0/0 -> 0.0.0.0/0",
    ]);
  });

  it("collapses mirrored-only CIDRs exactly (adjacent subnets merge, nested ones vanish)", () => {
    const plan = planMirrorFilter({
      ...base,
      mirroredOnlyCidrs: ["100.64.0.0/18", "100.64.64.0/18", "100.64.128.0/17", "100.64.3.0/24"],
    });
    assert.deepEqual(plan.mirroredOnlyBlocks, ["100.64.0.0/16"]);
  });

  it("merges sensor addresses only when that excludes no other address", () => {
    assert.deepEqual(planMirrorFilter({ ...base, sensorIps: ["10.0.128.11", "10.0.128.10"] }).sensorBlocks, [
      "10.0.128.10/31",
    ]);
    assert.deepEqual(planMirrorFilter({ ...base, sensorIps: ["10.0.128.10", "10.0.128.12"] }).sensorBlocks, [
      "10.0.128.10/32",
      "10.0.128.12/32",
    ]);
    // .11 and .12 are adjacent but not aligned: a /30 would also exclude .10 and .13.
    assert.deepEqual(planMirrorFilter({ ...base, sensorIps: ["10.0.128.11", "10.0.128.12"] }).sensorBlocks, [
      "10.0.128.11/32",
      "10.0.128.12/32",
    ]);
  });

  it("omits the amazon-dns network service when asked", () => {
    assert.deepEqual(planMirrorFilter({ ...base, mirrorAmazonDns: false }).networkServices, []);
  });

  it("fills the quota exactly: one sensor block + two mirrored-only blocks = 10 rules", () => {
    const plan = planMirrorFilter({
      ...base,
      sharedCidrs: [],
      mirroredOnlyCidrs: ["10.0.0.0/18", "100.64.0.0/16"],
    });
    assert.equal(plan.rules.length, 10);
  });
});

describe("mirror filter rules: bad input is refused with the input, the value and what is allowed", () => {
  const refuses = (inputs: MirrorFilterInputs, input: string, pattern: RegExp) =>
    assert.throws(
      () => planMirrorFilter(inputs),
      (e: unknown) => e instanceof MirrorFilterInputError && e.input === input && pattern.test(e.message),
    );

  it("over the rule budget because of sensors", () => {
    const sensors = ["10.0.128.10", "10.0.128.12", "10.0.128.14", "10.0.128.16", "10.0.128.18"];
    refuses(
      { ...base, mirroredOnlyCidrs: [], sensorIps: sensors },
      "sensorIps",
      /needs 12 filter rules, over the budget of 10/,
    );
  });

  it("over the rule budget because of mirrored-only blocks, with the cheaper strategy named", () => {
    const sensors = ["10.0.128.10", "10.0.128.12", "10.0.128.14"];
    refuses({ ...base, sensorIps: sensors }, "mirroredOnlyCidrs", /needs 11 filter rules.*dedup "sender"/s);
    assert.equal(planMirrorFilter({ ...base, sensorIps: sensors, dedup: "sender" }).rules.length, 9);
  });

  it("a lower rule quota is honoured", () => {
    refuses({ ...base, ruleQuota: 6 }, "mirroredOnlyCidrs", /needs 7 filter rules, over the budget of 6/);
    refuses({ ...base, ruleQuota: 11 }, "ruleQuota", /2-10/);
  });

  it("malformed CIDRs and addresses name the element", () => {
    refuses({ ...base, mirroredOnlyCidrs: ["100.64.0.1/16"] }, "mirroredOnlyCidrs[0]", /not an IPv4 CIDR/);
    refuses({ ...base, vpcCidrs: [] }, "vpcCidrs", /non-empty list/);
    refuses({ ...base, sensorIps: ["10.0.128.300"] }, "sensorIps[0]", /not an IPv4 address/);
    refuses({ ...base, sensorIps: [] }, "sensorIps", /1 to 10/);
    refuses({ ...base, sensorPort: 0 }, "sensorPort", /1-65535/);
    refuses({ ...base, sensorPort: 2003.5 }, "sensorPort", /1-65535/);
  });

  it("mirrored-only CIDRs must be VPC addresses and must not overlap shared ones", () => {
    refuses({ ...base, mirroredOnlyCidrs: ["100.65.0.0/16"] }, "mirroredOnlyCidrs[0]", /not inside the VPC/);
    refuses(
      { ...base, mirroredOnlyCidrs: ["10.0.16.0/20"] },
      "mirroredOnlyCidrs[0]",
      /overlaps sharedCidrs\[0\] 10.0.0.0\/19/,
    );
    // Spanning two VPC CIDRs is fine when both are covered.
    assert.doesNotThrow(() =>
      planMirrorFilter({
        ...base,
        sharedCidrs: [],
        vpcCidrs: ["10.0.0.0/17", "10.0.128.0/17"],
        mirroredOnlyCidrs: ["10.0.0.0/16"],
      }),
    );
  });
});

describe("mirror filter rules: checking the mirrored-only declaration", () => {
  it("names every unmirrored holder of an address inside a mirrored-only CIDR", () => {
    const v = findMirroredOnlyViolations(
      ["100.64.0.0/16"],
      [
        { holder: "eni-0a (i-node-a)", addresses: ["100.64.1.11"], mirrored: true },
        { holder: "eni-0u (i-node-u, t2.large)", addresses: ["100.64.2.31", "10.0.2.30"], mirrored: false },
        { holder: "rds", addresses: ["10.0.64.10"], mirrored: false },
      ],
    );
    assert.deepEqual(v, [
      { cidr: "100.64.0.0/16", address: "100.64.2.31", holder: "eni-0u (i-node-u, t2.large)" },
    ]);
  });
});
