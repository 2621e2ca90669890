/**
 * MirrorReconciler under Pulumi mocks: the resources it registers, their exact inputs, and the dependency order
 * that makes `pulumi destroy` remove the triggers before the cleanup invocation runs.
 * The component module is imported after setMocks, so resources register with the mock monitor.
 */
import { strict as assert } from "node:assert";
import { reconcilerPolicy } from "../../components/reconciler/policy";
import * as pulumi from "@pulumi/pulumi";
import {
  installPulumiMocks,
  settle,
  type MockRecorder,
  type RecordedResource,
} from "../../harness/pulumi/mocks";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import type * as ReconcilerModule from "../../components/reconciler/mirrorReconciler";

const FILTER = "tmf-0aa11bb22cc33dd44";
const TARGET = "tmt-0ee55ff6600770088";

function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

describe("MirrorReconciler (Pulumi mocks)", function () {
  this.timeout(60000);
  let recorder: MockRecorder;
  let mod: typeof ReconcilerModule;
  /** name -> names of the resources it explicitly depends on (captured by a transformation). */
  let deps: Record<string, string[]>;
  const deleteBeforeReplace: string[] = [];
  let component: ReconcilerModule.MirrorReconciler;

  before(async () => {
    recorder = await installPulumiMocks(sampleWorld(), { project: "pod-packet-forwarding", stack: "test" });
    mod = await import("../../components/reconciler/mirrorReconciler");
    deps = {};
    const byResource = new Map<pulumi.Resource, string>();
    component = new mod.MirrorReconciler(
      "mirror",
      {
        clusterName: "demo",
        vpcId: "vpc-0a1b2c3d4e5f60718",
        filterId: FILTER,
        targetId: TARGET,
        targetKind: "network-interface",
        sessionNumber: 10,
        packetLength: 128,
        unsupportedInstanceTypes: ["t2.*", "*.metal*"],
        tags: { team: "netops" },
        ownerTag: "pod-packet-forwarding/test/mirror",
      },
      {
        transformations: [
          (a) => {
            byResource.set(a.resource, a.name);
            if ((a.opts as pulumi.CustomResourceOptions).deleteBeforeReplace) {
              deleteBeforeReplace.push(a.name);
            }
            const d = a.opts.dependsOn;
            const list = (Array.isArray(d) ? d : d ? [d] : []) as pulumi.Resource[];
            // Names are resolved lazily: dependencies are registered before their dependents.
            Object.defineProperty(deps, a.name, {
              enumerable: true,
              get: () => list.map((r) => byResource.get(r) ?? "?").sort(),
            });
            return undefined;
          },
        ],
      },
    );
    await promiseOf(component.result);
    await settle();
  });

  const ofType = (type: string): RecordedResource[] => recorder.resources.filter((r) => r.type === type);
  const named = (name: string): RecordedResource => {
    const r = recorder.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
  };

  it("registers exactly the reconciler's resources, named from the component name", () => {
    const mine = recorder.resources
      .filter((r) => r.name.startsWith("mirror"))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    assert.deepEqual(mine, [
      "aws:cloudwatch/eventRule:EventRule mirror-eni-attachment",
      "aws:cloudwatch/eventRule:EventRule mirror-instance-state",
      "aws:cloudwatch/eventRule:EventRule mirror-schedule",
      "aws:cloudwatch/eventTarget:EventTarget mirror-eni-attachment-target",
      "aws:cloudwatch/eventTarget:EventTarget mirror-instance-state-target",
      "aws:cloudwatch/eventTarget:EventTarget mirror-schedule-target",
      "aws:cloudwatch/logGroup:LogGroup mirror-logs",
      "aws:iam/role:Role mirror-role",
      "aws:iam/rolePolicy:RolePolicy mirror-policy",
      "aws:lambda/function:Function mirror-fn",
      "aws:lambda/invocation:Invocation mirror-reconcile",
      "aws:lambda/permission:Permission mirror-eni-attachment-invoke",
      "aws:lambda/permission:Permission mirror-instance-state-invoke",
      "aws:lambda/permission:Permission mirror-schedule-invoke",
      "pod-packet-forwarding:index:MirrorReconciler mirror",
    ]);
    assert.equal(
      ofType("aws:ec2/trafficMirrorSession:TrafficMirrorSession").length,
      0,
      "Pulumi owns no session",
    );
  });

  it("log group keeps logs 30 days and is what the function logs to", () => {
    const lg = named("mirror-logs");
    assert.equal(lg.inputs.retentionInDays, 30);
    assert.equal(lg.inputs.name, "/pod-packet-forwarding/pod-packet-forwarding/test/mirror");
    const fn = named("mirror-fn").inputs as { loggingConfig: { logFormat: string; logGroup: string } };
    assert.deepEqual(fn.loggingConfig, {
      logFormat: "Text",
      logGroup: "/pod-packet-forwarding/pod-packet-forwarding/test/mirror",
    });
  });

  it("function: Node.js runtime, bundled handler, reserved concurrency 1, 900 s, exact environment", () => {
    const fn = named("mirror-fn").inputs as Record<string, unknown> & {
      environment: { variables: Record<string, string> };
    };
    assert.equal(fn.runtime, "nodejs22.x");
    assert.equal(fn.handler, "index.handler");
    assert.equal(fn.reservedConcurrentExecutions, 1);
    assert.equal(fn.timeout, 900);
    assert.equal(fn.memorySize, 256);
    assert.deepEqual(fn.environment.variables, {
      CLUSTER_NAME: "demo",
      TRAFFIC_MIRROR_FILTER_ID: FILTER,
      TRAFFIC_MIRROR_TARGET_ID: TARGET,
      TRAFFIC_MIRROR_TARGET_KIND: "network-interface",
      SESSION_NUMBER: "10",
      OWNER: "pod-packet-forwarding/test/mirror",
      PACKET_LENGTH: "128",
      UNSUPPORTED_INSTANCE_TYPES: '["t2.*","*.metal*"]',
    });
    assert.deepEqual(fn.tags, { team: "netops" });
    assert.equal(
      named("mirror-role").inputs.assumeRolePolicy,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    );
  });

  it("role policy: the least-privilege document (proven in policy.test.ts) for this function's ids, VPC and log group", () => {
    const doc = JSON.parse(String(named("mirror-policy").inputs.policy));
    const logGroup = named("mirror-logs");
    assert.deepEqual(
      doc,
      reconcilerPolicy({
        partition: "aws",
        region: "us-east-1",
        accountId: "111122223333",
        filterId: FILTER,
        targetId: TARGET,
        owner: "pod-packet-forwarding/test/mirror",
        logGroupArn: String(logGroup.state.arn),
        vpcId: "vpc-0a1b2c3d4e5f60718",
      }),
    );
  });

  it("rules: native instance state changes, CloudTrail ENI attach/detach, schedule rate(5 minutes); each targets the function", () => {
    assert.deepEqual(JSON.parse(String(named("mirror-instance-state").inputs.eventPattern)), {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["running", "stopped", "terminated"] },
    });
    assert.deepEqual(JSON.parse(String(named("mirror-eni-attachment").inputs.eventPattern)), {
      source: ["aws.ec2"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: {
        eventSource: ["ec2.amazonaws.com"],
        eventName: ["AttachNetworkInterface", "DetachNetworkInterface"],
      },
    });
    assert.equal(named("mirror-schedule").inputs.scheduleExpression, "rate(5 minutes)");
    const fn = named("mirror-fn");
    for (const key of ["instance-state", "eni-attachment", "schedule"]) {
      const rule = named(`mirror-${key}`);
      const target = named(`mirror-${key}-target`).inputs;
      assert.equal(target.rule, rule.state.name);
      assert.equal(target.arn, fn.state.arn);
      const perm = named(`mirror-${key}-invoke`).inputs;
      assert.deepEqual(
        [perm.action, perm.function, perm.principal, perm.sourceArn],
        ["lambda:InvokeFunction", fn.state.name, "events.amazonaws.com", rule.state.arn],
      );
    }
  });

  it("Invocation: CRUD lifecycle on the function, input carries the config hash and code hash; result is exposed", async () => {
    const inv = named("mirror-reconcile").inputs;
    assert.equal(inv.lifecycleScope, "CRUD");
    assert.equal(inv.functionName, named("mirror-fn").state.name);
    const input = JSON.parse(String(inv.input)) as Record<string, string>;
    assert.deepEqual(Object.keys(input).sort(), ["codeSha256", "configHash", "source"]);
    assert.equal(input.source, "pulumi");
    assert.match(input.configHash, /^[0-9a-f]{64}$/);
    const { bundleReconciler } = await import("../../components/reconciler/bundle");
    assert.equal(input.codeSha256, bundleReconciler().sha256);
    assert.equal(await promiseOf(component.result), JSON.stringify({ mocked: true }));
    assert.equal(await promiseOf(component.functionName), named("mirror-fn").state.name);
  });

  it("dependency order: rules/targets/permissions -> Invocation -> function -> log group + policy", () => {
    for (const key of ["instance-state", "eni-attachment", "schedule"]) {
      for (const name of [`mirror-${key}`, `mirror-${key}-target`, `mirror-${key}-invoke`]) {
        assert.deepEqual(deps[name], ["mirror-reconcile"], name);
      }
    }
    assert.deepEqual(deps["mirror-reconcile"], ["mirror-fn", "mirror-logs", "mirror-policy"]);
    assert.deepEqual(deps["mirror-fn"], ["mirror-logs", "mirror-policy"]);
    assert.deepEqual(
      deleteBeforeReplace,
      ["mirror-reconcile"],
      "a replaced Invocation cleans up before it reconciles",
    );
  });

  it("bundles the handler deterministically with esbuild", async () => {
    const { bundleReconciler } = await import("../../components/reconciler/bundle");
    const a = bundleReconciler();
    assert.match(a.code, /exports\.handler|handler:/);
    assert.match(a.code, /CreateTrafficMirrorSessionCommand/);
    const esbuild = await import("esbuild");
    const path = await import("node:path");
    const again = esbuild.buildSync({
      absWorkingDir: path.resolve(__dirname, "..", ".."),
      entryPoints: ["lambda/reconciler/index.ts"],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      write: false,
      sourcemap: false,
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: "none",
      charset: "utf8",
      logLevel: "silent",
    });
    assert.equal(again.outputFiles[0].text, a.code);
  });

  it("the bundle loads on its own and exports the handler (which validates its environment first)", async () => {
    const { bundleReconciler } = await import("../../components/reconciler/bundle");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-bundle-"));
    try {
      const file = path.join(dir, "index.js");
      fs.writeFileSync(file, bundleReconciler().code);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(file) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      assert.equal(typeof loaded.handler, "function");
      const saved = { ...process.env };
      try {
        delete process.env.CLUSTER_NAME;
        await assert.rejects(
          loaded.handler({}, { getRemainingTimeInMillis: () => 900_000 }),
          /CLUSTER_NAME is required/,
        );
      } finally {
        process.env = saved;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad arguments before creating anything, naming the argument", () => {
    const before = recorder.resources.length;
    assert.throws(
      () =>
        new mod.MirrorReconciler("bad", {
          clusterName: "demo",
          filterId: FILTER,
          targetId: TARGET,
          vpcId: "vpc-0a1b2c3d4e5f60718",
          targetKind: "network-interface",
          sessionNumber: 40000,
          ownerTag: "x",
        }),
      /sessionNumber 40000 must be an integer between 1 and 32766/,
    );
    assert.throws(
      () =>
        new mod.MirrorReconciler("bad2", {
          clusterName: "demo",
          filterId: FILTER,
          targetId: TARGET,
          vpcId: "vpc-0a1b2c3d4e5f60718",
          targetKind: "network-interface",
          sessionNumber: 1,
          ownerTag: "x",
          schedule: "every 5 minutes",
        }),
      /schedule "every 5 minutes" must be an EventBridge schedule/,
    );
    assert.equal(recorder.resources.filter((r) => r.name.startsWith("bad")).length, 0);
    assert.ok(recorder.resources.length >= before);
  });
});
