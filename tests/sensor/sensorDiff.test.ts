/**
 * The diff the provider answers a preview with: nothing for identical inputs, the changed properties (whose
 * input diff the engine displays) and their effect on the sensor, replacement only for another sensor.
 */
import { strict as assert } from "node:assert";
import { diffSensorConfiguration } from "../../components/sensor/sensorDiff";
import { diffSensor } from "../../components/sensor/sensorOperations";
import { resolveLayout } from "../../components/sensor/runningConfigLayout";
import {
  UNKNOWN_VALUE,
  type SensorConfigurationInputs,
  type SensorConfigurationState,
} from "../../components/sensor/sensorState";

const inputs: SensorConfigurationInputs = {
  apiUrl: "https://sensor.example.com",
  apiKey: "k1",
  tls: {},
  rpcapEnabled: true,
  forwardingRules: [
    { port: 2003, interfaceAddress: "10.0.0.0/16" },
    { port: 2003, interfaceAddress: "100.64.0.0/16" },
  ],
  remoteDiscoveryCidrs: [],
  runningConfigLayout: resolveLayout(),
};

/** State after a create that added one of the two rules (the other already existed on the sensor). */
const state: SensorConfigurationState = {
  ...inputs,
  added: { rpcapEnabled: true, forwardingRules: [inputs.forwardingRules[0]!], remoteDiscoveryCidrs: [] },
  changes: [],
};

describe("sensor: diff", () => {
  it("reports no change for the same inputs, in any order", async () => {
    const reordered = { ...inputs, forwardingRules: [...inputs.forwardingRules].reverse() };
    assert.deepEqual(diffSensorConfiguration(state, reordered), { replaces: [], changed: [], effects: [] });
    assert.deepEqual(await diffSensor(state, reordered), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  it("names the rules it adds and removes, and keeps a rule it never added", async () => {
    const next = { ...inputs, forwardingRules: [{ port: 2003, interfaceAddress: "100.65.0.0/16" }] };
    assert.deepEqual(diffSensorConfiguration(state, next), {
      replaces: [],
      changed: ["forwardingRules"],
      effects: [
        "add packet-forwarding rule 100.65.0.0/16 on port 2003",
        "remove packet-forwarding rule 10.0.0.0/16 on port 2003",
        "stop managing packet-forwarding rule 100.64.0.0/16 on port 2003 (not ours: kept)",
      ],
    });
    assert.equal((await diffSensor(state, next)).changes, true);
  });

  it("reports discovery changes", () => {
    const next = { ...inputs, remoteDiscoveryCidrs: ["10.0.0.0/16"] };
    assert.deepEqual(diffSensorConfiguration(state, next), {
      replaces: [],
      changed: ["remoteDiscoveryCidrs"],
      effects: ["add 10.0.0.0/16 to Remote L3 Device Discovery"],
    });
  });

  it("updates in place for a rotated key, new TLS settings or a /api/v1 suffix", () => {
    const next = {
      ...inputs,
      apiUrl: "https://sensor.example.com/api/v1",
      apiKey: "k2",
      tls: { caCertificate: "-----BEGIN CERTIFICATE-----" },
    };
    assert.deepEqual(diffSensorConfiguration(state, next), {
      replaces: [],
      changed: ["apiUrl", "apiKey", "tls"],
      effects: [],
    });
  });

  it("replaces (deleting first) for another sensor", async () => {
    const next = { ...inputs, apiUrl: "https://sensor-2.example.com" };
    assert.deepEqual(diffSensorConfiguration(state, next).replaces, ["apiUrl"]);
    assert.deepEqual(await diffSensor(state, next), {
      changes: true,
      replaces: ["apiUrl"],
      deleteBeforeReplace: true,
    });
  });

  it("a preview with computed values still unknown: a change, never a guessed replacement", async () => {
    const unknown = {
      ...inputs,
      apiUrl: UNKNOWN_VALUE,
      forwardingRules: UNKNOWN_VALUE,
    } as unknown as typeof inputs;
    assert.deepEqual(diffSensorConfiguration(state, unknown), {
      replaces: [],
      changed: ["apiUrl", "forwardingRules"],
      effects: [],
    });
    assert.deepEqual(await diffSensor(state, unknown), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  it("sees RPCAP switched off by hand (after a refresh) and a changed layout", () => {
    const refreshed = { ...state, rpcapEnabled: false };
    const relaid = { ...inputs, runningConfigLayout: resolveLayout({ rpcapEnabledKey: "on" }) };
    assert.deepEqual(diffSensorConfiguration(refreshed, relaid), {
      replaces: [],
      changed: ["rpcapEnabled", "runningConfigLayout"],
      effects: ["enable RPCAP"],
    });
  });
});
