/**
 * PodPacketForwarding for an existing EKS cluster given by name, under Pulumi mocks whose invokes answer from the
 * sample account: the lookups go through the AWS provider (the default one, or the one passed in), the agent's env
 * comes from them, and every argument problem is reported before any child exists.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PodPacketForwarding } from "../../components";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import type { AwsWorld } from "../../harness/aws/world";
import {
  installPulumiMocks,
  settle,
  type MockRecorder,
  type RecordedResource,
} from "../../harness/pulumi/mocks";
import { settled, valueOf } from "../../harness/pulumi/outputs";

describe("PodPacketForwarding: an existing EKS cluster by name", function () {
  this.timeout(60000);
  let world: AwsWorld;
  let recorder: MockRecorder;
  let tmp: string;
  let pkg: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-named-"));
    pkg = path.join(tmp, "rpcapd_9.6.0_amd64.deb");
    fs.writeFileSync(pkg, "!<arch>\ndebian-binary   stand-in\n");
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  beforeEach(async () => {
    world = sampleWorld();
    recorder = await installPulumiMocks(world);
  });

  const ofType = (type: string): RecordedResource[] => recorder.resources.filter((r) => r.type === type);
  const customChildren = () => recorder.resources.filter((r) => !r.type.startsWith("pod-packet-forwarding:"));

  it("computes PODNET from the VPC's CIDR blocks and SVCNET from the cluster, through the provider's invokes", async () => {
    const ppf = new PodPacketForwarding("ppf", {
      cluster: "demo",
      sensorIps: ["10.0.200.10"],
      rpcapdPackage: pkg,
    });
    assert.deepEqual(await valueOf(ppf.agentEnvironment), {
      AGENT_NAMESPACE: "extrahop",
      EXTRAHOP_SENSOR_IP: "10.0.200.10",
      RPCAPD_TARGET_PORT: "2003",
      PODNET: "10.0.0.0/16,100.64.0.0/16",
      SVCNET: "172.20.0.0/16",
      VPC_MIRRORING: "false",
    });
    assert.deepEqual(await valueOf(ppf.networkSources), {
      pods: [
        {
          range: "10.0.0.0/16",
          from: "VPC vpc-0a1b2c3d4e5f60718 associated CIDR block (pods take VPC addresses with the Amazon VPC CNI)",
        },
        {
          range: "100.64.0.0/16",
          from: "VPC vpc-0a1b2c3d4e5f60718 associated CIDR block (pods take VPC addresses with the Amazon VPC CNI)",
        },
      ],
      services: [
        { range: "172.20.0.0/16", from: "EKS cluster demo kubernetesNetworkConfig.serviceIpv4Cidr" },
      ],
    });
    await settle();
    const tokens = recorder.invokes.map((i) => i.token);
    assert.ok(tokens.includes("aws:eks/getCluster:getCluster"));
    assert.ok(tokens.includes("aws:ec2/getVpc:getVpc"));
    const ds = ofType("kubernetes:apps/v1:DaemonSet")[0];
    const env = (
      ds.inputs as {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
      }
    ).spec.template.spec.containers[0].env;
    assert.equal(env.find((e) => e.name === "PODNET")?.value, "10.0.0.0/16,100.64.0.0/16");
    // The kubeconfig built from the lookup authenticates with the AWS CLI; no token lands in the state.
    const k8sProvider = ofType("pulumi:providers:kubernetes")[0];
    assert.match(String(k8sProvider.inputs.kubeconfig), /get-token/);
    assert.match(
      String(k8sProvider.inputs.kubeconfig),
      /https:\/\/[0-9A-F]+\.gr7\.us-east-1\.eks\.amazonaws\.com/,
    );
  });

  it("sends every AWS lookup and resource through the provider passed in the resource options", async () => {
    const prod = new aws.Provider("prod", {
      region: "us-east-1",
      assumeRoles: [
        {
          roleArn: "arn:aws:iam::444455556666:role/extrahop-deployer",
          externalId: "ppf",
          sessionName: "ppf-up",
        },
      ],
    });
    const ppf = new PodPacketForwarding(
      "ppf",
      { cluster: "demo", sensorIps: ["10.0.200.10"], rpcapdPackage: pkg },
      { providers: { aws: prod } },
    );
    await valueOf(ppf.podCidrs);
    await settle();
    const prodUrn = await valueOf(prod.urn);
    const awsInvokes = recorder.invokes.filter((i) => i.token.startsWith("aws:"));
    assert.ok(awsInvokes.length >= 3, `expected the lookups, got ${awsInvokes.map((i) => i.token)}`);
    for (const i of awsInvokes) {
      assert.ok(i.provider?.startsWith(`${prodUrn}::`), `${i.token} went through ${i.provider}`);
    }
    for (const r of recorder.resources.filter((x) => x.type.startsWith("aws:"))) {
      assert.ok(r.provider?.startsWith(`${prodUrn}::`), `${r.type} ${r.name} registered with ${r.provider}`);
    }
  });

  it("configures the sensors given by their REST API before the agents roll out", async () => {
    const ppf = new PodPacketForwarding("ppf", {
      cluster: "demo",
      sensorIps: ["10.0.200.10"],
      rpcapdPackage: pkg,
      sensorApis: [
        { apiUrl: "https://sensor.example.com", apiKey: pulumi.secret("key-1"), addToRemoteDiscovery: true },
      ],
    });
    assert.deepEqual(await valueOf(ppf.sensorSteps), [
      "Configured through the sensor's REST API: RPCAP on, a packet-forwarding rule on port 2003 for " +
        "10.0.0.0/16, 100.64.0.0/16, running config saved (only what was added is removed on destroy).",
    ]);
    await settle();
    const sensor = recorder.resources.find(
      (r) => r.type === "pulumi-nodejs:dynamic/pod-packet-forwarding:SensorConfiguration",
    );
    assert.equal(sensor?.name, "ppf-sensor-0");
    assert.deepEqual(sensor?.inputs.forwardingRules, [
      { interfaceAddress: "10.0.0.0/16", port: 2003 },
      { interfaceAddress: "100.64.0.0/16", port: 2003 },
    ]);
    assert.deepEqual(sensor?.inputs.remoteDiscoveryCidrs, ["10.0.0.0/16", "100.64.0.0/16"]);
    assert.equal(sensor?.inputs.apiUrl, "https://sensor.example.com");
  });

  it("builds no AWS SDK client of its own: no HTTP request reaches an AWS endpoint during the program", async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
    try {
      const ppf = new PodPacketForwarding("ppf", {
        cluster: "demo",
        sensorIps: ["10.0.200.10"],
        rpcapdPackage: pkg,
      });
      await valueOf(ppf.podCidrs);
      await settle();
    } finally {
      // Assigning undefined would store the string "undefined", a bad endpoint for every later SDK client.
      if (saved === undefined) {
        delete process.env.AWS_ENDPOINT_URL;
      } else {
        process.env.AWS_ENDPOINT_URL = saved;
      }
      server.close();
    }
    assert.deepEqual(requests, []);
  });

  it("rejects every bad value at once, naming each argument, before any child exists", () => {
    let err: unknown;
    try {
      new PodPacketForwarding("ppf", {
        cluster: "demo",
        sensorIps: ["10.0.200.10", "10.0.200.256"],
        sensorPort: 70000,
        mirrorSessionNumber: 0,
        tolerations: [{ operator: "Maybe" }],
        rpcapdPackage: path.join(tmp, "missing.deb"),
      });
    } catch (e) {
      err = e;
    }
    assert.ok(pulumi.InputPropertiesError.isInstance(err), String(err));
    const errors = (err as pulumi.InputPropertiesError).errors.map((e) => `${e.propertyPath}: ${e.reason}`);
    assert.deepEqual(errors.map((e) => e.split(":")[0]).sort(), [
      "mirrorSessionNumber",
      "rpcapdPackage",
      "sensorIps[1]",
      "sensorPort",
      "tolerations[0].operator",
    ]);
    assert.ok(errors.includes("sensorPort: 70000 must be between 1 and 65535"), errors.join("\n"));
    // Not even the component itself is registered.
    assert.deepEqual(recorder.resources, []);
  });

  it("refuses an rpcapd package built for another architecture than the image, at preview", () => {
    const root = path.join(tmp, "debroot");
    fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
    fs.mkdirSync(path.join(root, "usr", "sbin"), { recursive: true });
    fs.writeFileSync(path.join(root, "usr", "sbin", "rpcapd"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(
      path.join(root, "DEBIAN", "control"),
      "Package: rpcapd\nVersion: 9.6.0\nArchitecture: amd64\nMaintainer: test <t@example.com>\nDescription: stand-in\n",
    );
    const deb = path.join(tmp, "rpcapd_9.6.0_amd64-real.deb");
    execFileSync("dpkg-deb", ["-Zgzip", "--build", "--root-owner-group", root, deb], { stdio: "ignore" });
    assert.throws(
      () =>
        new PodPacketForwarding("ppf", {
          cluster: "demo",
          sensorIps: ["10.0.200.10"],
          rpcapdPackage: deb,
          imagePlatform: "linux/arm64",
        }),
      (err: unknown) => {
        const e = (err as pulumi.InputPropertiesError).errors;
        assert.equal(e.length, 1);
        assert.equal(e[0].propertyPath, "imagePlatform");
        assert.match(e[0].reason, /is built for amd64 .* but the image platform is linux\/arm64/);
        return true;
      },
    );
    assert.deepEqual(recorder.resources, []);
  });

  it("fails on a cluster the provider cannot find, naming the argument, and registers no child", async () => {
    const ppf = new PodPacketForwarding("ppf", {
      cluster: "nope",
      sensorIps: ["10.0.200.10"],
      rpcapdPackage: pkg,
    });
    const s = await settled(ppf.podCidrs);
    assert.ok("error" in s);
    assert.ok(pulumi.InputPropertiesError.isInstance(s.error), String(s.error));
    assert.match(
      s.error.message,
      /cluster: "nope" could not be read through the AWS provider \(invocation of aws:eks\/getCluster:getCluster returned an error: reading EKS Cluster \(nope\): couldn't find resource\)/,
    );
    await settle();
    assert.deepEqual(customChildren(), []);
  });

  it("refuses an IPv6 cluster and overlapping ranges with messages naming where each range came from", async () => {
    world.clusters[0].kubernetesNetworkConfig = { ipFamily: "ipv6", serviceIpv6Cidr: "fd12:3456::/108" };
    const v6 = new PodPacketForwarding("v6", {
      cluster: "demo",
      sensorIps: ["10.0.200.10"],
      rpcapdPackage: pkg,
    });
    const a = await settled(v6.podCidrs);
    assert.ok("error" in a && /IPv6 clusters are not supported yet/.test(a.error.message));
    world.clusters[0].kubernetesNetworkConfig = { ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" };
    const overlap = new PodPacketForwarding("overlap", {
      cluster: "demo",
      sensorIps: ["10.0.200.10"],
      serviceCidrs: ["10.0.128.0/20"],
      rpcapdPackage: pkg,
    });
    const b = await settled(overlap.podCidrs);
    assert.ok("error" in b);
    assert.match(
      b.error.message,
      /pod range 10\.0\.0\.0\/16 \(VPC vpc-0a1b2c3d4e5f60718 associated CIDR block/,
    );
    assert.match(b.error.message, /service range 10\.0\.128\.0\/20 \(config serviceCidrs\)/);
  });
});
