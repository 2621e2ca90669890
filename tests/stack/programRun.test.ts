/**
 * `pulumi up` on the shipped stacks, minus the CLI: the config the CLI would hand the program (its rules ported in
 * harness/pulumiCli: project defaults merged, values as the Node.js language host serialises them in
 * PULUMI_CONFIG, secrets decrypted and listed in PULUMI_CONFIG_SECRET_KEYS) is installed with `setAllConfig` under
 * the Pulumi mocks, then `index.ts` is imported (after the mocks, so its resources reach them) and its default
 * export run from the project folder, as the language host runs it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { installFakeAws, type FakeAws } from "../../harness/aws/fakeAws";
import {
  installPulumiMocks,
  settle,
  type MockRecorder,
  type RecordedResource,
} from "../../harness/pulumi/mocks";
import { nodeLanguageHostEnvironment, type ProgramConfig } from "../../harness/pulumiCli/programConfig";
import { stackConfiguration } from "../../harness/pulumiCli/stackConfiguration";
import { worldWithCluster } from "./clusterWorld";
import { inFolder, makeProjectFolder } from "./projectFolder";
import {
  MINIMAL_STACK,
  OWN_KUBECONFIG,
  PROJECT,
  projectText,
  prodWithEncryptedKubeconfig,
  shippedStacks,
  type StackFixture,
} from "./stackFiles";

/** What the run left: the resources the mocks saw and the stack outputs, resolved. */
interface StackRun {
  recorder: MockRecorder;
  outputs: Record<string, unknown>;
  program: ProgramConfig;
}

/** The stack outputs with every Output inside resolved (mocks, not preview: all are known). */
function resolved(value: unknown): Promise<Record<string, unknown>> {
  const outputs = pulumi.output(value as pulumi.Input<Record<string, unknown>>);
  return new Promise((resolve) => outputs.apply((v) => resolve(v as Record<string, unknown>)));
}

describe("the program under the config the Pulumi CLI passes (index.ts, Pulumi mocks)", function () {
  this.timeout(120000);
  let folder: string;
  let fake: FakeAws | undefined;

  before(async () => {
    folder = await makeProjectFolder();
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  afterEach(() => {
    fake?.restore();
    fake = undefined;
    pulumi.runtime.setAllConfig({});
  });

  async function up(fixture: StackFixture): Promise<StackRun> {
    const { program } = await stackConfiguration({
      projectText: projectText(),
      stackName: fixture.stack,
      stackText: fixture.text,
      passphrase: fixture.passphrase,
    });
    const world = worldWithCluster(program.config[`${PROJECT}:clusterName`]);
    fake = installFakeAws(world);
    const recorder = await installPulumiMocks(world, { project: PROJECT, stack: fixture.stack });
    // What the Node.js language host puts in the program's environment, read back by @pulumi/pulumi.
    const env = nodeLanguageHostEnvironment(program);
    pulumi.runtime.setAllConfig(
      JSON.parse(env.PULUMI_CONFIG) as Record<string, string>,
      JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS) as string[],
    );
    const outputs = await inFolder(folder, async () => {
      const main = (await import("../../index")).default as unknown as () => Promise<unknown>;
      const result = await resolved(await main());
      await settle();
      return result;
    });
    return { recorder, outputs, program };
  }

  const ofType = (run: StackRun, type: string): RecordedResource[] =>
    run.recorder.resources.filter((r) => r.type === type);
  const one = (run: StackRun, type: string): RecordedResource => {
    const found = ofType(run, type);
    assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
    return found[0];
  };
  type Container = { env: { name: string; value?: string }[] };
  const agentEnv = (run: StackRun): Record<string, string | undefined> => {
    const ds = one(run, "kubernetes:apps/v1:DaemonSet").inputs as {
      metadata: { namespace: string };
      spec: { template: { spec: { containers: Container[] } } };
    };
    return Object.fromEntries(ds.spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));
  };
  const sensorsOf = (run: StackRun) =>
    (JSON.parse(run.program.config[`${PROJECT}:sensorIps`]) as string[]).join(",");

  for (const fixture of [...shippedStacks(), MINIMAL_STACK]) {
    it(`${fixture.source}: deploys the agent with the stack's sensors and the project's defaults`, async () => {
      const run = await up(fixture);
      one(run, "pod-packet-forwarding:index:PodPacketForwarding");
      const env = agentEnv(run);
      assert.equal(env.EXTRAHOP_SENSOR_IP, sensorsOf(run));
      assert.equal(env.RPCAPD_TARGET_PORT, "2003");
      assert.equal(env.PODNET, "10.0.0.0/16,100.64.0.0/16");
      assert.equal(env.SVCNET, "172.20.0.0/16");
      const ds = one(run, "kubernetes:apps/v1:DaemonSet").inputs as { metadata: { namespace: string } };
      assert.equal(ds.metadata.namespace, "extrahop");
      // The stack output reports what the agent runs with.
      for (const [name, value] of Object.entries(run.outputs.agentEnvironment as Record<string, string>)) {
        assert.equal(env[name], value, name);
      }
      const mirrored = run.program.config[`${PROJECT}:mirrorTarget`] !== undefined;
      assert.equal(env.VPC_MIRRORING, String(mirrored));
      assert.equal(ofType(run, "aws:ec2/trafficMirrorTarget:TrafficMirrorTarget").length, mirrored ? 1 : 0);
    });
  }

  it("Pulumi.prod.example.yaml: mirrors to the stack's NLB and tags the AWS resources with the stack's tags", async () => {
    const prod = shippedStacks().find((s) => s.source === "Pulumi.prod.example.yaml") as StackFixture;
    const run = await up(prod);
    const target = one(run, "aws:ec2/trafficMirrorTarget:TrafficMirrorTarget");
    const nlb = (
      JSON.parse(run.program.config[`${PROJECT}:mirrorTarget`]) as { networkLoadBalancerArn: string }
    ).networkLoadBalancerArn;
    assert.equal(target.inputs.networkLoadBalancerArn, nlb);
    for (const type of ["aws:ecr/repository:Repository", "aws:ec2/trafficMirrorTarget:TrafficMirrorTarget"]) {
      const tags = one(run, type).inputs.tags as Record<string, string>;
      assert.equal(tags.environment, "prod", type);
      assert.equal(tags.team, "secops", type);
      assert.equal(tags["cost-center"], "4711", type);
    }
  });

  it("a kubeconfig the passphrase provider encrypted in the stack file is what the Kubernetes provider deploys with", async () => {
    const run = await up(await prodWithEncryptedKubeconfig());
    assert.deepEqual(run.program.secretKeys, [`${PROJECT}:kubeconfig`]);
    const providers = ofType(run, "pulumi:providers:kubernetes");
    assert.ok(providers.length > 0, "no Kubernetes provider");
    for (const provider of providers) {
      assert.equal(provider.inputs.kubeconfig, OWN_KUBECONFIG);
    }
  });
});
