/**
 * The embedding API with a fake stack: validation before anything touches Pulumi, the config it writes, the
 * progress it streams, the typed results, and how failures are reported.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CommandError, type EngineEvent } from "@pulumi/pulumi/automation";
import { createEmbeddingApi, StackOperationError } from "../../adapters/automation/api";
import { BackendError } from "../../adapters/automation/backend";
import type { PodPacketForwardingConfig } from "../../adapters/automation/typedConfig";
import { ConfigError } from "../../adapters/stack/stackConfig";
import { OutputsError } from "../../adapters/automation/outputs";
import type { ProgressEvent } from "../../adapters/automation/progress";
import { PulumiCliError } from "../../adapters/automation/pulumiCli";
import * as pulumi from "@pulumi/pulumi";
import { argsSchema } from "../../components/validation";
import { installPulumiMocks } from "../../harness/pulumi/mocks";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { engineOutputs, fakeDependencies, standInPackage } from "./helpers";

/** A CommandError as the SDK builds it (its constructor is private in the typings). */
function commandError(message: string): CommandError {
  const Ctor = CommandError as unknown as new (result: { toString(): string }) => CommandError;
  return new Ctor({ toString: () => message });
}

const PASS = { PULUMI_CONFIG_PASSPHRASE: "correct horse" };
/** The stack config keys, in the component's order. */
const CONFIG_KEYS = Object.keys(argsSchema.shape).map((k) => (k === "cluster" ? "clusterName" : k));

describe("automation: embedding API", () => {
  let tmp: string;
  let pkg: string;
  let valid: PodPacketForwardingConfig;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-api-"));
    pkg = standInPackage(tmp);
    valid = {
      clusterName: "demo",
      sensorIps: ["10.0.200.10", "10.0.200.11"],
      rpcapdPackage: pkg,
      tags: { team: "secops" },
    };
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => pulumi.runtime.setAllConfig({}));

  describe("validates before touching Pulumi", () => {
    async function rejectsBeforePulumi(
      config: unknown,
      expected: string[],
      extra: Record<string, unknown> = {},
    ): Promise<void> {
      const { deps, log } = fakeDependencies();
      const api = createEmbeddingApi(deps);
      await assert.rejects(
        api.preview({
          stack: "dev",
          region: "us-east-1",
          env: PASS,
          config: config as PodPacketForwardingConfig,
          ...extra,
        }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.deepEqual(err.problems, expected);
          return true;
        },
      );
      assert.equal(log.cliLookups, 0, "the CLI was looked up");
      assert.equal(log.opened.length, 0, "a stack was opened");
    }

    it("reports every schema problem with its key", async () => {
      await rejectsBeforePulumi(
        {
          clusterName: "demo",
          sensorIps: ["10.0.200.10", "10.0.200.300"],
          sensorPort: 70000,
          rpcapdPackage: pkg,
          sensorPrt: 1,
        },
        [
          'sensorIps[1]: "10.0.200.300" is not an IPv4 address (expected a dotted quad such as 10.0.12.7)',
          "sensorPort: 70000 must be between 1 and 65535",
          `unknown key(s) sensorPrt (allowed: ${CONFIG_KEYS.join(", ")})`,
        ],
      );
    });

    it("checks the vendor package exists, relative to projectDir", async () => {
      await rejectsBeforePulumi(
        { ...valid, rpcapdPackage: "missing/rpcapd.deb" },
        [
          `rpcapdPackage: "missing/rpcapd.deb" does not exist (resolved to ${path.join(tmp, "missing/rpcapd.deb")}); download the ExtraHop rpcapd .deb or Linux .tar.gz and point rpcapdPackage at it`,
        ],
        { projectDir: tmp },
      );
    });

    it("requires a region when the cluster is looked up or the image is pushed", async () => {
      const { deps, log } = fakeDependencies();
      await assert.rejects(
        createEmbeddingApi(deps).up({ stack: "dev", env: PASS, config: valid }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.deepEqual(err.problems, [
            "aws:region: is required (pass region, or set AWS_REGION) to look up the cluster and to push the agent image",
          ]);
          return true;
        },
      );
      assert.equal(log.cliLookups, 0);
    });

    it("rejects a malformed stack name", async () => {
      await rejectsBeforePulumi(
        valid,
        ['stack: "prod; rm -rf /" is not a stack name (letters, digits, - _ . and /)'],
        { stack: "prod; rm -rf /" },
      );
    });

    it("refuses a passphrase backend without PULUMI_CONFIG_PASSPHRASE, before looking for the CLI", async () => {
      const { deps, log } = fakeDependencies();
      await assert.rejects(
        createEmbeddingApi(deps).preview({
          stack: "dev",
          region: "us-east-1",
          env: {},
          home: tmp,
          config: valid,
        }),
        (err: unknown) => {
          assert.ok(err instanceof BackendError);
          assert.match(
            err.message,
            new RegExp(
              `^The state backend file://${tmp}/state encrypts secrets \\(the kubeconfig\\) with a passphrase: set PULUMI_CONFIG_PASSPHRASE`,
            ),
          );
          return true;
        },
      );
      assert.equal(log.cliLookups, 0);
    });
  });

  it("writes the config in the project namespace (kubeconfig as a secret), removes dropped keys, then previews", async () => {
    const { deps, log } = fakeDependencies({
      initialConfig: {
        "pod-packet-forwarding:mirrorTarget": {
          value: '{"networkInterfaceId":"eni-0123456789abcdef0"}',
          secret: false,
        },
        "pod-packet-forwarding:sensorIps": { value: '["10.9.9.9"]', secret: false },
        "aws:profile": { value: "ops", secret: false },
      },
      changes: { create: 14, same: 2 },
    });
    const result = await createEmbeddingApi(deps).preview({
      stack: "dev",
      region: "eu-west-1",
      env: PASS,
      home: tmp,
      config: { ...valid, sensorPort: 2003, mirrorAmazonDns: false, kubeconfig: "apiVersion: v1\n" },
    });
    assert.deepEqual(log.calls, [
      "getAllConfig",
      "removeAllConfig:pod-packet-forwarding:mirrorTarget",
      "setAllConfig",
      "preview",
    ]);
    assert.deepEqual(log.config, {
      "aws:profile": { value: "ops", secret: false },
      "aws:region": { value: "eu-west-1", secret: false },
      "pod-packet-forwarding:clusterName": { value: "demo", secret: false },
      "pod-packet-forwarding:sensorIps": { value: '["10.0.200.10","10.0.200.11"]', secret: false },
      "pod-packet-forwarding:rpcapdPackage": { value: pkg, secret: false },
      "pod-packet-forwarding:tags": { value: '{"team":"secops"}', secret: false },
      "pod-packet-forwarding:sensorPort": { value: "2003", secret: false },
      "pod-packet-forwarding:mirrorAmazonDns": { value: "false", secret: false },
      "pod-packet-forwarding:kubeconfig": { value: "apiVersion: v1\n", secret: true },
    });
    assert.deepEqual(result, {
      stack: "dev",
      changes: {
        create: 14,
        update: 0,
        replace: 0,
        delete: 0,
        same: 2,
        changed: 14,
        raw: { create: 14, same: 2 },
      },
    });
    const opened = log.opened[0];
    assert.equal(opened.stack, "dev");
    assert.equal(opened.create, true);
    assert.equal(opened.backend.url, `file://${tmp}/state`);
    assert.equal(opened.backend.envVars.PULUMI_CONFIG_PASSPHRASE, "correct horse");
  });

  it("streams engine events as typed progress, resource by resource", async () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::pod-packet-forwarding::${type}::${name}`;
    const meta = (op: string, type: string, name: string) => ({
      op,
      urn: urn(type, name),
      type,
      provider: "",
      diffs: op === "update" ? ["tags"] : undefined,
    });
    const events = [
      { sequence: 1, timestamp: 0, preludeEvent: { config: {} } },
      {
        sequence: 2,
        timestamp: 0,
        resourcePreEvent: { metadata: meta("create", "pulumi:pulumi:Stack", "pod-packet-forwarding-dev") },
      },
      {
        sequence: 3,
        timestamp: 0,
        resourcePreEvent: { metadata: meta("create", "aws:ecr/repository:Repository", "ppf-agent-repo") },
      },
      {
        sequence: 4,
        timestamp: 0,
        diagnosticEvent: {
          message: "\u001b[33mnot mirrored: i-1 (t2.medium)\u001b[0m\n",
          color: "raw",
          severity: "warning",
          urn: urn("x:y:Z", "ppf"),
        },
      },
      {
        sequence: 5,
        timestamp: 0,
        diagnosticEvent: { message: "progress...", color: "raw", severity: "info", ephemeral: true },
      },
      {
        sequence: 6,
        timestamp: 0,
        resOutputsEvent: { metadata: meta("create", "aws:ecr/repository:Repository", "ppf-agent-repo") },
      },
      {
        sequence: 7,
        timestamp: 0,
        resourcePreEvent: { metadata: meta("update", "kubernetes:apps/v1:DaemonSet", "ppf-daemonset") },
      },
      {
        sequence: 8,
        timestamp: 0,
        resOpFailedEvent: {
          metadata: meta("update", "kubernetes:apps/v1:DaemonSet", "ppf-daemonset"),
          status: 1,
          steps: 1,
        },
      },
      {
        sequence: 9,
        timestamp: 0,
        diagnosticEvent: {
          message: "rollout timed out\n",
          color: "raw",
          severity: "error",
          urn: urn("kubernetes:apps/v1:DaemonSet", "ppf-daemonset"),
        },
      },
      {
        sequence: 10,
        timestamp: 0,
        summaryEvent: {
          maybeCorrupt: false,
          durationSeconds: 42,
          resourceChanges: { create: 1, update: 1 },
          policyPacks: {},
        },
      },
    ] as unknown as EngineEvent[];
    const { deps } = fakeDependencies({
      events,
      fail: commandError("code: 255\n stderr: error: update failed\n"),
    });
    const seen: ProgressEvent[] = [];
    await assert.rejects(
      createEmbeddingApi(deps).up({
        stack: "dev",
        region: "us-east-1",
        env: PASS,
        home: tmp,
        config: valid,
        onProgress: (e) => seen.push(e),
      }),
      (err: unknown) => {
        assert.ok(err instanceof StackOperationError, String(err));
        assert.equal(err.message, "up of stack dev failed: ppf-daemonset: rollout timed out");
        assert.deepEqual(err.diagnostics, ["ppf-daemonset: rollout timed out"]);
        return true;
      },
    );
    assert.deepEqual(seen, [
      {
        kind: "resource",
        phase: "started",
        operation: "create",
        type: "aws:ecr/repository:Repository",
        name: "ppf-agent-repo",
        urn: urn("aws:ecr/repository:Repository", "ppf-agent-repo"),
        diffs: [],
      },
      {
        kind: "diagnostic",
        severity: "warning",
        message: "not mirrored: i-1 (t2.medium)",
        name: "ppf",
        urn: urn("x:y:Z", "ppf"),
      },
      {
        kind: "resource",
        phase: "finished",
        operation: "create",
        type: "aws:ecr/repository:Repository",
        name: "ppf-agent-repo",
        urn: urn("aws:ecr/repository:Repository", "ppf-agent-repo"),
        diffs: [],
      },
      {
        kind: "resource",
        phase: "started",
        operation: "update",
        type: "kubernetes:apps/v1:DaemonSet",
        name: "ppf-daemonset",
        urn: urn("kubernetes:apps/v1:DaemonSet", "ppf-daemonset"),
        diffs: ["tags"],
      },
      {
        kind: "resource",
        phase: "failed",
        operation: "update",
        type: "kubernetes:apps/v1:DaemonSet",
        name: "ppf-daemonset",
        urn: urn("kubernetes:apps/v1:DaemonSet", "ppf-daemonset"),
        diffs: ["tags"],
      },
      {
        kind: "diagnostic",
        severity: "error",
        message: "rollout timed out",
        name: "ppf-daemonset",
        urn: urn("kubernetes:apps/v1:DaemonSet", "ppf-daemonset"),
      },
      {
        kind: "summary",
        changes: {
          create: 1,
          update: 1,
          replace: 0,
          delete: 0,
          same: 0,
          changed: 2,
          raw: { create: 1, update: 1 },
        },
        durationSeconds: 42,
      },
    ]);
  });

  it("reports a ConfigError the program throws inside the engine as a ConfigError", async () => {
    // The package passes the check before Pulumi, then disappears before the engine runs the program: the component
    // refuses, the engine run fails, the API says why in config words.
    const recorder = await installPulumiMocks(sampleWorld());
    const vanishing = standInPackage(fs.mkdtempSync(path.join(tmp, "vanishing-")));
    const { deps } = fakeDependencies({ runProgram: true, beforeProgram: () => fs.rmSync(vanishing) });
    await assert.rejects(
      createEmbeddingApi(deps).up({
        stack: "dev",
        region: "us-east-1",
        env: PASS,
        home: tmp,
        config: { clusterName: "demo", sensorIps: ["10.0.200.10"], rpcapdPackage: vanishing },
      }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.problems.length, 1);
        assert.match(err.problems[0], /^rpcapdPackage: ".*rpcapd_9\.6\.0_amd64\.deb" does not exist/);
        return true;
      },
    );
    assert.deepEqual(recorder.resources, [], "nothing was registered");
  });

  it("maps a missing CLI at stack creation and a locked stack", async () => {
    const enoent = fakeDependencies({
      openFails: commandError(
        "code: -2\n stdout: \n stderr: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\n",
      ),
    });
    await assert.rejects(
      createEmbeddingApi(enoent.deps).preview({
        stack: "dev",
        region: "us-east-1",
        env: PASS,
        home: tmp,
        config: valid,
      }),
      (err: unknown) => {
        assert.ok(err instanceof PulumiCliError);
        assert.equal(err.reason, "missing");
        return true;
      },
    );
    const { ConcurrentUpdateError } = await import("@pulumi/pulumi/automation");
    const Ctor = ConcurrentUpdateError as unknown as new (r: { toString(): string }) => Error;
    const locked = fakeDependencies({
      fail: new Ctor({ toString: () => "[409] Conflict: Another update is currently in progress." }),
    });
    await assert.rejects(createEmbeddingApi(locked.deps).destroy({ stack: "dev", env: PASS, home: tmp }), {
      name: "StackOperationError",
      message:
        "destroy of stack dev failed: another update of this stack is in progress (wait for it, or run `pulumi cancel` if it died)",
    });
    assert.deepEqual(locked.log.calls, ["destroy"], "destroy without config writes none");
    assert.equal(locked.log.opened[0].create, false, "destroy never creates a stack");
  });

  it("returns typed outputs, and says so when a stack has none or lacks some", async () => {
    const outputs = engineOutputs();
    const ok = fakeDependencies({ outputs });
    const got = await createEmbeddingApi(ok.deps).outputs({ stack: "dev", env: PASS, home: tmp });
    // Optional outputs the stack does not have (no mirroring, no coverage) are absent, not undefined.
    assert.deepEqual(got, Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])));
    assert.deepEqual(ok.log.calls, ["outputs"]);

    const none = fakeDependencies({ outputs: {} });
    await assert.rejects(
      createEmbeddingApi(none.deps).outputs({ stack: "dev", env: PASS, home: tmp }),
      (err: unknown) => {
        assert.ok(err instanceof OutputsError);
        assert.equal(
          err.message,
          "stack dev has no outputs: it was never deployed, or it was destroyed (run up first)",
        );
        return true;
      },
    );
    const partial = Object.fromEntries(
      Object.entries(outputs).filter(([k]) => k !== "daemonSetName" && k !== "sensorSteps"),
    );
    const old = fakeDependencies({ outputs: partial });
    await assert.rejects(createEmbeddingApi(old.deps).outputs({ stack: "dev", env: PASS, home: tmp }), {
      message:
        "stack dev lacks the output(s) daemonSetName, sensorSteps: it was deployed by another program or an older version of this one (run up to refresh them)",
    });
  });

  it("runs one operation at a time per process", async () => {
    const order: string[] = [];
    const { deps } = fakeDependencies({ changes: {} });
    const slowOpen = deps.openStack;
    let n = 0;
    deps.openStack = async (req) => {
      const id = ++n;
      order.push(`open${id}`);
      // The first open yields to the event loop: an unserialized second operation would open in between.
      await new Promise((r) => setImmediate(r));
      order.push(`opened${id}`);
      return slowOpen(req);
    };
    const api = createEmbeddingApi(deps);
    await Promise.all([
      api.preview({ stack: "a", region: "us-east-1", env: PASS, home: tmp, config: valid }),
      api.preview({ stack: "b", region: "us-east-1", env: PASS, home: tmp, config: valid }),
    ]);
    assert.deepEqual(order, ["open1", "opened1", "open2", "opened2"]);
  });
});
