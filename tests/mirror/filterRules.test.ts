import * as assert from "node:assert/strict";
import {
  MirrorFilterInputError,
  MirrorFilterInputs,
  planMirrorFilter,
} from "../../components/mirror/filterRules";
import { validateMirrorRules } from "../../harness/mirror/ruleEvaluator";

const base: MirrorFilterInputs = {
  vpcCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
  sensorIps: ["10.0.128.10"],
  sensorPort: 2003,
};

const brief = (inputs: MirrorFilterInputs) =>
  planMirrorFilter(inputs).rules.map(
    (r) =>
      `${r.trafficDirection} ${r.ruleNumber} ${r.ruleAction} ${r.protocol ?? "all"} ${r.sourceCidrBlock}` +
      `${r.sourcePortRange ? `:${r.sourcePortRange.fromPort}-${r.sourcePortRange.toPort}` : ""} -> ${r.destinationCidrBlock}`,
  );

describe("mirror filter rules: the computed rule list (egress only)", () => {
  it("one sensor: 4 rules, sensors first, then the NodePort source ports, then accept all; nothing inbound", () => {
    assert.deepEqual(brief(base), [
      "egress 100 reject all 0.0.0.0/0 -> 10.0.128.10/32",
      "egress 200 reject 6 0.0.0.0/0:30000-32767 -> 0.0.0.0/0",
      "egress 300 reject 17 0.0.0.0/0:30000-32767 -> 0.0.0.0/0",
      "egress 400 accept all 0.0.0.0/0 -> 0.0.0.0/0",
    ]);
    const plan = planMirrorFilter(base);
    assert.equal(plan.budget, "4/10");
    assert.equal(plan.dedup, "egress-only");
    assert.deepEqual(plan.networkServices, ["amazon-dns"]);
    assert.deepEqual(plan.amazonDnsAddresses, ["10.0.0.2", "169.254.169.253"]);
    assert.deepEqual(plan.nodePortRange, { min: 30000, max: 32767 });
    assert.deepEqual(plan.warnings, []);
    assert.ok(plan.rules.every((r) => r.description.length > 0 && r.description.length <= 255));
    validateMirrorRules(plan.rules);
  });

  it("excluded destinations come after the NodePort rules, one rule per collapsed block", () => {
    const plan = planMirrorFilter({
      ...base,
      excludedCidrs: ["10.0.80.0/21", "10.0.88.0/21", "10.0.90.0/24"],
      nodePortRange: { min: 31000, max: 31999 },
    });
    assert.deepEqual(plan.excludedBlocks, ["10.0.80.0/20"]);
    assert.deepEqual(
      brief({ ...base, excludedCidrs: ["10.0.80.0/20"], nodePortRange: { min: 31000, max: 31999 } }),
      [
        "egress 100 reject all 0.0.0.0/0 -> 10.0.128.10/32",
        "egress 200 reject 6 0.0.0.0/0:31000-31999 -> 0.0.0.0/0",
        "egress 300 reject 17 0.0.0.0/0:31000-31999 -> 0.0.0.0/0",
        "egress 400 reject all 0.0.0.0/0 -> 10.0.80.0/20",
        "egress 500 accept all 0.0.0.0/0 -> 0.0.0.0/0",
      ],
    );
  });

  it("merges sensor addresses only when that excludes no other address", () => {
    assert.deepEqual(planMirrorFilter({ ...base, sensorIps: ["10.0.128.11", "10.0.128.10"] }).sensorBlocks, [
      "10.0.128.10/31",
    ]);
    // .11 and .12 are adjacent but not aligned: a /30 would also exclude .10 and .13.
    assert.deepEqual(planMirrorFilter({ ...base, sensorIps: ["10.0.128.11", "10.0.128.12"] }).sensorBlocks, [
      "10.0.128.11/32",
      "10.0.128.12/32",
    ]);
  });

  it("omits the amazon-dns network service (and its addresses) when asked", () => {
    const plan = planMirrorFilter({ ...base, mirrorAmazonDns: false });
    assert.deepEqual(plan.networkServices, []);
    assert.deepEqual(plan.amazonDnsAddresses, []);
  });

  it("fills the quota exactly: 7 sensor blocks, or 1 sensor block and 6 excluded blocks", () => {
    const sensors = [
      "10.0.128.10",
      "10.0.128.12",
      "10.0.128.14",
      "10.0.128.16",
      "10.0.128.18",
      "10.0.128.20",
      "10.0.128.22",
    ];
    assert.equal(planMirrorFilter({ ...base, sensorIps: sensors }).rules.length, 10);
    const excluded = [
      "10.0.80.0/24",
      "10.0.82.0/24",
      "10.0.84.0/24",
      "10.0.86.0/24",
      "10.0.88.0/24",
      "10.0.90.0/24",
    ];
    assert.equal(planMirrorFilter({ ...base, excludedCidrs: excluded }).rules.length, 10);
  });

  it("mirroredOnlyCidrs is deprecated: ignored by the rules, named in a warning", () => {
    const plan = planMirrorFilter({ ...base, mirroredOnlyCidrs: ["100.64.0.0/16"] });
    assert.deepEqual(plan.rules, planMirrorFilter(base).rules);
    assert.equal(plan.warnings.length, 1);
    assert.match(plan.warnings[0], /mirroredOnlyCidrs \(100\.64\.0\.0\/16\) is deprecated and ignored/);
  });
});

describe("mirror filter rules: bad input is refused with the input, the value and what is allowed", () => {
  const refuses = (inputs: MirrorFilterInputs, input: string, pattern: RegExp) =>
    assert.throws(
      () => planMirrorFilter(inputs),
      (e: unknown) => e instanceof MirrorFilterInputError && e.input === input && pattern.test(e.message),
    );

  it("over the rule budget because of sensors", () => {
    const sensors = Array.from({ length: 8 }, (_, i) => `10.0.128.${10 + 2 * i}`);
    refuses({ ...base, sensorIps: sensors }, "sensorIps", /needs 11 filter rules, over the budget of 10/);
  });

  it("over the rule budget because of excluded blocks", () => {
    const excluded = Array.from({ length: 7 }, (_, i) => `10.0.${80 + 2 * i}.0/24`);
    refuses(
      { ...base, excludedCidrs: excluded },
      "excludedCidrs",
      /needs 11 filter rules.*sensor blocks \+ excluded blocks \+ 3 <= 10/s,
    );
  });

  it("a lower rule quota is honoured; the quota cannot go under the smallest filter or over AWS's", () => {
    refuses(
      { ...base, ruleQuota: 4, excludedCidrs: ["10.0.80.0/20"] },
      "excludedCidrs",
      /needs 5 filter rules, over the budget of 4/,
    );
    refuses({ ...base, ruleQuota: 11 }, "ruleQuota", /4-10/);
    refuses({ ...base, ruleQuota: 3 }, "ruleQuota", /4-10/);
  });

  it("malformed CIDRs, addresses, ports and ranges name the element", () => {
    refuses({ ...base, excludedCidrs: ["10.0.80.1/20"] }, "excludedCidrs[0]", /not an IPv4 CIDR/);
    refuses({ ...base, mirroredOnlyCidrs: ["100.64.0.1/16"] }, "mirroredOnlyCidrs[0]", /not an IPv4 CIDR/);
    refuses({ ...base, vpcCidrs: [] }, "vpcCidrs", /non-empty list/);
    refuses({ ...base, sensorIps: ["10.0.128.300"] }, "sensorIps[0]", /not an IPv4 address/);
    refuses({ ...base, sensorIps: [] }, "sensorIps", /1 to 10/);
    refuses({ ...base, sensorPort: 0 }, "sensorPort", /1-65535/);
    refuses({ ...base, sensorPort: 2003.5 }, "sensorPort", /1-65535/);
    refuses(
      { ...base, nodePortRange: { min: 32767, max: 30000 } },
      "nodePortRange",
      /1 <= min <= max <= 65535/,
    );
    refuses({ ...base, nodePortRange: { min: 0, max: 100 } }, "nodePortRange", /EKS: 30000-32767/);
  });
});
