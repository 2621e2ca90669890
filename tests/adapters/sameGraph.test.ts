/**
 * The stack path (`index.ts`: stack config → `readStackConfig` → factory) and the embedding path (the API writes
 * the typed config with `setAllConfig`, the engine runs the inline program the API handed over) register the same
 * resources with the same inputs for the same configuration, under the Pulumi mocks and the fake AWS APIs.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { PodPacketForwardingConfig } from "../../automation/config";
import { installFakeAws, type FakeAws } from "../../harness/aws/fakeAws";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";
import { sampleWorld, SAMPLE_CLUSTER } from "../../harness/aws/sampleCluster";
import type { StackOutputs } from "../../program";
import { asCliConfig, fakeDependencies, prodExample, resolved, standInPackage } from "./helpers";

type Graph = { type: string; name: string; inputs: Record<string, unknown> }[];
const graphOf = (r: MockRecorder): Graph =>
  r.resources.map(({ type, name, inputs }) => ({ type, name, inputs }));

describe("automation: stack path and embedding path register identical resource graphs", function () {
  this.timeout(120000);
  let tmp: string;
  let fake: FakeAws;
  let pkg: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-graph-"));
    pkg = standInPackage(tmp);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  beforeEach(() => {
    fake = installFakeAws(sampleWorld());
  });
  afterEach(() => {
    fake.restore();
    pulumi.runtime.setAllConfig({});
  });

  /** The prod example, pointed at the sample cluster and a stand-in package: namespaced stack-file values. */
  function stackFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      ...prodExample(),
      "pod-packet-forwarding:clusterName": SAMPLE_CLUSTER,
      "pod-packet-forwarding:rpcapdPackage": pkg,
      ...overrides,
    };
  }

  /** The same configuration as the typed object of the embedding API, and its region. */
  function typedConfig(file: Record<string, unknown>): { config: PodPacketForwardingConfig; region: string } {
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(file)) {
      if (k.startsWith("pod-packet-forwarding:")) {
        config[k.slice("pod-packet-forwarding:".length)] = v;
      }
    }
    return { config: config as PodPacketForwardingConfig, region: String(file["aws:region"]) };
  }

  async function viaStack(file: Record<string, unknown>): Promise<{ graph: Graph; outputs: unknown }> {
    const recorder = await installPulumiMocks(sampleWorld());
    pulumi.runtime.setAllConfig(asCliConfig(file), ["pod-packet-forwarding:kubeconfig"]);
    const stackMain = (await import("../../index")).default as unknown as () => Promise<StackOutputs>;
    const outputs = await resolved(await stackMain());
    await settle();
    return { graph: graphOf(recorder), outputs };
  }

  async function viaEmbedding(
    file: Record<string, unknown>,
  ): Promise<{ graph: Graph; outputs: unknown; written: Record<string, string> }> {
    const recorder = await installPulumiMocks(sampleWorld());
    pulumi.runtime.setAllConfig({});
    const { config, region } = typedConfig(file);
    const { deps, log } = fakeDependencies({ runProgram: true });
    const { createEmbeddingApi } = await import("../../automation/api");
    const result = await createEmbeddingApi(deps).up({
      stack: "prod",
      region,
      config,
      env: { PULUMI_CONFIG_PASSPHRASE: "test" },
    });
    const written = Object.fromEntries(Object.entries(log.config).map(([k, v]) => [k, v.value]));
    return { graph: graphOf(recorder), outputs: result.outputs, written };
  }

  it("for the prod example (several sensors, mirroring to an NLB, mirroredOnlyCidrs, tags)", async () => {
    const file = stackFile();
    const stack = await viaStack(file);
    const embedded = await viaEmbedding(file);

    // Not vacuous: the graph holds the agent, the image build and the mirroring.
    const types = new Set(stack.graph.map((r) => r.type));
    for (const t of [
      "pod-packet-forwarding:index:PodPacketForwarding",
      "aws:ecr/repository:Repository",
      "docker:index/image:Image",
      "aws:ec2/trafficMirrorTarget:TrafficMirrorTarget",
      "aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule",
      "aws:lambda/function:Function",
      "kubernetes:apps/v1:DaemonSet",
    ]) {
      assert.ok(types.has(t), `stack path registered no ${t}`);
    }
    assert.ok(stack.graph.length >= 20, `only ${stack.graph.length} resources`);

    assert.deepEqual(embedded.graph, stack.graph);
    assert.deepEqual(embedded.outputs, stack.outputs);
    // The embedding path really went through the stack config: the API wrote exactly what the stack file holds.
    assert.deepEqual(embedded.written, asCliConfig(file));
    const ds = stack.graph.find((r) => r.type === "kubernetes:apps/v1:DaemonSet") as Graph[number];
    const env = (
      ds.inputs as {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
      }
    ).spec.template.spec.containers[0].env;
    assert.equal(
      env.find((e) => e.name === "EXTRAHOP_SENSOR_IP")?.value,
      "10.20.200.10,10.20.200.11,10.20.200.12",
    );
  });

  it("for a config with defaults left out and a kubeconfig secret, and the comparison notices a one-value difference", async () => {
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n";
    const file = {
      "aws:region": "us-east-1",
      "pod-packet-forwarding:clusterName": SAMPLE_CLUSTER,
      "pod-packet-forwarding:sensorIps": ["10.0.200.10"],
      "pod-packet-forwarding:rpcapdPackage": pkg,
      "pod-packet-forwarding:kubeconfig": kubeconfig,
    };
    const stack = await viaStack(file);
    const embedded = await viaEmbedding(file);
    assert.deepEqual(embedded.graph, stack.graph);
    const provider = stack.graph.find((r) => r.type === "pulumi:providers:kubernetes") as Graph[number];
    assert.equal(provider.inputs.kubeconfig, kubeconfig);
    assert.equal(stack.graph.filter((r) => r.type.startsWith("aws:ec2/trafficMirror")).length, 0);

    const other = await viaEmbedding({ ...file, "pod-packet-forwarding:sensorPort": 2004 });
    assert.notDeepEqual(other.graph, stack.graph);
    assert.deepEqual(
      other.graph.map((r) => [r.type, r.name]),
      stack.graph.map((r) => [r.type, r.name]),
      "same resources, different inputs",
    );
  });
});
