/**
 * Input validation of the sensor resource (the provider's `check`): every problem at once, each naming the
 * property; and the provider's own CIDR rule agrees with the project's contract (components/contract/cidr.ts).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { intToIp, isIpv4Cidr } from "../../components/contract/cidr";
import { checkSensorInputs, isCanonicalIpv4Cidr } from "../../components/sensor/sensorInputCheck";
import { UNKNOWN_VALUE } from "../../components/sensor/sensorState";
import { LAYOUT, POD_RULES } from "./helpers";

const valid = {
  apiUrl: "https://sensor.example.com",
  apiKey: "abc123",
  tls: {},
  rpcapEnabled: true,
  forwardingRules: POD_RULES,
  remoteDiscoveryCidrs: ["10.0.0.0/16"],
  runningConfigLayout: LAYOUT,
};

const properties = (inputs: Record<string, unknown>) => checkSensorInputs(inputs).map((p) => p.property);

describe("sensor: input check", () => {
  it("accepts valid inputs, with or without the /api/v1 suffix and a port", () => {
    assert.deepEqual(checkSensorInputs(valid), []);
    assert.deepEqual(checkSensorInputs({ ...valid, apiUrl: "https://10.1.2.3:8443/api/v1/" }), []);
  });

  it("reports every problem at once, naming each property", () => {
    const problems = checkSensorInputs({
      ...valid,
      apiUrl: "http://sensor.example.com",
      apiKey: "two words",
      tls: { caCertificate: "not pem", insecure: true, serverName: "bad name" },
      forwardingRules: [
        { port: 0, interfaceAddress: "10.0.0.1/16" },
        { port: 2003, interfaceAddress: "10.0.0.0/16" },
        { port: 2003, interfaceAddress: "10.0.0.0/16" },
      ],
      remoteDiscoveryCidrs: ["fc00::/7", "10.0.0.0/16", "10.0.0.0/16"],
      runningConfigLayout: { ...LAYOUT, rpcapPath: [], ruleFields: { ...LAYOUT.ruleFields, port: "" } },
    });
    assert.deepEqual(
      problems.map((p) => p.property),
      [
        "apiUrl",
        "apiKey",
        "tls.caCertificate",
        "tls.insecure",
        "tls.serverName",
        "forwardingRules[0].port",
        "forwardingRules[0].interfaceAddress",
        "forwardingRules[2]",
        "remoteDiscoveryCidrs[0]",
        "remoteDiscoveryCidrs[2]",
        "runningConfigLayout.rpcapPath",
        "runningConfigLayout.ruleFields.port",
      ],
    );
    const reason = (property: string) => problems.find((p) => p.property === property)?.reason;
    assert.match(
      reason("forwardingRules[0].interfaceAddress") ?? "",
      /pod CIDR "10\.0\.0\.1\/16" is not an IPv4 CIDR/,
    );
    assert.match(reason("tls.insecure") ?? "", /cannot be combined with tls\.caCertificate/);
    assert.doesNotMatch(JSON.stringify(problems), /two words/, "the key is never echoed");
  });

  it("leaves values a preview does not know yet to the check at pulumi up", () => {
    const unknown = UNKNOWN_VALUE;
    assert.deepEqual(
      checkSensorInputs({
        ...valid,
        apiUrl: unknown,
        apiKey: unknown,
        tls: { caCertificate: unknown },
        forwardingRules: unknown,
        remoteDiscoveryCidrs: unknown,
      }),
      [],
    );
  });

  it("needs at least one pod CIDR", () => {
    assert.deepEqual(properties({ ...valid, forwardingRules: [] }), ["forwardingRules"]);
  });

  it("rejects URLs that are not the sensor's HTTPS base", () => {
    for (const apiUrl of ["sensor.example.com", "https://sensor/admin", "https://sensor/?x=1", 42]) {
      assert.deepEqual(properties({ ...valid, apiUrl }), ["apiUrl"], String(apiUrl));
    }
  });

  it("its CIDR rule is the contract's isIpv4Cidr (property)", () => {
    const octet = fc.oneof(
      fc.nat({ max: 300 }).map(String),
      fc.constantFrom("00", "01", "010", "", "1a", " 1"),
    );
    const prefix = fc.oneof(fc.nat({ max: 40 }).map(String), fc.constantFrom("08", "", "-1", "033"));
    const candidate = fc.oneof(
      fc.tuple(octet, octet, octet, octet, prefix).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
      fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 32 })).map(([n, p]) => `${intToIp(n)}/${p}`),
      fc.string(),
    );
    fc.assert(
      fc.property(candidate, (value) => isCanonicalIpv4Cidr(value) === isIpv4Cidr(value)),
      {
        numRuns: 5000,
      },
    );
  });
});
