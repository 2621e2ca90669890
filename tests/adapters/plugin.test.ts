/**
 * The plugin package (`components/package`) for `pulumi package add`: the schema the Node SDK's component provider
 * infers from the TypeScript types (the same code path `pulumi package add` runs, minus the CLI), and the
 * component under mocks: same validation, same resources as the program factory.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient } from "@aws-sdk/client-eks";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { stackConfigSchema } from "../../components/config";
import { installFakeAws, type FakeAws } from "../../harness/aws/fakeAws";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";
import { sampleWorld, SAMPLE_CLUSTER } from "../../harness/aws/sampleCluster";
import { resolved, ROOT, standInPackage } from "./helpers";

const PLUGIN_DIR = path.join(ROOT, "components", "package");
const TOKEN = "pod-packet-forwarding:index:ClusterForwarding";
/** The component's outputs, sorted: what the schema declares and what construct() returns. */
const OUTPUT_KEYS = [
  "agentEnvironment",
  "agentImage",
  "daemonSetName",
  "daemonSetNamespace",
  "mirroredEnis",
  "mirroredOnlyViolations",
  "podCidrs",
  "sensorSteps",
  "serviceCidrs",
  "skippedMirrorSources",
];
const NLB =
  "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/extrahop-sensors/50dc6c495c0c9188";

interface SchemaProperty {
  type?: string;
  $ref?: string;
  description?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
}
interface Schema {
  name: string;
  version: string;
  resources: Record<
    string,
    {
      isComponent: boolean;
      description?: string;
      inputProperties: Record<string, SchemaProperty>;
      requiredInputs?: string[];
      properties: Record<string, SchemaProperty>;
      required?: string[];
    }
  >;
  types: Record<string, { type: string; properties: Record<string, SchemaProperty> }>;
}

describe("automation: plugin package for other languages", function () {
  this.timeout(180000);

  describe("schema inference (what `pulumi package add` generates SDKs from)", () => {
    let schema: Schema;
    let classes: unknown[];
    before(async () => {
      const entry = (await import("../../components/package")) as Record<string, unknown>;
      classes = getPulumiComponents(entry);
      const provider = new ComponentProvider({
        components: classes as never,
        name: JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "package.json"), "utf8")).name,
        dirname: PLUGIN_DIR,
      });
      schema = JSON.parse(await provider.getSchema()) as Schema;
    });

    it("the entry exports exactly the one component, named like its type token", async () => {
      const { ClusterForwarding } = await import("../../components/package");
      assert.deepEqual(classes, [ClusterForwarding]);
      assert.equal(schema.name, "pod-packet-forwarding");
      assert.equal(schema.version, "0.1.0");
      assert.deepEqual(Object.keys(schema.resources), [TOKEN]);
      assert.equal(schema.resources[TOKEN].isComponent, true);
    });

    it("offers every stack config key plus region as an input, each with a description; only sensorIps is required", () => {
      const r = schema.resources[TOKEN];
      const stackKeys = Object.keys(stackConfigSchema.innerType().shape);
      assert.deepEqual(Object.keys(r.inputProperties).sort(), ["region", ...stackKeys].sort());
      assert.deepEqual(r.requiredInputs, ["sensorIps"]);
      for (const [key, prop] of Object.entries(r.inputProperties)) {
        assert.ok(prop.description && prop.description.length > 20, `${key} has no description`);
      }
      assert.deepEqual(r.inputProperties.sensorIps.type, "array");
      assert.deepEqual(r.inputProperties.sensorIps.items?.type, "string");
      assert.equal(r.inputProperties.sensorPort.type, "number");
      assert.equal(r.inputProperties.mirrorAmazonDns.type, "boolean");
      assert.equal(r.inputProperties.imagePlatform.type, "string");
      assert.equal(r.inputProperties.tags.type, "object");
      assert.equal(r.inputProperties.tags.additionalProperties?.type, "string");
      assert.equal(r.inputProperties.mirrorTarget.$ref, "#/types/pod-packet-forwarding:index:MirrorTarget");
      const target = schema.types["pod-packet-forwarding:index:MirrorTarget"];
      assert.deepEqual(Object.keys(target.properties).sort(), [
        "gatewayLoadBalancerEndpointId",
        "networkInterfaceId",
        "networkLoadBalancerArn",
      ]);
    });

    it("describes the outputs, including the structured ones", () => {
      const r = schema.resources[TOKEN];
      assert.deepEqual(Object.keys(r.properties).sort(), OUTPUT_KEYS);
      assert.equal(r.properties.agentEnvironment.additionalProperties?.type, "string");
      assert.equal(
        r.properties.skippedMirrorSources.items?.$ref,
        "#/types/pod-packet-forwarding:index:SkippedMirrorSource",
      );
      assert.deepEqual(
        Object.keys(schema.types["pod-packet-forwarding:index:SkippedMirrorSource"].properties).sort(),
        ["detail", "instanceId", "instanceType", "reason"],
      );
    });
  });

  it("boots through the SDK's run-plugin entry (what the nodejs language host launches) and serves GetSchema over gRPC", async () => {
    const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    // The SDK's own gRPC stack and generated stubs, from where the SDK resolves them.
    const grpc = (await import(
      require.resolve("@grpc/grpc-js", { paths: [sdkDir] })
    )) as typeof import("@grpc/grpc-js");
    const provrpc = (await import(path.join(sdkDir, "proto", "provider_grpc_pb"))) as {
      ResourceProviderClient: new (
        address: string,
        credentials: unknown,
      ) => {
        getSchema(req: unknown, cb: (err: Error | null, resp: { getSchema(): string }) => void): void;
        close(): void;
      };
    };
    const provproto = (await import(path.join(sdkDir, "proto", "provider_pb"))) as {
      GetSchemaRequest: new () => unknown;
    };
    const child = spawn(
      process.execPath,
      [path.join(sdkDir, "cmd", "run-plugin", "index.js"), "--pwd", PLUGIN_DIR, "."],
      {
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
        child.once("exit", (code) => reject(new Error(`run-plugin exited with ${code}: ${stderr}`)));
      });
      assert.match(port, /^\d+$/);
      const client = new provrpc.ResourceProviderClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
      const text = await new Promise<string>((resolve, reject) =>
        client.getSchema(new provproto.GetSchemaRequest(), (err, resp) =>
          err ? reject(err) : resolve(resp.getSchema()),
        ),
      );
      client.close();
      const served = JSON.parse(text) as Schema;
      assert.equal(served.name, "pod-packet-forwarding");
      assert.deepEqual(Object.keys(served.resources), [TOKEN]);
      assert.deepEqual(
        Object.keys(served.resources[TOKEN].inputProperties).sort(),
        ["region", ...Object.keys(stackConfigSchema.innerType().shape)].sort(),
      );
      assert.equal(stderr, "");
    } finally {
      child.kill();
    }
  });

  describe("the component under mocks", () => {
    let tmp: string;
    let pkg: string;
    let fake: FakeAws;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-plugin-"));
      pkg = standInPackage(tmp);
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const savedRegion = process.env.AWS_REGION;
    beforeEach(() => {
      fake = installFakeAws(sampleWorld());
      // The region error below must not depend on the machine's environment.
      delete process.env.AWS_REGION;
      pulumi.runtime.setAllConfig({});
    });
    afterEach(() => {
      fake.restore();
      if (savedRegion !== undefined) {
        process.env.AWS_REGION = savedRegion;
      }
    });

    const graph = (r: MockRecorder) => r.resources.map(({ type, name, inputs }) => ({ type, name, inputs }));

    it("registers the same resources as the program factory for the same config, and reports the same values", async () => {
      const raw = {
        clusterName: SAMPLE_CLUSTER,
        sensorIps: ["10.0.200.10", "10.0.200.11"],
        rpcapdPackage: pkg,
        mirrorTarget: { networkLoadBalancerArn: NLB },
        tags: { team: "secops" },
      };

      const direct = await installPulumiMocks(sampleWorld());
      const { podPacketForwardingProgram } = await import("../../program");
      const region = "us-east-1";
      const clients = { region, eks: new EKSClient({ region }), ec2: new EC2Client({ region }) };
      const expected = await resolved(await podPacketForwardingProgram(raw, { region, clients }));
      await settle();

      const viaComponent = await installPulumiMocks(sampleWorld());
      const { ClusterForwarding } = await import("../../components/package");
      const c = new ClusterForwarding("pod-packet-forwarding", { ...raw, region: pulumi.output(region) });
      const out = await resolved({
        podCidrs: c.podCidrs,
        agentEnvironment: c.agentEnvironment,
        agentImage: c.agentImage,
        mirroredEnis: c.mirroredEnis,
        daemonSetName: c.daemonSetName,
        sensorSteps: c.sensorSteps,
      });
      await settle();

      const [outer, ...children] = graph(viaComponent);
      assert.equal(outer.type, TOKEN);
      assert.ok(children.length >= 20, `${children.length} resources`);
      assert.deepEqual(children, graph(direct));
      assert.deepEqual(out, {
        podCidrs: expected.podCidrs,
        agentEnvironment: expected.agentEnvironment,
        agentImage: expected.agentImage,
        mirroredEnis: expected.mirroredEnis,
        daemonSetName: expected.daemonSet.name,
        sensorSteps: expected.sensorSteps,
      });
    });

    it("constructs through the provider host's construct(), as a consumer in another language would", async () => {
      const recorder = await installPulumiMocks(sampleWorld());
      const { ClusterForwarding } = await import("../../components/package");
      const provider = new ComponentProvider({
        components: [ClusterForwarding],
        name: "pod-packet-forwarding",
        dirname: PLUGIN_DIR,
      });
      const result = await provider.construct(
        "ppf",
        TOKEN,
        { region: "us-east-1", clusterName: SAMPLE_CLUSTER, sensorIps: ["10.0.200.10"], rpcapdPackage: pkg },
        {},
      );
      const state = (await resolved(result.state)) as Record<string, unknown>;
      await settle();
      assert.deepEqual(Object.keys(state).sort(), OUTPUT_KEYS);
      assert.deepEqual(state.agentEnvironment, {
        EXTRAHOP_SENSOR_IP: "10.0.200.10",
        RPCAPD_TARGET_PORT: "2003",
        PODNET: "10.0.0.0/16,100.64.0.0/16",
        SVCNET: "172.20.0.0/16",
        VPC_MIRRORING: "false",
      });
      assert.equal(state.daemonSetNamespace, "extrahop");
      assert.equal(recorder.resources.filter((r) => r.type === "kubernetes:apps/v1:DaemonSet").length, 1);
    });

    async function rejectsWith(
      args: Record<string, unknown>,
      errors: { propertyPath: string; reason: string }[],
      preview = false,
    ): Promise<void> {
      const recorder = await installPulumiMocks(sampleWorld(), { preview });
      const { deployClusterForwarding } = await import("../../components/package/clusterForwarding");
      const parent = new pulumi.ComponentResource("test:index:Parent", "p");
      await assert.rejects(deployClusterForwarding("ppf", args as never, parent), (err: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(err), String(err));
        assert.deepEqual(err.errors, errors);
        return true;
      });
      await settle();
      assert.deepEqual(
        recorder.resources.map((r) => r.type),
        ["test:index:Parent"],
        "nothing but the test parent was registered",
      );
    }

    it("reports invalid args as input property errors naming each property, before registering anything", async () => {
      await rejectsWith(
        {
          region: "us-east-1",
          clusterName: SAMPLE_CLUSTER,
          sensorIps: ["10.0.200.10", "300.1.1.1"],
          sensorPort: 0,
          rpcapdPackage: pkg,
          mirrorTarget: {},
        },
        [
          {
            propertyPath: "sensorIps[1]",
            reason: '"300.1.1.1" is not an IPv4 address (expected a dotted quad such as 10.0.12.7)',
          },
          { propertyPath: "sensorPort", reason: "0 must be between 1 and 65535" },
          {
            propertyPath: "mirrorTarget",
            reason:
              "{} must set exactly one of networkInterfaceId, networkLoadBalancerArn, gatewayLoadBalancerEndpointId",
          },
        ],
      );
      await rejectsWith({ clusterName: "nope", sensorIps: ["10.0.200.10"], rpcapdPackage: pkg }, [
        {
          propertyPath: "region",
          reason: "is required to look up the EKS cluster (pulumi config set aws:region us-east-1)",
        },
      ]);
      await rejectsWith(
        {
          region: "us-east-1",
          clusterName: SAMPLE_CLUSTER,
          sensorIps: ["10.0.200.10"],
          rpcapdPackage: "vendor/rpcapd.deb",
        },
        [
          {
            propertyPath: "rpcapdPackage",
            reason:
              '"vendor/rpcapd.deb" is relative: the plugin runs in its own folder, not in your project; give an absolute path',
          },
        ],
      );
    });

    it("names the args that are still unknown at preview", async () => {
      await rejectsWith(
        {
          region: "us-east-1",
          clusterName: pulumi.output(pulumi.unknown),
          sensorIps: [pulumi.output(pulumi.unknown)],
          rpcapdPackage: pkg,
        },
        [
          {
            propertyPath: "clusterName",
            reason: "must be known at preview (not the output of a resource created in the same update)",
          },
          {
            propertyPath: "sensorIps",
            reason: "must be known at preview (not the output of a resource created in the same update)",
          },
        ],
        true,
      );
    });
  });
});
