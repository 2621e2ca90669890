import { strict as assert } from "node:assert";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient } from "@aws-sdk/client-eks";
import { resolveClusterNetwork, type AwsClients } from "../components/network/eksNetwork";
import { ConfigError, parseStackConfig } from "../components/config";
import { installFakeAws, type FakeAws } from "../harness/aws/fakeAws";
import { sampleWorld } from "../harness/aws/sampleCluster";
import type { AwsWorld } from "../harness/aws/world";

describe("cluster network lookup (fake EKS/EC2 APIs)", () => {
  let world: AwsWorld;
  let fake: FakeAws;
  let clients: AwsClients;
  beforeEach(() => {
    world = sampleWorld();
    fake = installFakeAws(world);
    clients = {
      region: "us-east-1",
      eks: new EKSClient({ region: "us-east-1" }),
      ec2: new EC2Client({ region: "us-east-1" }),
    };
  });
  afterEach(() => fake.restore());

  const config = (extra: Record<string, unknown> = {}) =>
    parseStackConfig({ clusterName: "demo", sensorIps: ["10.0.200.10"], rpcapdPackage: "x.deb", ...extra });

  it("takes PODNET from every associated VPC CIDR (custom networking included) and SVCNET from DescribeCluster", async () => {
    const net = await resolveClusterNetwork(config(), clients);
    // 10.1.0.0/16 is disassociated in the sample VPC and must not appear
    assert.deepEqual(net.podCidrs, ["10.0.0.0/16", "100.64.0.0/16"]);
    assert.deepEqual(net.serviceCidrs, ["172.20.0.0/16"]);
    assert.equal(net.vpcId, "vpc-0a1b2c3d4e5f60718");
    assert.equal(net.podCidrsSource, "lookup");
    assert.equal(net.apiServer?.endpoint, world.clusters[0].endpoint);
    assert.equal(fake.calls.DescribeCluster, 1);
    assert.equal(fake.calls.DescribeVpcs, 1);
  });

  it("lets overrides win over the lookups", async () => {
    const net = await resolveClusterNetwork(
      config({ podCidrs: ["100.64.0.0/17", "100.64.128.0/17"], serviceCidrs: ["10.100.0.0/16"] }),
      clients,
    );
    assert.deepEqual(net.podCidrs, ["100.64.0.0/16"]);
    assert.deepEqual(net.serviceCidrs, ["10.100.0.0/16"]);
    assert.equal(net.serviceCidrsSource, "config");
    assert.deepEqual(net.vpcCidrs, ["10.0.0.0/16", "100.64.0.0/16"]);
  });

  it("rejects an unknown cluster with AWS's own words and the region", async () => {
    await assert.rejects(
      resolveClusterNetwork(config({ clusterName: "prod-eu" }), clients),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /clusterName: "prod-eu" is not an EKS cluster in us-east-1 \(AWS: No cluster found for name: prod-eu\.\)/,
        );
        return true;
      },
    );
  });

  it("rejects an IPv6 cluster as not supported yet", async () => {
    world.clusters[0].kubernetesNetworkConfig = { ipFamily: "ipv6", serviceIpv6Cidr: "fd8c:3a4b:2c1d::/108" };
    await assert.rejects(resolveClusterNetwork(config(), clients), /IPv6 cluster .*not supported yet/);
  });

  it("rejects overlapping pod and service ranges, naming both", async () => {
    await assert.rejects(
      resolveClusterNetwork(config({ serviceCidrs: ["10.0.128.0/20"] }), clients),
      /podCidrs\/serviceCidrs: pod range 10\.0\.0\.0\/16 \(VPC lookup\) overlaps service range 10\.0\.128\.0\/20 \(config\)/,
    );
  });

  it("needs no AWS at all for a self-managed cluster given by its ranges", async () => {
    fake.restore();
    const c = parseStackConfig({
      sensorIps: ["192.168.50.5"],
      podCidrs: ["10.244.0.0/16"],
      serviceCidrs: ["10.96.0.0/12"],
      rpcapdPackage: "x.deb",
    });
    const net = await resolveClusterNetwork(c, clients);
    assert.deepEqual(
      [net.podCidrs, net.serviceCidrs, net.apiServer],
      [["10.244.0.0/16"], ["10.96.0.0/12"], undefined],
    );
    fake = installFakeAws(world);
  });
});
