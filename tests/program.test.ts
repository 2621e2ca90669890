/**
 * The program end to end under Pulumi mocks and the fake AWS APIs: the resources it registers and the exact
 * values it computes for the sample cluster.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient } from "@aws-sdk/client-eks";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { installFakeAws, type FakeAws } from "../harness/aws/fakeAws";
import {
  installPulumiMocks,
  settle,
  type MockRecorder,
  type RecordedResource,
} from "../harness/pulumi/mocks";
import { sampleWorld } from "../harness/aws/sampleCluster";
import type { AwsWorld } from "../harness/aws/world";
import type { StackOutputs } from "../program";

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe("program (Pulumi mocks + fake AWS)", function () {
  this.timeout(120000);
  let world: AwsWorld;
  let fake: FakeAws;
  let recorder: MockRecorder;
  let tmp: string;
  let program: typeof import("../program");

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-program-"));
    fs.writeFileSync(path.join(tmp, "rpcapd_9.6.0_amd64.deb"), "!<arch>\ndebian-binary   stand-in\n");
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  beforeEach(async () => {
    world = sampleWorld();
    fake = installFakeAws(world);
    recorder = await installPulumiMocks(world);
    // Imported after setMocks, so resources register with the mock monitor.
    program = await import("../program");
  });
  afterEach(() => fake.restore());

  const baseConfig = {
    clusterName: "demo",
    sensorIps: ["10.0.200.10", "10.0.200.11"],
    rpcapdPackage: "rpcapd_9.6.0_amd64.deb",
  };
  async function run(raw: Record<string, unknown>): Promise<StackOutputs> {
    const clients = {
      region: world.region,
      eks: new EKSClient({ region: world.region }),
      ec2: new EC2Client({ region: world.region }),
    };
    const outputs = await program.podPacketForwardingProgram(raw, {
      clients,
      projectDir: tmp,
      stagingRoot: path.join(tmp, "stage"),
    });
    await promiseOf(outputs.agentImage);
    await settle();
    return outputs;
  }
  const ofType = (type: string): RecordedResource[] => recorder.resources.filter((r) => r.type === type);
  const one = (type: string): RecordedResource => {
    const found = ofType(type);
    assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
    return found[0];
  };

  it("computes PODNET/SVCNET from the lookup and deploys the agent DaemonSet with them", async () => {
    const out = await run(baseConfig);
    assert.deepEqual(out.agentEnvironment, {
      EXTRAHOP_SENSOR_IP: "10.0.200.10,10.0.200.11",
      RPCAPD_TARGET_PORT: "2003",
      PODNET: "10.0.0.0/16,100.64.0.0/16",
      SVCNET: "172.20.0.0/16",
      VPC_MIRRORING: "false",
    });
    const ds = one("kubernetes:apps/v1:DaemonSet").inputs as {
      metadata: { name: string; namespace: string; labels: Record<string, string> };
      spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };
    assert.equal(ds.metadata.name, "extrahop-rpcapd");
    assert.equal(ds.metadata.namespace, "extrahop");
    assert.equal(ds.metadata.labels.component, "extrahop-rpcapd");
    const pod = ds.spec.template.spec;
    assert.equal(pod.hostNetwork, true);
    const container = pod.containers[0] as {
      image: string;
      env: { name: string; value?: string }[];
      securityContext: { privileged: boolean; capabilities: { add: string[]; drop: string[] } };
      resources: unknown;
      readinessProbe: unknown;
    };
    const env = Object.fromEntries(
      container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    );
    assert.deepEqual(env, { ...out.agentEnvironment, AGENT_NAMESPACE: "extrahop" });
    assert.ok(
      container.env.some((e) => e.name === "NODE_NAME"),
      "NODE_NAME from the downward API",
    );
    assert.equal(container.securityContext.privileged, false);
    assert.deepEqual(container.securityContext.capabilities, {
      drop: ["ALL"],
      add: ["NET_ADMIN", "NET_RAW"],
    });
    assert.ok(container.resources && container.readinessProbe);
    // The image is referenced by digest, from the ECR repository the program created.
    const repo = one("aws:ecr/repository:Repository");
    assert.match(container.image, new RegExp(`^${String(repo.state.repositoryUrl)}@sha256:[0-9a-f]{64}$`));
    assert.equal(await promiseOf(out.agentImage), container.image);
    const affinity = JSON.stringify(pod.affinity);
    assert.ok(affinity.includes('"key":"extrahop/norpcapd","operator":"DoesNotExist"'), affinity);
    assert.ok(affinity.includes('"key":"kubernetes.io/arch","operator":"In","values":["amd64"]'), affinity);
    assert.deepEqual(out.mirroredEnis, []);
    assert.equal(
      ofType("aws:ec2/trafficMirrorTarget:TrafficMirrorTarget").length,
      0,
      "no mirroring without mirrorTarget",
    );
  });

  it("deploys with a kubeconfig built from DescribeCluster that authenticates with aws eks get-token", async () => {
    await run(baseConfig);
    const provider = one("pulumi:providers:kubernetes");
    const kubeconfig = YAML.parse(String(provider.inputs.kubeconfig)) as {
      clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
      users: { user: { exec: { command: string; args: string[] } } }[];
    };
    assert.equal(kubeconfig.clusters[0].cluster.server, world.clusters[0].endpoint);
    assert.equal(
      kubeconfig.clusters[0].cluster["certificate-authority-data"],
      world.clusters[0].certificateAuthority?.data,
    );
    assert.deepEqual(kubeconfig.users[0].user.exec.command, "aws");
    assert.deepEqual(kubeconfig.users[0].user.exec.args, [
      "eks",
      "get-token",
      "--cluster-name",
      "demo",
      "--region",
      "us-east-1",
      "--output",
      "json",
    ]);
    for (const r of recorder.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      assert.ok(r.inputs.metadata, `${r.type} has metadata`);
    }
  });

  it("creates an ECR repository with scan on push, immutable tags, a lifecycle policy, and pushes with ECR credentials", async () => {
    await run(baseConfig);
    const repo = one("aws:ecr/repository:Repository").inputs as Record<string, unknown>;
    assert.equal(repo.imageTagMutability, "IMMUTABLE");
    assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
    const policy = JSON.parse(String(one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy));
    assert.equal(policy.rules[0].selection.countType, "imageCountMoreThan");
    const image = one("docker:index/image:Image").inputs as {
      imageName: string;
      build: { context: string; args: Record<string, string>; platform: string };
      registry: { username: string; server: string };
    };
    assert.match(image.imageName, /:agent-[0-9a-f]{16}$/);
    assert.equal(image.build.args.RPCAPD_PACKAGE, "vendor/rpcapd_9.6.0_amd64.deb");
    assert.ok(fs.existsSync(path.join(image.build.context, "vendor", "rpcapd_9.6.0_amd64.deb")));
    assert.equal(image.build.platform, "linux/amd64");
    assert.equal(image.registry.username, "AWS");
    assert.ok(
      recorder.invokes.some((i) => i.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken"),
    );
  });

  it("mirrors every interface ENI of the running workers and skips what AWS cannot mirror", async () => {
    const out = await run({
      ...baseConfig,
      mirrorTarget: {
        networkLoadBalancerArn:
          "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/sensors/0123456789abcdef",
      },
    });
    const expectedEnis = world.instances
      .filter(
        (i) =>
          i.State?.Name === "running" &&
          i.Tags?.some((t) => t.Key === "eks:cluster-name" && t.Value === "demo") &&
          i.InstanceType !== "t2.medium",
      )
      .flatMap((i) =>
        (i.NetworkInterfaces ?? [])
          .filter((n) => n.InterfaceType === "interface")
          .map((n) => n.NetworkInterfaceId),
      );
    // node 1: primary + 1 secondary, node 2: primary + 2, node 3: primary + 1 (its trunk ENI is not mirrorable)
    assert.equal(expectedEnis.length, 7);
    assert.deepEqual([...out.mirroredEnis].sort(), [...expectedEnis].sort());
    assert.deepEqual(out.skippedMirrorSources.map((s) => [s.instanceType, s.reason]).sort(), [
      ["m5.2xlarge", "not-interface-type"],
      ["t2.medium", "unsupported-instance-type"],
    ]);
    assert.equal(out.agentEnvironment.VPC_MIRRORING, "true");
    const target = one("aws:ec2/trafficMirrorTarget:TrafficMirrorTarget").inputs;
    assert.equal(
      target.networkLoadBalancerArn,
      "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/sensors/0123456789abcdef",
    );
    const filter = one("aws:ec2/trafficMirrorFilter:TrafficMirrorFilter");
    const rules = ofType("aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule");
    assert.ok(rules.length > 0 && rules.length <= 10, `rules: ${rules.length}`);
    for (const r of rules) {
      assert.equal(r.inputs.trafficMirrorFilterId, filter.id);
    }
    // the sensors' traffic is excluded in both directions before anything is accepted
    for (const dir of ["egress", "ingress"]) {
      const first = rules
        .filter((r) => r.inputs.trafficDirection === dir)
        .sort((a, b) => Number(a.inputs.ruleNumber) - Number(b.inputs.ruleNumber))[0];
      assert.equal(first.inputs.ruleAction, "reject", `${dir} starts with the sensor exclusion`);
    }
    // sessions belong to the reconciler, never to Pulumi
    assert.equal(ofType("aws:ec2/trafficMirrorSession:TrafficMirrorSession").length, 0);
    assert.equal(ofType("aws:lambda/invocation:Invocation").length, 1);
  });

  it("rejects a missing rpcapd package before registering anything", async () => {
    await assert.rejects(
      run({ ...baseConfig, rpcapdPackage: "nope/rpcapd.deb" }),
      /rpcapdPackage: "nope\/rpcapd.deb" does not exist/,
    );
    assert.equal(recorder.resources.length, 0);
  });

  it("rejects an unknown cluster and an IPv6 cluster before registering anything", async () => {
    await assert.rejects(
      run({ ...baseConfig, clusterName: "prod" }),
      /clusterName: "prod" is not an EKS cluster in us-east-1/,
    );
    world.clusters[0].kubernetesNetworkConfig = { ipFamily: "ipv6", serviceIpv6Cidr: "fd8c:3a4b:2c1d::/108" };
    await assert.rejects(run(baseConfig), /not supported yet/);
    assert.equal(recorder.resources.length, 0);
  });

  it("rejects a cluster without endpoint (still creating) unless a kubeconfig is given", async () => {
    delete world.clusters[0].endpoint;
    await assert.rejects(run(baseConfig), /clusterName: cluster "demo" reports no API endpoint or CA yet/);
    assert.equal(recorder.resources.length, 0);
  });

  it("uses a prebuilt image without creating a repository", async () => {
    const image = `registry.example.com/extrahop/rpcapd@sha256:${"b".repeat(64)}`;
    const out = await run({ clusterName: "demo", sensorIps: ["10.0.200.10"], agentImage: image });
    assert.equal(await promiseOf(out.agentImage), image);
    assert.equal(ofType("aws:ecr/repository:Repository").length, 0);
  });
});
