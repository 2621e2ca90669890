/**
 * `sensorConfiguration()` under the Pulumi mocks (harness/pulumi/mocks.ts): the dynamic resource registers with
 * its type token, the desired rules and discovery CIDRs derived from the pod CIDRs and port (the inputs a preview
 * diffs), the API key as a secret, and the serialized provider.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_RUNNING_CONFIG_LAYOUT } from "../../components/sensor/runningConfigLayout";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";

const TYPE = "pulumi-nodejs:dynamic/pod-packet-forwarding:SensorConfiguration";
/** The engine's wire form of a secret: `{ [SECRET_SIG]: SECRET_VALUE, value }` (@pulumi/pulumi runtime/rpc). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

describe("sensor: SensorConfiguration registered under the Pulumi mocks", function () {
  this.timeout(60000);
  let recorder: MockRecorder;

  beforeEach(async () => {
    recorder = await installPulumiMocks(sampleWorld());
  });

  /** Registers one resource (the module is imported after the mocks, as a program would be). */
  async function register(args: Record<string, unknown>) {
    const { sensorConfiguration } = await import("../../components/sensor/sensorConfiguration");
    const resource = sensorConfiguration("sensor", {
      apiUrl: "https://sensor.example.com",
      apiKey: "k3y",
      podCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
      sensorPort: 2003,
      ...args,
    });
    await settle();
    const recorded = recorder.resources.filter((r) => r.type === TYPE);
    assert.equal(recorded.length, 1);
    return { resource, inputs: recorded[0]!.inputs };
  }

  it("registers the desired rules, discovery CIDRs, defaults and the serialized provider", async () => {
    const { inputs } = await register({
      sensorPort: pulumi.output(2004),
      addToRemoteDiscovery: true,
      tls: { caCertificate: "-----BEGIN CERTIFICATE-----\n...", serverName: "sensor.example.com" },
    });
    const { __provider: provider, ...rest } = inputs;
    assert.deepEqual(rest, {
      apiUrl: "https://sensor.example.com",
      apiKey: "k3y",
      tls: { caCertificate: "-----BEGIN CERTIFICATE-----\n...", serverName: "sensor.example.com" },
      rpcapEnabled: true,
      forwardingRules: [
        { port: 2004, interfaceAddress: "10.0.0.0/16" },
        { port: 2004, interfaceAddress: "100.64.0.0/16" },
      ],
      remoteDiscoveryCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
      runningConfigLayout: DEFAULT_RUNNING_CONFIG_LAYOUT,
    });
    assert.match(String(provider), /^exports\.handler = /);
  });

  it("keeps discovery empty unless asked, and merges a partial layout override", async () => {
    const { inputs } = await register({
      runningConfigLayout: { ruleFields: { interfaceAddress: "ipaddr" } },
    });
    assert.deepEqual(inputs.remoteDiscoveryCidrs, []);
    assert.deepEqual(inputs.tls, {});
    assert.deepEqual(inputs.runningConfigLayout, {
      ...DEFAULT_RUNNING_CONFIG_LAYOUT,
      ruleFields: { ...DEFAULT_RUNNING_CONFIG_LAYOUT.ruleFields, interfaceAddress: "ipaddr" },
    });
  });

  it("sends the API key to the engine as a secret", async () => {
    // The shared recorder unwraps secrets for readability; these mocks keep the wire form to see the marker.
    const raw: pulumi.runtime.MockResourceArgs[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          raw.push(args);
          return { id: args.name, state: args.inputs };
        },
        call: () => ({}),
      },
      "pod-packet-forwarding",
      "test",
      false,
    );
    const { sensorConfiguration } = await import("../../components/sensor/sensorConfiguration");
    sensorConfiguration("sensor", {
      apiUrl: "https://sensor.example.com",
      apiKey: "k3y",
      podCidrs: ["10.0.0.0/16"],
      sensorPort: 2003,
    });
    await settle();
    const registered = raw.find((r) => r.type === TYPE);
    assert.deepEqual(registered?.inputs.apiKey, { [SECRET_SIG]: SECRET_VALUE, value: "k3y" });
  });

  it("warns when certificate verification is off", async () => {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => {
      warnings.push(message);
    };
    try {
      await register({ tls: { insecure: true } });
    } finally {
      pulumi.log.warn = original;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^sensor TLS verification is off \(tls\.insecure\)/);
  });
});
