/**
 * The four ways in, one resource graph: the same inputs through the stack program (`index.ts` with the stack's
 * config, as `pulumi up` runs it), the embedding API's inline program (the API writes the config, the engine runs
 * the program), the offline plan (reading the stack file) and the plugin's `construct` (what another language
 * calls) register the same resources, with the same types, names, parents (URNs) and inputs, and report the same
 * outputs. Every path runs on the plan's engine: the sample account, the Pulumi mocks, the reconciler Lambda's
 * code for the deploy-time reconcile.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { createEmbeddingApi } from "../../adapters/automation/api";
import type { PodPacketForwardingConfig } from "../../adapters/automation/typedConfig";
import { startOfflineEngine, type OfflineEngine } from "../../adapters/plan/offlineEngine";
import { planInputs } from "../../adapters/plan/planInputs";
import { runPlan } from "../../adapters/plan/runPlan";
import { STACK_COMPONENT_NAME } from "../../adapters/stack/program";
import { OUTPUT_KEYS } from "../../components/outputs";
import { PodPacketForwardingType } from "../../components/podPacketForwarding";
import { sampleWorld, SAMPLE_CLUSTER } from "../../harness/aws/sampleCluster";
import { registeredUrns, settle } from "../../harness/pulumi/mocks";
import { pluginHost } from "../../harness/pulumi/pluginHost";
import { asCliConfig, fakeDependencies, resolved, standInPackage } from "../automation/helpers";

const PROJECT = "pod-packet-forwarding";
const STACK = "test";

/** One registration: where it sits (URN, parent URN) and what it was given. */
interface Node {
  urn: string;
  parent: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** What one path produced. */
interface Run {
  graph: Node[];
  outputs: Record<string, unknown>;
}

/** The graph, sorted by URN: registration order depends on when each lookup answers, the graph does not. */
function graphOf(
  resources: { type: string; name: string; inputs: Record<string, unknown> }[],
  parents: Map<string, string>,
): Node[] {
  const urns = registeredUrns();
  const byKey = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
  assert.equal(urns.length, resources.length, "every registration was answered");
  return urns
    .map((urn) => {
      const [, , qualified, name] = urn.split("::");
      const type = qualified.split("$").pop() as string;
      const r = byKey.get(`${type}::${name}`);
      assert.ok(r, `no recorded inputs for ${urn}`);
      return { urn, parent: parents.get(urn) ?? "", type, name, inputs: r.inputs };
    })
    .sort((a, b) => a.urn.localeCompare(b.urn));
}

/** Stack-file values (namespaced keys, as `Pulumi.<stack>.yaml` holds them) to the plain config keys. */
function projectKeys(file: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(file)
      .filter(([k]) => k.startsWith(`${PROJECT}:`))
      .map(([k, v]) => [k.slice(PROJECT.length + 1), v]),
  );
}

describe("adapters: stack, embedding API, plan and plugin register the same resource graph", function () {
  this.timeout(300000);
  let tmp: string;
  let pkg: string;
  let engine: OfflineEngine | undefined;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-samegraph-"));
    pkg = standInPackage(tmp);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => {
    engine?.stop();
    engine = undefined;
    pulumi.runtime.setAllConfig({});
  });

  async function start(): Promise<{ engine: OfflineEngine; parents: Map<string, string> }> {
    engine = await startOfflineEngine(sampleWorld(), { stack: STACK });
    return { engine, parents: engine.parents };
  }

  async function viaStack(file: Record<string, unknown>): Promise<Run> {
    const { engine: e, parents } = await start();
    pulumi.runtime.setAllConfig(asCliConfig(file), [`${PROJECT}:kubeconfig`]);
    const stackMain = (await import("../../index")).default as unknown as () => Promise<
      Record<string, unknown>
    >;
    const outputs = (await resolved(await stackMain())) as Record<string, unknown>;
    await settle();
    return { graph: graphOf(e.recorder.resources, parents), outputs };
  }

  async function viaEmbedding(
    file: Record<string, unknown>,
  ): Promise<Run & { written: Record<string, string> }> {
    const { engine: e, parents } = await start();
    pulumi.runtime.setAllConfig({});
    const { deps, log } = fakeDependencies({ runProgram: true });
    const result = await createEmbeddingApi(deps).up({
      stack: STACK,
      region: String(file["aws:region"]),
      config: projectKeys(file) as PodPacketForwardingConfig,
      env: { PULUMI_CONFIG_PASSPHRASE: "test" },
      home: tmp,
    });
    const written = Object.fromEntries(Object.entries(log.config).map(([k, v]) => [k, v.value]));
    return { graph: graphOf(e.recorder.resources, parents), outputs: result.outputs, written };
  }

  async function viaPlan(file: Record<string, unknown>): Promise<Run> {
    const stackFile = path.join(tmp, "Pulumi.test.yaml");
    fs.writeFileSync(stackFile, YAML.stringify({ config: file }));
    const inputs = planInputs({ config: stackFile }, tmp);
    assert.deepEqual(inputs.notes, [], "the plan ran the config as it is");
    const result = await runPlan(inputs, { stack: STACK });
    return { graph: graphOf(result.resources, result.parents), outputs: result.outputs };
  }

  async function viaPlugin(file: Record<string, unknown>): Promise<Run> {
    const { engine: e, parents } = await start();
    const { provider } = await pluginHost();
    const result = await provider.construct(
      STACK_COMPONENT_NAME,
      PodPacketForwardingType,
      projectKeys(file),
      {},
    );
    const state = result.state as Record<string, unknown>;
    const outputs = (await resolved(Object.fromEntries(OUTPUT_KEYS.map((k) => [k, state[k]])))) as Record<
      string,
      unknown
    >;
    await settle();
    return { graph: graphOf(e.recorder.resources, parents), outputs };
  }

  function assertSame(runs: Record<string, Run>): void {
    const [[firstName, first], ...rest] = Object.entries(runs);
    for (const [name, run] of rest) {
      assert.deepEqual(
        run.graph.map((n) => n.urn),
        first.graph.map((n) => n.urn),
        `${name} registered other resources than ${firstName}`,
      );
      assert.deepEqual(
        run.graph,
        first.graph,
        `${name} registered other inputs or parents than ${firstName}`,
      );
      const defined = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
      assert.deepEqual(
        defined(run.outputs),
        defined(first.outputs),
        `${name} reported other outputs than ${firstName}`,
      );
    }
  }

  it("for a production-like stack: several sensors, mirroring to an NLB, tags", async () => {
    const file = {
      "aws:region": "us-east-1",
      [`${PROJECT}:clusterName`]: SAMPLE_CLUSTER,
      [`${PROJECT}:sensorIps`]: ["10.20.200.10", "10.20.200.11", "10.20.200.12"],
      [`${PROJECT}:sensorPort`]: 2003,
      [`${PROJECT}:rpcapdPackage`]: pkg,
      [`${PROJECT}:mirrorTarget`]: {
        networkLoadBalancerArn:
          "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/extrahop-sensors/50dc6c495c0c9188",
      },
      [`${PROJECT}:mirrorSessionNumber`]: 10,
      [`${PROJECT}:tags`]: { environment: "prod", team: "secops" },
    };
    const stack = await viaStack(file);
    const embedded = await viaEmbedding(file);
    const plan = await viaPlan(file);
    const plugin = await viaPlugin(file);

    // Not vacuous: the agent, the image build and the mirroring with its reconcile.
    const types = new Set(stack.graph.map((n) => n.type));
    for (const t of [
      PodPacketForwardingType,
      "aws:ecr/repository:Repository",
      "docker:index/image:Image",
      "aws:ec2/trafficMirrorTarget:TrafficMirrorTarget",
      "aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule",
      "aws:lambda/invocation:Invocation",
      "kubernetes:apps/v1:DaemonSet",
    ]) {
      assert.ok(types.has(t), `the stack path registered no ${t}`);
    }
    assert.ok(stack.graph.length >= 20, `only ${stack.graph.length} resources`);
    assert.ok(
      (stack.outputs.mirroredEnis as string[]).length > 0,
      "the reconcile mirrored the sample's nodes",
    );
    const daemonSet = stack.graph.find((n) => n.type === "kubernetes:apps/v1:DaemonSet") as Node;
    assert.match(
      daemonSet.parent,
      /::pod-packet-forwarding:index:PodPacketForwarding::pod-packet-forwarding$/,
    );
    // The embedding path really went through the stack config: the API wrote what the stack file holds.
    assert.deepEqual(embedded.written, asCliConfig(file));

    assertSame({ stack, embedded, plan, plugin });
  });

  it("for a minimal stack with a prebuilt image and a kubeconfig secret; a one-value difference shows", async () => {
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n";
    const file = {
      "aws:region": "us-east-1",
      [`${PROJECT}:clusterName`]: SAMPLE_CLUSTER,
      [`${PROJECT}:sensorIps`]: ["10.0.200.10"],
      [`${PROJECT}:agentImage`]: `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`,
      [`${PROJECT}:kubeconfig`]: kubeconfig,
    };
    const stack = await viaStack(file);
    const runs = {
      stack,
      embedded: await viaEmbedding(file),
      plan: await viaPlan(file),
      plugin: await viaPlugin(file),
    };
    const provider = stack.graph.find((n) => n.type === "pulumi:providers:kubernetes") as Node;
    assert.equal(provider.inputs.kubeconfig, kubeconfig);
    assert.equal(stack.graph.filter((n) => n.type.startsWith("aws:ec2/trafficMirror")).length, 0);
    assertSame(runs);

    const other = await viaPlugin({ ...file, [`${PROJECT}:sensorPort`]: 2004 });
    assert.deepEqual(
      other.graph.map((n) => n.urn),
      stack.graph.map((n) => n.urn),
    );
    assert.throws(() => assertSame({ stack, other }), /other inputs or parents/);
  });
});
