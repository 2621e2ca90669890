import { strict as assert } from "node:assert";
import { ConfigError, parseStackConfig } from "../components/config";

const valid = { clusterName: "demo", sensorIps: ["10.0.200.10"], rpcapdPackage: "vendor/rpcapd.deb" };

function problems(raw: unknown): string[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("stack config", () => {
  it("applies the documented defaults", () => {
    const c = parseStackConfig(valid);
    assert.equal(c.sensorPort, 2003);
    assert.equal(c.namespace, "extrahop");
    assert.equal(c.excludeNodeLabel, "extrahop/norpcapd");
    assert.equal(c.mirrorSessionNumber, 10);
    assert.equal(c.reconcileSchedule, "rate(5 minutes)");
    assert.equal(c.imagePlatform, "linux/amd64");
    assert.deepEqual(c.tags, {});
    assert.equal(c.mirrorTarget, undefined);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    [
      "malformed sensor IP",
      { sensorIps: ["10.0.200.10", "10.0.200.256"] },
      'sensorIps[1]: "10.0.200.256" is not an IPv4 address',
    ],
    ["no sensors", { sensorIps: [] }, "sensorIps: [] must list at least one sensor"],
    ["11 sensors", { sensorIps: Array.from({ length: 11 }, (_, i) => `10.0.200.${i + 1}`) }, "sensorIps: "],
    ["port out of range", { sensorPort: 70000 }, "sensorPort: 70000 must be between 1 and 65535"],
    ["port not an integer", { sensorPort: 20.5 }, "sensorPort: 20.5 must be an integer"],
    ["port as text", { sensorPort: "2003x" }, 'sensorPort: "2003x" must be an integer'],
    ["CIDR with host bits", { podCidrs: ["10.0.0.1/16"] }, 'podCidrs[0]: "10.0.0.1/16" is not an IPv4 CIDR'],
    [
      "IPv6 service CIDR",
      { serviceCidrs: ["fd00::/108"] },
      'serviceCidrs[0]: "fd00::/108" is not an IPv4 CIDR',
    ],
    [
      "two mirror target kinds",
      {
        mirrorTarget: {
          networkInterfaceId: "eni-0123456789abcdef0",
          gatewayLoadBalancerEndpointId: "vpce-0123456789abcdef0",
        },
      },
      "mirrorTarget: ",
    ],
    ["unknown target kind", { mirrorTarget: { nlb: "x" } }, "mirrorTarget: unknown key(s) nlb"],
    ["typo key", { sensorIp: ["10.0.0.1"] }, "unknown key(s) sensorIp (allowed: clusterName, sensorIps"],
    ["bad session number", { mirrorSessionNumber: 0 }, "mirrorSessionNumber: 0 must be between 1 and 32766"],
  ];
  for (const [what, patch, expected] of cases) {
    it(`rejects ${what}, naming key and value`, () => {
      const found = problems({ ...valid, ...patch });
      assert.ok(
        found.some((p) => p.startsWith(expected) || p.includes(expected)),
        `expected a problem like ${JSON.stringify(expected)}, got ${JSON.stringify(found)}`,
      );
    });
  }

  it("says both target kinds are exclusive", () => {
    const mirrorTarget = {
      networkInterfaceId: "eni-0123456789abcdef0",
      networkLoadBalancerArn:
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/sensors/0123456789abcdef",
    };
    assert.deepEqual(problems({ ...valid, mirrorTarget }), [
      `mirrorTarget: ${JSON.stringify(mirrorTarget)} must set exactly one of networkInterfaceId, ` +
        "networkLoadBalancerArn, gatewayLoadBalancerEndpointId",
    ]);
  });

  it("requires clusterName unless both ranges are given, and reports every problem at once", () => {
    const found = problems({ sensorIps: ["bad"], podCidrs: ["10.0.0.0/16"] });
    assert.deepEqual(found, [
      'sensorIps[0]: "bad" is not an IPv4 address (expected a dotted quad such as 10.0.12.7)',
      "clusterName: is required unless both podCidrs and serviceCidrs are given",
      "rpcapdPackage: is required unless agentImage names a prebuilt image",
    ]);
  });

  it("accepts a self-managed cluster given by its ranges", () => {
    const c = parseStackConfig({
      sensorIps: ["192.168.50.5"],
      podCidrs: ["10.244.0.0/16"],
      serviceCidrs: ["10.96.0.0/12"],
      agentImage: `registry.example/rpcapd@sha256:${"a".repeat(64)}`,
    });
    assert.deepEqual(c.podCidrs, ["10.244.0.0/16"]);
  });
});
