/**
 * The sensor resource's lifecycle against the fake ExtraHop API: create, update and delete change exactly our
 * rules and discovery CIDRs, a second apply writes nothing, a refresh reports drift, and failures name the input
 * to fix with the sensor's answer.
 */
import { strict as assert } from "node:assert";
import {
  createSensorConfiguration,
  deleteSensorConfiguration,
  readSensorConfiguration,
  updateSensorConfiguration,
} from "../../components/sensor/sensorOperations";
import { diffSensorConfiguration } from "../../components/sensor/sensorDiff";
import type { SensorConfigurationState } from "../../components/sensor/sensorState";
import { startFakeExtraHop, type FakeExtraHop } from "../../harness/extrahop/fakeExtraHop";
import {
  OTHERS_DISCOVERY_RANGE,
  OTHERS_RULE,
  sampleRunningConfig,
} from "../../harness/extrahop/sampleRunningConfig";
import { testCertificates } from "../../harness/extrahop/testCertificates";
import { inputsFor, POD_RULES, rangesOf, rejection, rpcapOf } from "./helpers";

const ourRule = (port: number, ifaddr: string) => ({ port, ifaddr, ifname: "", filter: "" });

describe("sensor: lifecycle against the fake ExtraHop API", function () {
  this.timeout(20000);
  let fake: FakeExtraHop;

  afterEach(async () => {
    await fake?.stop();
  });

  async function created(config = sampleRunningConfig(), overrides = {}) {
    fake = await startFakeExtraHop({ runningConfig: config });
    const { id, outs } = await createSensorConfiguration(inputsFor(fake, overrides));
    assert.ok(outs);
    return { id, state: outs as SensorConfigurationState };
  }

  it("create enables RPCAP, appends one rule per pod CIDR, saves, and leaves everything else untouched", async () => {
    const original = sampleRunningConfig();
    const { id, state } = await created(original);

    const running = fake.running();
    assert.deepEqual(rpcapOf(running), {
      enabled: true,
      rules: [OTHERS_RULE, ourRule(2003, "10.0.0.0/16"), ourRule(2003, "100.64.0.0/16")],
    });
    const untouched = (doc: Record<string, unknown>) => {
      const copy = structuredClone(doc) as { capture: Record<string, unknown> };
      delete copy.capture.rpcap;
      return copy;
    };
    assert.deepEqual(untouched(running), untouched(original));
    assert.deepEqual(fake.saved(), running, "the running config is saved");
    assert.equal(id, fake.url);
    assert.deepEqual(state.added, {
      rpcapEnabled: true,
      forwardingRules: POD_RULES,
      remoteDiscoveryCidrs: [],
    });
    assert.deepEqual(state.changes, [
      "enable RPCAP",
      "add packet-forwarding rule 10.0.0.0/16 on port 2003",
      "add packet-forwarding rule 100.64.0.0/16 on port 2003",
    ]);
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        "GET /api/v1/runningconfig 200",
        "PUT /api/v1/runningconfig 204",
        "GET /api/v1/runningconfig 200",
        "POST /api/v1/runningconfig/save 204",
      ],
    );
  });

  it("a second apply with the same inputs writes nothing", async () => {
    const { id, state } = await created();
    const writes = fake.writes();
    const { outs } = await updateSensorConfiguration(id, state, inputsFor(fake));
    assert.equal(fake.writes(), writes);
    assert.deepEqual(outs?.changes, []);
    assert.deepEqual(outs?.added, state.added);
  });

  it("update adds the new CIDR, removes the dropped one we added, and keeps others' rules", async () => {
    const { id, state } = await created();
    const next = [POD_RULES[0]!, { port: 2003, interfaceAddress: "100.65.0.0/16" }];
    const { outs } = await updateSensorConfiguration(id, state, inputsFor(fake, { forwardingRules: next }));
    assert.deepEqual(rpcapOf(fake.running()).rules, [
      OTHERS_RULE,
      ourRule(2003, "10.0.0.0/16"),
      ourRule(2003, "100.65.0.0/16"),
    ]);
    assert.deepEqual(outs?.added.forwardingRules, next);
    assert.deepEqual(outs?.changes, [
      "remove packet-forwarding rule 100.64.0.0/16 on port 2003",
      "add packet-forwarding rule 100.65.0.0/16 on port 2003",
    ]);
    assert.deepEqual(fake.saved(), fake.running());
  });

  it("a new sensor port moves our rules in place (same position in the sensor's list)", async () => {
    const { id, state } = await created();
    const moved = POD_RULES.map((r) => ({ ...r, port: 2004 }));
    const { outs } = await updateSensorConfiguration(id, state, inputsFor(fake, { forwardingRules: moved }));
    assert.deepEqual(rpcapOf(fake.running()).rules, [
      OTHERS_RULE,
      ourRule(2004, "10.0.0.0/16"),
      ourRule(2004, "100.64.0.0/16"),
    ]);
    assert.deepEqual(outs?.added.forwardingRules, moved);
  });

  it("delete removes only what we added; RPCAP stays on while another rule needs it", async () => {
    const { id, state } = await created();
    await deleteSensorConfiguration(id, state);
    assert.deepEqual(rpcapOf(fake.running()), { enabled: true, rules: [OTHERS_RULE] });
    assert.deepEqual(fake.saved(), fake.running());
  });

  it("delete restores the sensor exactly when we enabled RPCAP and no other rule exists", async () => {
    const original = sampleRunningConfig({ othersRule: false });
    const { id, state } = await created(original, { remoteDiscoveryCidrs: ["10.0.0.0/16", "100.64.0.0/16"] });
    assert.deepEqual(rangesOf(fake.running()), [OTHERS_DISCOVERY_RANGE, "10.0.0.0/16", "100.64.0.0/16"]);
    await deleteSensorConfiguration(id, state);
    assert.deepEqual(fake.running(), original);
    assert.deepEqual(fake.saved(), original);
  });

  it("a rule that already existed is used, not owned, and survives delete", async () => {
    const preexisting = sampleRunningConfig({ rpcapEnabled: true });
    rpcapOf(preexisting).rules.push({ port: 2003, ifaddr: "10.0.0.0/16", ifname: "", filter: "not port 22" });
    const { id, state } = await created(preexisting);
    assert.deepEqual(state.added.forwardingRules, [POD_RULES[1]]);
    assert.equal(state.added.rpcapEnabled, false);
    await deleteSensorConfiguration(id, state);
    assert.deepEqual(fake.running(), preexisting);
  });

  it("refresh reports a rule removed by hand; the next update puts it back", async () => {
    const { id, state } = await created();
    const edited = fake.running();
    rpcapOf(edited).rules = rpcapOf(edited).rules.filter((r) => r.ifaddr !== "100.64.0.0/16");
    fake.setRunning(edited);

    const refreshed = await readSensorConfiguration(id, state);
    assert.deepEqual(refreshed.inputs.forwardingRules, [POD_RULES[0]]);
    assert.deepEqual(refreshed.props.added.forwardingRules, [POD_RULES[0]]);

    const diff = diffSensorConfiguration(refreshed.props, inputsFor(fake));
    assert.deepEqual(diff.changed, ["forwardingRules"]);
    assert.deepEqual(diff.effects, ["add packet-forwarding rule 100.64.0.0/16 on port 2003"]);

    const { outs } = await updateSensorConfiguration(id, refreshed.props, inputsFor(fake));
    assert.deepEqual(outs?.changes, ["add packet-forwarding rule 100.64.0.0/16 on port 2003"]);
    assert.deepEqual(outs?.added.forwardingRules, POD_RULES);
  });

  it("waits for the sensor's replace job to show the change before saving", async () => {
    fake = await startFakeExtraHop({ runningConfig: sampleRunningConfig(), staleReadsAfterPut: 2 });
    await createSensorConfiguration(inputsFor(fake));
    assert.equal(rpcapOf(fake.saved()).rules.length, 3, "the saved config holds our rules");
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path}`),
      [
        "GET /api/v1/runningconfig",
        "PUT /api/v1/runningconfig",
        "GET /api/v1/runningconfig",
        "GET /api/v1/runningconfig",
        "GET /api/v1/runningconfig",
        "POST /api/v1/runningconfig/save",
      ],
    );
  });

  it("settings in force but never saved are saved on the next apply", async () => {
    const configured = sampleRunningConfig({ rpcapEnabled: true });
    rpcapOf(configured).rules.push(ourRule(2003, "10.0.0.0/16"), ourRule(2003, "100.64.0.0/16"));
    fake = await startFakeExtraHop({ runningConfig: configured, savedConfig: sampleRunningConfig() });
    const { outs } = await createSensorConfiguration(inputsFor(fake));
    assert.deepEqual(outs?.changes, ["save the running config (the settings were in force but not saved)"]);
    assert.deepEqual(fake.saved(), configured);
    assert.equal(fake.requests.filter((r) => r.method === "PUT").length, 0);
  });

  describe("failures name the input to fix and quote the sensor", () => {
    beforeEach(async () => {
      fake = await startFakeExtraHop({
        runningConfig: sampleRunningConfig(),
        apiKeys: { "test-key": "full", "viewer-key": "read-only" },
      });
    });

    it("an unknown API key", async () => {
      const error = await rejection(createSensorConfiguration(inputsFor(fake, { apiKey: "wrong-key" })));
      assert.match(
        error.message,
        /^apiKey: the sensor at https:\/\/127\.0\.0\.1:\d+\/api\/v1\/runningconfig did not accept/,
      );
      assert.match(error.message, /401 Unauthorized: Invalid API key/);
      assert.doesNotMatch(error.message, /wrong-key/, "the key is never echoed");
    });

    it("a key whose user may not change the running config", async () => {
      const error = await rejection(createSensorConfiguration(inputsFor(fake, { apiKey: "viewer-key" })));
      assert.match(error.message, /^apiKey: the key's user may not replace the running config/);
      assert.match(error.message, /403 Forbidden: The user does not have the privileges/);
      assert.deepEqual(fake.running(), sampleRunningConfig(), "nothing changed");
    });

    it("a URL that is not the sensor's API", async () => {
      const error = await rejection(
        createSensorConfiguration(inputsFor(fake, { apiUrl: `${fake.url}/extrahop` })),
      );
      assert.match(
        error.message,
        /^apiUrl: https:\/\/127\.0\.0\.1:\d+\/extrahop\/api\/v1\/runningconfig does not exist/,
      );
      assert.match(error.message, /404 Not Found: No such resource/);
    });

    it("a sensor certificate the system CAs do not trust", async () => {
      const error = await rejection(createSensorConfiguration(inputsFor(fake, { tls: {} })));
      assert.match(error.message, /^tls: could not verify the certificate of https:\/\/127\.0\.0\.1:\d+/);
      assert.match(error.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
      assert.match(error.message, /tls\.caCertificate/);
    });

    it("a CA that did not sign the sensor's certificate", async () => {
      const tls = { caCertificate: testCertificates().unrelatedCaCertificate };
      const error = await rejection(createSensorConfiguration(inputsFor(fake, { tls })));
      assert.match(error.message, /^tls: could not verify/);
    });

    it("a certificate issued to another name; serverName fixes it", async () => {
      const { caCertificate, serverName } = testCertificates();
      const wrong = await rejection(
        createSensorConfiguration(inputsFor(fake, { tls: { caCertificate, serverName: "other.test" } })),
      );
      assert.match(wrong.message, /^tls: .*ERR_TLS_CERT_ALTNAME_INVALID/);
      const { outs } = await createSensorConfiguration(
        inputsFor(fake, { tls: { caCertificate, serverName } }),
      );
      assert.equal(outs?.added.forwardingRules.length, 2);
    });

    it("insecure skips verification", async () => {
      const { outs } = await createSensorConfiguration(inputsFor(fake, { tls: { insecure: true } }));
      assert.equal(outs?.added.forwardingRules.length, 2);
    });

    it("nothing listening at apiUrl", async () => {
      const url = fake.url;
      await fake.stop();
      const error = await rejection(createSensorConfiguration(inputsFor(fake, { apiUrl: url })));
      assert.match(
        error.message,
        /^apiUrl: cannot reach https:\/\/127\.0\.0\.1:\d+\/api\/v1\/runningconfig to read the running config \(ECONNREFUSED/,
      );
    });
  });

  describe("a running config laid out differently from the assumed layout", () => {
    it("a sensor that drops our keys: error naming runningConfigLayout, nothing saved", async () => {
      fake = await startFakeExtraHop({
        runningConfig: sampleRunningConfig(),
        acceptPut: (doc) => {
          const kept = structuredClone(doc) as { capture: Record<string, unknown> };
          kept.capture.rpcap = (sampleRunningConfig().capture as Record<string, unknown>).rpcap;
          return kept;
        },
      });
      const error = await rejection(
        createSensorConfiguration(inputsFor(fake), { readBackDelaysMs: [0, 0, 0] }),
      );
      assert.match(
        error.message,
        /^runningConfigLayout: the sensor accepted the new running config but did not keep/,
      );
      assert.match(error.message, /read back 3 times .* was not saved/);
      assert.deepEqual(fake.saved(), sampleRunningConfig());
    });

    it("no section where the layout expects one: refused before writing", async () => {
      fake = await startFakeExtraHop({ runningConfig: { dns: { servers: [] } } });
      const error = await rejection(createSensorConfiguration(inputsFor(fake)));
      assert.match(
        error.message,
        /^runningConfigLayout: the sensor's running config has no "capture" section/,
      );
      assert.match(error.message, /Sections present: dns/);
      assert.equal(fake.writes(), 0);
    });
  });
});
