/**
 * Ownership rules of the plan, on plain data and as properties over random sensors: applying then removing
 * leaves every entry we did not add exactly as it was; applying twice changes nothing the second time.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { readSensorSettings, writeSensorSettings } from "../../components/sensor/runningConfigLayout";
import { planSensorChanges, planSensorRemoval, type SensorDesired } from "../../components/sensor/sensorPlan";
import { NOTHING_ADDED, type SensorAdditions } from "../../components/sensor/sensorState";
import { LAYOUT } from "./helpers";

const cidrs = ["10.0.0.0/16", "10.1.0.0/16", "100.64.0.0/16", "192.168.0.0/24"];
const arbRule = fc.record({
  port: fc.constantFrom(2003, 2004),
  ifaddr: fc.constantFrom(...cidrs),
  ifname: fc.constantFrom("", "eth0"),
  filter: fc.constantFrom("", "tcp"),
});
/** Running configs arrive as JSON: plain objects only (fast-check also makes null-prototype ones). */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** A sensor's running config: rules (some of them unreadable), ranges, RPCAP on or off, unrelated sections. */
const arbConfig = fc
  .record({
    enabled: fc.boolean(),
    rules: fc.array(
      fc.oneof({ weight: 5, arbitrary: arbRule }, { weight: 1, arbitrary: fc.constant("junk") }),
      {
        maxLength: 5,
      },
    ),
    ranges: fc.uniqueArray(fc.constantFrom(...cidrs), { maxLength: 3 }),
  })
  .map(({ enabled, rules, ranges }) =>
    asJson({
      capture: { rpcap: { enabled, rules }, remote_l3_discovery: { ranges }, other: 1 },
      dns: { servers: ["10.0.0.2"] },
    }),
  );
const arbDesired: fc.Arbitrary<SensorDesired> = fc.record({
  rpcapEnabled: fc.constant(true),
  forwardingRules: fc
    .tuple(
      fc.constantFrom(2003, 2004),
      fc.uniqueArray(fc.constantFrom(...cidrs), { minLength: 1, maxLength: 3 }),
    )
    .map(([port, list]) => list.map((interfaceAddress) => ({ port, interfaceAddress }))),
  remoteDiscoveryCidrs: fc.uniqueArray(fc.constantFrom(...cidrs), { maxLength: 3 }),
});

/** Applies a plan to a document the way the operations do. */
function apply(doc: Record<string, unknown>, desired: SensorDesired, added: SensorAdditions) {
  const plan = planSensorChanges(readSensorSettings(doc, LAYOUT), desired, added, LAYOUT);
  return { doc: writeSensorSettings(doc, plan.settings, LAYOUT), plan };
}

function remove(doc: Record<string, unknown>, added: SensorAdditions) {
  return writeSensorSettings(
    doc,
    planSensorRemoval(readSensorSettings(doc, LAYOUT), added, LAYOUT).settings,
    LAYOUT,
  );
}

describe("sensor: plan", () => {
  it("apply then remove restores the config, except RPCAP left on for others' rules (property)", () => {
    fc.assert(
      fc.property(arbConfig, arbDesired, (original, desired) => {
        const { doc, plan } = apply(original, desired, NOTHING_ADDED);
        const restored = remove(doc, plan.added) as typeof original;
        const expected = structuredClone(original);
        const othersRemain = original.capture.rpcap.rules.length > 0;
        // RPCAP we enabled stays on only while a rule that is not ours still needs it.
        expected.capture.rpcap.enabled = original.capture.rpcap.enabled || othersRemain;
        assert.deepEqual(restored, expected);
      }),
    );
  });

  it("a second apply of the same desired state changes nothing (property)", () => {
    fc.assert(
      fc.property(arbConfig, arbDesired, (original, desired) => {
        const first = apply(original, desired, NOTHING_ADDED);
        const second = apply(first.doc, desired, first.plan.added);
        assert.deepEqual(second.plan.changes, []);
        assert.deepEqual(second.doc, first.doc);
        assert.deepEqual(second.plan.added, first.plan.added);
      }),
    );
  });

  it("moving to another desired state keeps others' entries as they were and drops ours no longer wanted (property)", () => {
    fc.assert(
      fc.property(arbConfig, arbDesired, arbDesired, (original, before, after) => {
        const first = apply(original, before, NOTHING_ADDED);
        const second = apply(first.doc, after, first.plan.added);
        const final = readSensorSettings(second.doc, LAYOUT);
        const key = (r: unknown) => JSON.stringify(r);
        for (const rule of original.capture.rpcap.rules) {
          assert.ok(
            final.rules.some((f) => key(f) === key(rule)),
            `lost ${key(rule)}`,
          );
        }
        for (const range of original.capture.remote_l3_discovery.ranges) {
          assert.ok(final.remoteDiscoveryRanges.includes(range), `lost range ${range}`);
        }
        const has = (port: number, address: string) =>
          final.rules.some((f) => key(f) === key({ port, ifaddr: address, ifname: "", filter: "" }));
        for (const want of after.forwardingRules) {
          const wantedElsewhere = original.capture.rpcap.rules.some(
            (r) => typeof r === "object" && r.port === want.port && r.ifaddr === want.interfaceAddress,
          );
          assert.ok(
            wantedElsewhere || has(want.port, want.interfaceAddress),
            `missing ${want.interfaceAddress}`,
          );
        }
        for (const old of first.plan.added.forwardingRules) {
          const stillWanted = after.forwardingRules.some(
            (w) => w.port === old.port && w.interfaceAddress === old.interfaceAddress,
          );
          assert.equal(
            has(old.port, old.interfaceAddress),
            stillWanted,
            `ours ${old.interfaceAddress}:${old.port}`,
          );
        }
      }),
    );
  });

  it("never removes an entry it did not add, even when asked to stop managing it", () => {
    const doc = {
      capture: {
        rpcap: { enabled: true, rules: [{ port: 2003, ifaddr: "10.0.0.0/16", ifname: "", filter: "" }] },
        remote_l3_discovery: { ranges: ["10.0.0.0/16"] },
      },
    };
    const desired = {
      rpcapEnabled: true,
      forwardingRules: [{ port: 2003, interfaceAddress: "10.0.0.0/16" }],
      remoteDiscoveryCidrs: ["10.0.0.0/16"],
    };
    const first = apply(doc, desired, NOTHING_ADDED);
    assert.deepEqual(first.plan.changes, []);
    assert.deepEqual(first.plan.added, NOTHING_ADDED);
    const none = apply(
      first.doc,
      { rpcapEnabled: true, forwardingRules: [], remoteDiscoveryCidrs: [] },
      first.plan.added,
    );
    assert.deepEqual(none.doc, doc);
  });
});
