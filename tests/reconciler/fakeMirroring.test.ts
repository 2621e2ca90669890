/**
 * The fake traffic-mirroring API answers like EC2: filters, pagination, idempotency, limit errors.
 */
import { strict as assert } from "node:assert";
import {
  CreateTrafficMirrorSessionCommand,
  DeleteTrafficMirrorSessionCommand,
  DescribeTrafficMirrorSessionsCommand,
  EC2Client,
  paginateDescribeTrafficMirrorSessions,
  type CreateTrafficMirrorSessionCommandInput,
} from "@aws-sdk/client-ec2";
import { installFakeAws, type FakeAws } from "../../harness/aws/fakeAws";
import { installFakeMirroring } from "../../harness/aws/fakeMirroring";
import { sampleWorld, syntheticFleet } from "../../harness/aws/sampleCluster";
import type { AwsWorld } from "../../harness/aws/world";

const TARGET = "tmt-0ee55ff6600770088";
const ENI_TARGET = "tmt-0aaaaaaaaaaaaaaa1";
const ec2 = new EC2Client({ region: "us-east-1" });
const create = (eni: string, extra: Partial<CreateTrafficMirrorSessionCommandInput> = {}) =>
  ec2.send(
    new CreateTrafficMirrorSessionCommand({
      NetworkInterfaceId: eni,
      TrafficMirrorTargetId: TARGET,
      TrafficMirrorFilterId: "tmf-0aa11bb22cc33dd44",
      SessionNumber: 10,
      ...extra,
    }),
  );

describe("fake traffic mirroring API", () => {
  let world: AwsWorld;
  let fake: FakeAws;
  beforeEach(() => {
    world = sampleWorld();
    fake = installFakeAws(world);
    installFakeMirroring(fake, world, {
      targets: {
        [TARGET]: { kind: "network-load-balancer" },
        [ENI_TARGET]: { kind: "network-interface", sourceLimit: 2 },
      },
    });
  });
  afterEach(() => fake.restore());

  it("creates with tags, filters by documented names, rejects tag filters", async () => {
    const out = await create("eni-000000000000a0010", {
      TagSpecifications: [{ ResourceType: "traffic-mirror-session", Tags: [{ Key: "a", Value: "b" }] }],
    });
    await create("eni-000000000000a0011", { SessionNumber: 11 });
    assert.match(out.TrafficMirrorSession?.TrafficMirrorSessionId ?? "", /^tms-[0-9a-f]{17}$/);
    assert.deepEqual(out.TrafficMirrorSession?.Tags, [{ Key: "a", Value: "b" }]);
    const byEni = await ec2.send(
      new DescribeTrafficMirrorSessionsCommand({
        Filters: [{ Name: "network-interface-id", Values: ["eni-000000000000a0011"] }],
      }),
    );
    assert.deepEqual(
      byEni.TrafficMirrorSessions?.map((s) => s.SessionNumber),
      [11],
    );
    await assert.rejects(
      ec2.send(new DescribeTrafficMirrorSessionsCommand({ Filters: [{ Name: "tag:a", Values: ["b"] }] })),
      /The filter 'tag:a' is invalid/,
    );
  });

  it("pages 1,000 at a time (and honours smaller MaxResults)", async () => {
    fake.restore();
    const big = syntheticFleet(400);
    fake = installFakeAws(big);
    installFakeMirroring(fake, big);
    for (const i of big.instances) {
      for (const n of i.NetworkInterfaces ?? []) {
        await create(n.NetworkInterfaceId ?? "");
      }
    }
    let pages = 0;
    let total = 0;
    for await (const p of paginateDescribeTrafficMirrorSessions({ client: ec2, pageSize: 1000 }, {})) {
      pages += 1;
      total += p.TrafficMirrorSessions?.length ?? 0;
    }
    assert.deepEqual([pages, total], [2, 1200]);
    const small = await ec2.send(new DescribeTrafficMirrorSessionsCommand({ MaxResults: 5 }));
    assert.equal(small.TrafficMirrorSessions?.length, 5);
    assert.ok(small.NextToken);
  });

  it("ClientToken: a replay returns the original session, other parameters are a mismatch", async () => {
    const a = await create("eni-000000000000a0010", { ClientToken: "t-1" });
    const b = await create("eni-000000000000a0010", { ClientToken: "t-1" });
    assert.equal(
      b.TrafficMirrorSession?.TrafficMirrorSessionId,
      a.TrafficMirrorSession?.TrafficMirrorSessionId,
    );
    assert.equal(world.trafficMirrorSessions.length, 1);
    await assert.rejects(create("eni-000000000000a0010", { ClientToken: "t-1", SessionNumber: 12 }), {
      name: "IdempotentParameterMismatch",
    });
  });

  it("AWS's errors: unknown ENI, trunk ENI, unsupported type, 3 sessions per ENI, ENI target source limit, unknown session", async () => {
    await assert.rejects(create("eni-0ffffffffffffffff"), { name: "InvalidNetworkInterfaceID.NotFound" });
    await assert.rejects(create("eni-000000000000a003f"), /of type trunk cannot be a traffic mirror source/);
    await assert.rejects(create("eni-000000000000a0040"), /instance type t2\.medium, which is not supported/);
    for (const n of [1, 2, 3]) {
      await create("eni-000000000000a0020", { SessionNumber: n });
    }
    await assert.rejects(create("eni-000000000000a0020", { SessionNumber: 4 }), {
      name: "TrafficMirrorSessionsPerInterfaceLimitExceeded",
    });
    await create("eni-000000000000a0010", { TrafficMirrorTargetId: ENI_TARGET });
    await create("eni-000000000000a0011", { TrafficMirrorTargetId: ENI_TARGET });
    await assert.rejects(create("eni-000000000000a0021", { TrafficMirrorTargetId: ENI_TARGET }), {
      name: "TrafficMirrorSourcesPerTargetLimitExceeded",
    });
    await assert.rejects(
      create("eni-000000000000a0021", { TrafficMirrorTargetId: "tmt-0bbbbbbbbbbbbbbb2" }),
      {
        name: "InvalidTrafficMirrorTargetId.NotFound",
      },
    );
    await assert.rejects(
      ec2.send(new DeleteTrafficMirrorSessionCommand({ TrafficMirrorSessionId: "tms-0ffffffffffffffff" })),
      {
        name: "InvalidTrafficMirrorSessionId.NotFound",
      },
    );
  });
});
