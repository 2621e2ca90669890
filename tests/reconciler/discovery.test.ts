/**
 * discoverFleet against the sample account (fake EC2): exact ENI ids and skips, membership tags, paging.
 */
import { strict as assert } from "node:assert";
import { EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { classifyFleet } from "../../lambda/reconciler/fleet/eligibility";
import { discoverFleet } from "../../lambda/reconciler/fleet/discovery";
import {
  DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
  parseUnsupportedInstanceTypes,
  unsupportedMatch,
} from "../../components/contract/mirrorableInstanceTypes";
import { installFakeAws, type FakeAws } from "../../harness/aws/fakeAws";
import { sampleWorld, syntheticFleet } from "../../harness/aws/sampleCluster";
import type { AwsWorld } from "../../harness/aws/world";

const ec2 = () => new EC2Client({ region: "us-east-1" });

describe("discoverFleet (fake EC2, sample account)", () => {
  let world: AwsWorld;
  let fake: FakeAws;
  beforeEach(() => {
    world = sampleWorld();
    fake = installFakeAws(world);
  });
  afterEach(() => fake.restore());

  it("returns every interface ENI of the running demo workers, primary and secondary, in one call", async () => {
    const snap = await discoverFleet(ec2(), { clusterName: "demo" });
    assert.deepEqual(
      snap.sources.map((s) => [
        s.instanceId,
        s.networkInterfaceId,
        s.deviceIndex,
        s.instanceType,
        s.privateIpAddress,
        s.subnetId,
      ]),
      [
        [
          "i-00000000005e1a001",
          "eni-000000000000a0010",
          0,
          "m5.large",
          "10.0.32.11",
          "subnet-0bb22cc33dd44ee55",
        ],
        [
          "i-00000000005e1a001",
          "eni-000000000000a0011",
          1,
          "m5.large",
          "100.64.128.19",
          "subnet-0dd44ee55ff660077",
        ],
        [
          "i-00000000005e1a002",
          "eni-000000000000a0020",
          0,
          "m5.xlarge",
          "10.0.0.12",
          "subnet-0aa11bb22cc33dd44",
        ],
        [
          "i-00000000005e1a002",
          "eni-000000000000a0021",
          1,
          "m5.xlarge",
          "100.64.0.27",
          "subnet-0cc33dd44ee55ff66",
        ],
        [
          "i-00000000005e1a002",
          "eni-000000000000a0022",
          2,
          "m5.xlarge",
          "100.64.0.28",
          "subnet-0cc33dd44ee55ff66",
        ],
        [
          "i-00000000005e1a003",
          "eni-000000000000a0030",
          0,
          "m5.2xlarge",
          "10.0.32.13",
          "subnet-0bb22cc33dd44ee55",
        ],
        [
          "i-00000000005e1a003",
          "eni-000000000000a0031",
          1,
          "m5.2xlarge",
          "100.64.128.35",
          "subnet-0dd44ee55ff660077",
        ],
      ],
    );
    assert.equal(snap.sources[0].attachmentId, "eni-attach-000000000000a0010");
    assert.equal(snap.sources[0].launchTime, "2026-11-02T08:15:00.000Z");
    assert.deepEqual(fake.calls, { DescribeInstances: 1 });
  });

  it("skips the trunk ENI (security groups for pods) and the t2.medium worker, with reasons", async () => {
    const snap = await discoverFleet(ec2(), { clusterName: "demo" });
    assert.deepEqual(
      snap.skipped.map((s) => [s.instanceId, s.instanceType, s.networkInterfaceId, s.reason]),
      [
        ["i-00000000005e1a003", "m5.2xlarge", "eni-000000000000a003f", "not-interface-type"],
        ["i-00000000005e1a004", "t2.medium", undefined, "unsupported-instance-type"],
      ],
    );
    assert.match(snap.skipped[0].detail, /is of type trunk/);
    assert.match(snap.skipped[1].detail, /t2\.medium \(matches unsupported pattern t2\.\*\)/);
  });

  it("skips a worker of a family the AWS guide excludes (c6i) as a whole instance", async () => {
    world.instances[2].InstanceType = "c6i.large";
    const snap = await discoverFleet(ec2(), { clusterName: "demo" });
    assert.deepEqual(
      snap.skipped.map((s) => [s.instanceId, s.networkInterfaceId, s.reason]),
      [
        ["i-00000000005e1a003", undefined, "unsupported-instance-type"],
        ["i-00000000005e1a004", undefined, "unsupported-instance-type"],
      ],
    );
    assert.match(snap.skipped[0].detail, /matches unsupported pattern c6i\.\*/);
  });

  it("a user list replaces the built-in one: [] mirrors the t2 worker too", async () => {
    const snap = await discoverFleet(ec2(), { clusterName: "demo", unsupportedInstanceTypes: [] });
    assert.deepEqual(
      snap.sources.filter((s) => s.instanceId === "i-00000000005e1a004").map((s) => s.networkInterfaceId),
      ["eni-000000000000a0040", "eni-000000000000a0041"],
    );
    assert.deepEqual(
      snap.skipped.map((s) => s.reason),
      ["not-interface-type"],
    );
  });

  it("leaves out the terminated worker, the other cluster's node, the bastion and non-instance ENIs", async () => {
    const snap = await discoverFleet(ec2(), { clusterName: "demo", unsupportedInstanceTypes: [] });
    const instances = new Set([
      ...snap.sources.map((s) => s.instanceId),
      ...snap.skipped.map((s) => s.instanceId),
    ]);
    assert.deepEqual([...instances].sort(), [
      "i-00000000005e1a001",
      "i-00000000005e1a002",
      "i-00000000005e1a003",
      "i-00000000005e1a004",
    ]);
    const enis = snap.sources.map((s) => s.networkInterfaceId);
    for (const excluded of [
      "eni-0bba571000000beef",
      "eni-0c0ffee000000a001",
      "eni-0b0a1a2b3c4d5e6f7",
      "eni-0e0d0c0b0a0908070",
      "eni-0ba4c4b4a4b4c4d4e",
      "eni-000000000000a0090",
    ]) {
      assert.ok(!enis.includes(excluded), `${excluded} must not be a source`);
    }
  });

  it("finds self-managed/Karpenter nodes that carry only kubernetes.io/cluster/<name>", async () => {
    const node = structuredClone(world.instances[0]);
    node.InstanceId = "i-0karpenter0000001";
    node.Tags = [
      { Key: "kubernetes.io/cluster/demo", Value: "owned" },
      { Key: "karpenter.sh/nodepool", Value: "default" },
    ];
    node.NetworkInterfaces = [{ ...node.NetworkInterfaces![0], NetworkInterfaceId: "eni-0karpenter000001" }];
    world.instances.push(node);
    const snap = await discoverFleet(ec2(), { clusterName: "demo" });
    assert.deepEqual(
      snap.sources.filter((s) => s.instanceId === "i-0karpenter0000001").map((s) => s.networkInterfaceId),
      ["eni-0karpenter000001"],
    );
  });

  it("pages with the SDK paginator: calls grow with pages, not nodes", async () => {
    fake.restore();
    fake = installFakeAws(syntheticFleet(2500));
    const snap = await discoverFleet(ec2(), { clusterName: "demo" });
    assert.equal(snap.sources.length, 7500);
    assert.deepEqual(fake.calls, { DescribeInstances: 3 });
    fake.restore();
    fake = installFakeAws(syntheticFleet(12));
    await discoverFleet(ec2(), { clusterName: "demo", pageSize: 5 });
    assert.deepEqual(fake.calls, { DescribeInstances: 3 });
  });
});

describe("eligibility and the unsupported list (pure)", () => {
  it("matches families, bare metal and user globs; leaves supported types alone", () => {
    assert.equal(unsupportedMatch("t2.medium", DEFAULT_UNSUPPORTED_INSTANCE_TYPES), "t2.*");
    assert.equal(unsupportedMatch("m7i-flex.large", DEFAULT_UNSUPPORTED_INSTANCE_TYPES), "m7i-flex.*");
    assert.equal(unsupportedMatch("m5.metal", DEFAULT_UNSUPPORTED_INSTANCE_TYPES), "*.metal*");
    assert.equal(unsupportedMatch("m7i.metal-24xl", DEFAULT_UNSUPPORTED_INSTANCE_TYPES), "m7i.*");
    for (const ok of [
      "m5.large",
      "c5.xlarge",
      "r5.2xlarge",
      "c4.large",
      "i3.large",
      "m6g.large",
      "t3.medium",
      "c6id2.large",
    ]) {
      assert.equal(unsupportedMatch(ok, DEFAULT_UNSUPPORTED_INSTANCE_TYPES), undefined, ok);
    }
    assert.equal(unsupportedMatch("m6id.large", ["m6i.*"]), undefined);
  });

  it("parses the env override as JSON or a comma list; empty = built-in", () => {
    assert.deepEqual(parseUnsupportedInstanceTypes('["t2.*","m4.large"]'), ["t2.*", "m4.large"]);
    assert.deepEqual(parseUnsupportedInstanceTypes("t2.*, t3.nano"), ["t2.*", "t3.nano"]);
    assert.deepEqual(parseUnsupportedInstanceTypes("[]"), []);
    assert.equal(parseUnsupportedInstanceTypes(undefined), DEFAULT_UNSUPPORTED_INSTANCE_TYPES);
    assert.throws(() => parseUnsupportedInstanceTypes("[1]"), /JSON array of strings/);
  });

  it("ignores detaching ENIs and instances listed twice", () => {
    const base: Instance = {
      InstanceId: "i-1",
      InstanceType: "m5.large",
      State: { Name: "running" },
      Tags: [{ Key: "eks:cluster-name", Value: "demo" }],
      NetworkInterfaces: [
        {
          NetworkInterfaceId: "eni-a",
          InterfaceType: "interface",
          Attachment: { DeviceIndex: 0, Status: "attached" },
        },
        {
          NetworkInterfaceId: "eni-b",
          InterfaceType: "interface",
          Attachment: { DeviceIndex: 1, Status: "detaching" },
        },
      ],
    };
    const snap = classifyFleet([base, base], "demo", []);
    assert.deepEqual(
      snap.sources.map((s) => s.networkInterfaceId),
      ["eni-a"],
    );
    assert.deepEqual(
      classifyFleet([{ ...base, Tags: [{ Key: "eks:cluster-name", Value: "demo2" }] }], "demo", []).sources,
      [],
    );
  });
});
