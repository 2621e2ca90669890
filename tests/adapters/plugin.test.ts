/**
 * The plugin package (`adapters/plugin`) for `pulumi package add`: the schema the Node SDK's component provider
 * infers from the TypeScript types (the code path `pulumi package add` runs, minus the CLI), the plugin answering
 * GetSchema over gRPC when booted as the nodejs language host boots it, and `construct` under mocks: the component
 * itself, by name or with an `eks.Cluster` reference, its arguments checked, the URNs of former plugin stacks kept.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import type { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { OPTIONAL_OUTPUTS, OUTPUT_KEYS } from "../../components/outputs";
import { PodPacketForwardingType } from "../../components/podPacketForwarding";
import { argsSchema } from "../../components/validation";
import { sampleWorld, SAMPLE_CLUSTER } from "../../harness/aws/sampleCluster";
import { installPulumiMocks, registeredUrns, settle } from "../../harness/pulumi/mocks";
import { PLUGIN_DIR, pluginHost } from "../../harness/pulumi/pluginHost";
import { resolved, ROOT, standInPackage } from "../automation/helpers";

const TOKEN = PodPacketForwardingType;
const AGENT_IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`;

interface SchemaProperty {
  type?: string;
  $ref?: string;
  description?: string;
  plain?: boolean;
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
  dependencies?: { name: string; version: string }[];
}

/** `pulumi.json`-style reference to a resource of an installed Pulumi package, as the analyzer writes it. */
function resourceRef(pkg: string, token: string): string {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", pkg, "package.json"), "utf8"),
  ) as { version: string; pulumi: { name: string; version?: string } };
  return `/${manifest.pulumi.name}/v${manifest.pulumi.version ?? manifest.version}/schema.json#/resources/${token.replace("/", "%2F")}`;
}

type PluginModule = typeof import("../../adapters/plugin");

/**
 * Arguments the component marks `@deprecated`: the analyzer takes a description from the comment's text only, and
 * these may have none besides the tag.
 */
function deprecatedArgs(): Set<string> {
  const file = path.join(ROOT, "components", "args.ts");
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === "PodPacketForwardingArgs") {
      for (const member of node.members) {
        if (member.name && ts.getJSDocTags(member).some((t) => t.tagName.text === "deprecated")) {
          names.add(member.name.getText(source));
        }
      }
    }
  });
  return names;
}

describe("adapters: plugin package for other languages", function () {
  this.timeout(180000);
  let plugin: PluginModule;
  let classes: unknown[];
  /** One provider host for every test: it analyses the sources once and keeps the schema, as the plugin process does. */
  let provider: ComponentProvider;
  before(async () => {
    ({ plugin, classes, provider } = await pluginHost());
  });

  describe("schema inference (what `pulumi package add` generates SDKs from)", () => {
    let schema: Schema;
    before(async () => {
      schema = JSON.parse(await provider.getSchema()) as Schema;
    });

    it("offers exactly one component, PodPacketForwarding, under the component's own type token", () => {
      assert.deepEqual(classes, [plugin.PodPacketForwarding]);
      assert.equal(schema.name, "pod-packet-forwarding");
      assert.equal(schema.version, "0.1.0");
      assert.deepEqual(Object.keys(schema.resources), [TOKEN]);
      assert.equal(schema.resources[TOKEN].isComponent, true);
    });

    it("offers every argument of the component, the cluster split into an eks.Cluster reference and its name", () => {
      const r = schema.resources[TOKEN];
      const expected = [...Object.keys(argsSchema.shape), "clusterName"].sort();
      assert.deepEqual(Object.keys(r.inputProperties).sort(), expected);
      assert.deepEqual(r.requiredInputs, ["sensorIps"]);
      const deprecated = deprecatedArgs();
      for (const [key, prop] of Object.entries(r.inputProperties)) {
        assert.ok(
          deprecated.has(key) || (prop.description && prop.description.length > 20),
          `${key} has no description`,
        );
        assert.notEqual(prop.$ref, "pulumi.json#/Any", `${key} lost its type`);
      }
      assert.equal(r.inputProperties.cluster.$ref, resourceRef("eks", "eks:index:Cluster"));
      assert.equal(r.inputProperties.clusterName.type, "string");
      assert.equal(r.inputProperties.sensorIps.type, "array");
      assert.equal(r.inputProperties.sensorIps.items?.type, "string");
      assert.equal(r.inputProperties.sensorPort.type, "number");
      assert.equal(r.inputProperties.mirrorAmazonDns.type, "boolean");
      assert.equal(r.inputProperties.tags.additionalProperties?.type, "string");
      assert.equal(r.inputProperties.rpcapdPackage.plain, true, "a local path, never an Output");
      assert.equal(r.inputProperties.mirrorTarget.plain, true, "its set field decides the target kind");
      assert.equal(r.inputProperties.mirrorTarget.$ref, "#/types/pod-packet-forwarding:index:MirrorTarget");
      assert.deepEqual(
        Object.keys(schema.types["pod-packet-forwarding:index:MirrorTarget"].properties).sort(),
        ["gatewayLoadBalancerEndpointId", "networkInterfaceId", "networkLoadBalancerArn"],
      );
      assert.equal(
        r.inputProperties.tolerations.items?.$ref,
        "#/types/pod-packet-forwarding:index:Toleration",
      );
      assert.equal(r.inputProperties.resources.$ref, "#/types/pod-packet-forwarding:index:AgentResources");
      assert.equal(r.inputProperties.imageRegistry.$ref, "#/types/pod-packet-forwarding:index:ImageRegistry");
    });

    it("declares the one output shape plus the children as resource references", () => {
      const r = schema.resources[TOKEN];
      assert.deepEqual(Object.keys(r.properties).sort(), [...OUTPUT_KEYS, "daemonSet", "repository"].sort());
      assert.deepEqual(
        r.required?.slice().sort(),
        [...OUTPUT_KEYS.filter((k) => !OPTIONAL_OUTPUTS.has(k)), "daemonSet"].sort(),
      );
      assert.equal(r.properties.daemonSet.$ref, resourceRef("kubernetes", "kubernetes:apps/v1:DaemonSet"));
      assert.equal(r.properties.repository.$ref, resourceRef("aws", "aws:ecr/repository:Repository"));
      assert.equal(r.properties.agentEnvironment.additionalProperties?.type, "string");
      assert.equal(r.properties.networkSources.$ref, "#/types/pod-packet-forwarding:index:NetworkSources");
      assert.equal(
        r.properties.skippedMirrorSources.items?.$ref,
        "#/types/pod-packet-forwarding:index:SkippedMirrorSource",
      );
      assert.deepEqual(
        Object.keys(schema.types["pod-packet-forwarding:index:RangeSource"].properties).sort(),
        ["from", "range"],
      );
      assert.deepEqual(
        (schema.dependencies ?? []).map((d) => d.name).sort(),
        ["aws", "eks", "kubernetes"],
        "the packages whose resources it references",
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
      assert.ok("clusterName" in served.resources[TOKEN].inputProperties);
      assert.equal(stderr, "");
    } finally {
      child.kill();
    }
  });

  describe("construct (as a consumer in another language)", () => {
    let tmp: string;
    let pkg: string;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-plugin-"));
      pkg = standInPackage(tmp);
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("by cluster name: the component itself, its outputs in the state, the DaemonSet as a resource", async () => {
      const recorder = await installPulumiMocks(sampleWorld());
      const result = await provider.construct(
        "ppf",
        TOKEN,
        { clusterName: SAMPLE_CLUSTER, sensorIps: ["10.0.200.10"], rpcapdPackage: pkg },
        {},
      );
      const state = result.state as Record<string, unknown>;
      const [daemonSet, repository] = await resolved([state.daemonSet, state.repository]);
      const values = (await resolved(Object.fromEntries(OUTPUT_KEYS.map((k) => [k, state[k]])))) as Record<
        string,
        unknown
      >;
      await settle();
      assert.equal(await resolved(result.urn), `urn:pulumi:test::pod-packet-forwarding::${TOKEN}::ppf`);
      assert.ok(pulumi.CustomResource.isInstance(daemonSet));
      assert.ok(pulumi.CustomResource.isInstance(repository), "the ECR repository of the image build");
      const env = values.agentEnvironment as Record<string, string>;
      assert.equal(env.EXTRAHOP_SENSOR_IP, "10.0.200.10");
      assert.equal(env.PODNET, "10.0.0.0/16,100.64.0.0/16");
      assert.equal(env.SVCNET, "172.20.0.0/16");
      assert.equal(env.VPC_MIRRORING, "false");
      assert.equal(values.daemonSetNamespace, "extrahop");
      assert.deepEqual(
        recorder.resources.filter((r) => r.type === TOKEN).map((r) => r.name),
        ["ppf"],
        "one component, no wrapper",
      );
    });

    it("with an eks.Cluster reference: its VPC, service range and kubeconfig", async () => {
      const kubeconfig = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "prod" }] });
      const recorder = await installPulumiMocks(sampleWorld(), {
        behaviour: {
          eksCluster: (name) => ({
            eksCluster: {
              name: `${name}-eksCluster-1234567`,
              vpcConfig: { vpcId: "vpc-0a1b2c3d4e5f60718" },
              kubernetesNetworkConfig: {
                ipFamily: "ipv4",
                serviceIpv4Cidr: "10.100.0.0/16",
                serviceIpv6Cidr: "",
              },
            },
            kubeconfigJson: kubeconfig,
            kubeconfig: JSON.parse(kubeconfig),
          }),
        },
      });
      const cluster = new eks.Cluster("prod", { vpcId: "vpc-0a1b2c3d4e5f60718" });
      const result = await provider.construct(
        "ppf",
        TOKEN,
        { cluster, sensorIps: ["10.0.200.10"], agentImage: AGENT_IMAGE },
        {},
      );
      const env = (await resolved((result.state as Record<string, unknown>).agentEnvironment)) as Record<
        string,
        string
      >;
      await settle();
      assert.equal(env.PODNET, "10.0.0.0/16,100.64.0.0/16");
      assert.equal(env.SVCNET, "10.100.0.0/16");
      const k8sProvider = recorder.resources.find((r) => r.type === "pulumi:providers:kubernetes");
      assert.equal(k8sProvider?.inputs.kubeconfig, kubeconfig);
    });

    it("keeps the URNs of stacks made with the former ClusterForwarding component (alias), with or without a parent", async () => {
      await installPulumiMocks(sampleWorld());
      const seen: pulumi.Input<pulumi.URN | pulumi.Alias>[][] = [];
      const capture: pulumi.ResourceTransformation = (a) => {
        if (a.type === TOKEN) {
          seen.push(a.opts.aliases ?? []);
        }
        return undefined;
      };
      await provider.construct(
        "ppf",
        TOKEN,
        { clusterName: SAMPLE_CLUSTER, sensorIps: ["10.0.200.10"], agentImage: AGENT_IMAGE },
        { transformations: [capture] },
      );
      const parent = new pulumi.ComponentResource("acme:index:Platform", "platform");
      await provider.construct(
        "ppf2",
        TOKEN,
        { clusterName: SAMPLE_CLUSTER, sensorIps: ["10.0.200.10"], agentImage: AGENT_IMAGE },
        { parent, transformations: [capture] },
      );
      await settle();
      const aliasUrn = async (name: string, alias: pulumi.Input<pulumi.URN | pulumi.Alias>) => {
        const spec = alias as pulumi.Alias;
        return resolved(pulumi.createUrn(name, TOKEN, spec.parent as pulumi.Input<string>));
      };
      assert.equal(
        await aliasUrn("ppf", seen[0][0]),
        "urn:pulumi:test::pod-packet-forwarding::pod-packet-forwarding:index:ClusterForwarding$pod-packet-forwarding:index:PodPacketForwarding::ppf",
      );
      assert.equal(
        await aliasUrn("ppf2", seen[1][0]),
        "urn:pulumi:test::pod-packet-forwarding::acme:index:Platform$pod-packet-forwarding:index:ClusterForwarding$pod-packet-forwarding:index:PodPacketForwarding::ppf2",
      );
      assert.ok(registeredUrns().includes(`urn:pulumi:test::pod-packet-forwarding::${TOKEN}::ppf`));
    });

    async function refuses(
      inputs: () => Record<string, unknown>,
      errors: { propertyPath: string; reason: string }[],
    ): Promise<void> {
      const recorder = await installPulumiMocks(sampleWorld());
      await assert.rejects(provider.construct("ppf", TOKEN, inputs(), {}), (err: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(err), String(err));
        for (const e of errors) {
          assert.ok(
            err.errors.some((x) => x.propertyPath === e.propertyPath && x.reason === e.reason),
            `${JSON.stringify(e)} not in ${JSON.stringify(err.errors)}`,
          );
        }
        return true;
      });
      await settle();
      assert.deepEqual(
        recorder.resources.filter((r) => r.type !== "eks:index:Cluster"),
        [],
        "nothing registered",
      );
    }

    it("refuses bad arguments as input property errors naming each one, before registering anything", async () => {
      await refuses(
        () => ({
          clusterName: SAMPLE_CLUSTER,
          sensorIps: ["10.0.200.10", "300.1.1.1"],
          sensorPort: 0,
          rpcapdPackage: pkg,
        }),
        [
          {
            propertyPath: "sensorIps[1]",
            reason: '"300.1.1.1" is not an IPv4 address (expected a dotted quad such as 10.0.12.7)',
          },
          { propertyPath: "sensorPort", reason: "0 must be between 1 and 65535" },
        ],
      );
      await refuses(
        () => ({
          clusterName: SAMPLE_CLUSTER,
          sensorIps: ["10.0.200.10"],
          rpcapdPackage: "vendor/rpcapd.deb",
        }),
        [
          {
            propertyPath: "rpcapdPackage",
            reason:
              '"vendor/rpcapd.deb" is relative: the plugin runs in its own folder, not in your project; give an absolute path',
          },
        ],
      );
      await refuses(
        () => ({
          cluster: new eks.Cluster("prod", {}),
          clusterName: "prod",
          sensorIps: ["10.0.200.10"],
          agentImage: AGENT_IMAGE,
        }),
        [{ propertyPath: "clusterName", reason: "must not be set together with cluster" }],
      );
    });
  });
});
