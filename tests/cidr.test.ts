import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  cidrContains,
  cidrsOverlap,
  collapseCidrs,
  intToIp,
  ipToInt,
  isIpv4Address,
  isIpv4Cidr,
  toRange,
} from "../components/contract/cidr";

const arbCidr = fc
  .tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 32 }))
  .map(([ip, prefix]) => {
    const size = 2 ** (32 - prefix);
    return `${intToIp(ip - (ip % size))}/${prefix}`;
  });

describe("cidr", () => {
  it("accepts canonical addresses and CIDRs only", () => {
    assert.ok(isIpv4Address("10.0.12.7"));
    for (const bad of ["10.0.12", "10.0.12.256", "010.0.0.1", "fe80::1", "10.0.0.1 "]) {
      assert.equal(isIpv4Address(bad), false, bad);
    }
    assert.ok(isIpv4Cidr("100.64.0.0/16"));
    assert.ok(isIpv4Cidr("0.0.0.0/0"));
    for (const bad of ["10.0.0.1/16", "10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0.0/16/1", "fc00::/7"]) {
      assert.equal(isIpv4Cidr(bad), false, bad);
    }
  });

  it("collapses nested, duplicate and adjacent blocks without widening", () => {
    assert.deepEqual(
      collapseCidrs(["10.0.32.0/19", "10.0.0.0/19", "10.0.0.0/16", "100.64.0.0/17", "100.64.128.0/17"]),
      ["10.0.0.0/16", "100.64.0.0/16"],
    );
    assert.deepEqual(collapseCidrs(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]), [
      "10.0.0.0/23",
      "10.0.2.0/24",
    ]);
  });

  it("collapse covers exactly the union (property)", () => {
    fc.assert(
      fc.property(
        fc.array(arbCidr, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 2 ** 32 - 1 }),
        (cidrs, probe) => {
          const out = collapseCidrs(cidrs);
          const ip = intToIp(probe);
          const inInput = cidrs.some((c) => cidrContains(c, ip));
          const inOutput = out.some((c) => cidrContains(c, ip));
          // also probe the edges of every input block, where off-by-one errors live
          for (const c of cidrs) {
            const r = toRange(c);
            for (const edge of [r.first - 1, r.first, r.last, r.last + 1].filter(
              (v) => v >= 0 && v < 2 ** 32,
            )) {
              const e = intToIp(edge);
              assert.equal(
                out.some((o) => cidrContains(o, e)),
                cidrs.some((i) => cidrContains(i, e)),
                `${c} edge ${e}`,
              );
            }
          }
          assert.equal(inOutput, inInput);
          // output blocks are disjoint and canonical
          out.forEach((a, i) => out.slice(i + 1).forEach((b) => assert.equal(cidrsOverlap(a, b), false)));
          out.forEach((c) => assert.ok(isIpv4Cidr(c), c));
        },
      ),
    );
  });

  it("round-trips addresses", () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 32 - 1 }), (n) => ipToInt(intToIp(n)) === n));
  });
});
