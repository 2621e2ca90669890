/**
 * The wire-level AWS fake itself: its SigV4 check against the published test-suite vectors, the real SDK's
 * serializers and paginators reading its EC2 answers field for field, AWS's errors for bad filters, unknown keys,
 * wrong secrets and missing session tokens, and STS AssumeRole's trust and external-id checks.
 */
import { strict as assert } from "node:assert";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeTrafficMirrorSessionsCommand,
  EC2Client,
  paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import {
  expectedSignature,
  parseAuthorization,
  startFakeAwsServer,
  type FakeAwsServer,
} from "../../harness/aws/http";
import { sampleWorld } from "../../harness/aws/sampleCluster";

const USER = {
  userArn: "arn:aws:iam::111122223333:user/ci",
  accessKeyId: "AKIACI00000000000001",
  secretAccessKey: "ci-secret",
};
const ROLE = "arn:aws:iam::111122223333:role/Reader";

describe("wire-level AWS fake", function () {
  this.timeout(30000);
  let fake: FakeAwsServer;
  const world = sampleWorld();
  let saved: string | undefined;

  before(async () => {
    fake = await startFakeAwsServer({
      world,
      users: [USER],
      roles: [{ roleArn: ROLE, trustedPrincipals: [USER.userArn], externalId: "ext" }],
    });
    saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = fake.url;
  });
  after(async () => {
    if (saved === undefined) {
      delete process.env.AWS_ENDPOINT_URL;
    } else {
      process.env.AWS_ENDPOINT_URL = saved;
    }
    await fake.close();
  });

  const ec2 = (
    secretAccessKey = USER.secretAccessKey,
    accessKeyId = USER.accessKeyId,
    sessionToken?: string,
  ) => new EC2Client({ region: "us-east-1", credentials: { accessKeyId, secretAccessKey, sessionToken } });

  it("computes SigV4 signatures as AWS's test suite says (get-vanilla, query order, post-vanilla)", () => {
    // aws-sig-v4-test-suite: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, "service".
    const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const cases: [string, string, string][] = [
      ["GET", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
      [
        "GET",
        "/?Param2=value2&Param1=value1",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
      ],
      ["POST", "/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"],
    ];
    for (const [method, url, signature] of cases) {
      const auth = parseAuthorization(
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      );
      assert.ok(auth);
      const request = {
        method,
        url,
        headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" },
        body: Buffer.alloc(0),
      };
      assert.equal(expectedSignature(request, auth, secret), signature, `${method} ${url}`);
    }
  });

  it("answers DescribeInstances so the SDK reads every field, page by page", async () => {
    const pages = paginateDescribeInstances({ client: ec2(), pageSize: 5 }, {});
    const read = [];
    let calls = 0;
    for await (const page of pages) {
      calls += 1;
      read.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    }
    assert.equal(read.length, world.instances.length);
    assert.ok(calls > 1, "several pages");
    const first = world.instances[0];
    const got = read.find((i) => i.InstanceId === first.InstanceId);
    assert.equal(got?.InstanceType, first.InstanceType);
    assert.equal(got?.State?.Name, first.State?.Name);
    assert.equal(got?.Placement?.AvailabilityZone, first.Placement?.AvailabilityZone);
    assert.equal(got?.LaunchTime?.toISOString(), first.LaunchTime?.toISOString());
    assert.deepEqual(got?.Tags, first.Tags);
    assert.deepEqual(
      got?.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.InterfaceType, n.Attachment?.DeviceIndex]),
      first.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.InterfaceType, n.Attachment?.DeviceIndex]),
    );
  });

  it("filters ENIs and sessions as EC2 does, and refuses an unknown filter with AWS's error", async () => {
    const trunk = await ec2().send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "interface-type", Values: ["trunk"] }] }),
    );
    assert.ok((trunk.NetworkInterfaces ?? []).length > 0);
    assert.ok(
      trunk.NetworkInterfaces?.every(
        (n) => n.InterfaceType === "trunk" && n.Attachment?.InstanceId?.startsWith("i-"),
      ),
    );
    const sessions = await ec2().send(new DescribeTrafficMirrorSessionsCommand({}));
    assert.deepEqual(sessions.TrafficMirrorSessions, world.trafficMirrorSessions);
    await assert.rejects(
      ec2().send(new DescribeInstancesCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] })),
      (e: Error) => e.name === "InvalidParameterValue" && /no-such-filter/.test(e.message),
    );
  });

  it("authenticates like AWS: unknown key, wrong secret, temporary key without its token", async () => {
    await assert.rejects(ec2("x", "AKIAUNKNOWN000000000").send(new DescribeInstancesCommand({})), {
      name: "AuthFailure",
    });
    await assert.rejects(ec2("wrong").send(new DescribeInstancesCommand({})), {
      name: "SignatureDoesNotMatch",
    });
    const sts = new STSClient({
      region: "us-east-1",
      credentials: { accessKeyId: USER.accessKeyId, secretAccessKey: USER.secretAccessKey },
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "t1", ExternalId: "ext" }),
    );
    const c = assumed.Credentials;
    assert.match(c?.AccessKeyId ?? "", /^ASIA/);
    assert.equal(assumed.AssumedRoleUser?.Arn, "arn:aws:sts::111122223333:assumed-role/Reader/t1");
    await assert.rejects(ec2(c?.SecretAccessKey, c?.AccessKeyId).send(new DescribeInstancesCommand({})), {
      name: "AuthFailure",
    });
    await ec2(c?.SecretAccessKey, c?.AccessKeyId, c?.SessionToken).send(new DescribeInstancesCommand({}));
    assert.equal(fake.requests.at(-1)?.accessKeyId, c?.AccessKeyId);
    assert.equal(fake.requests.at(-1)?.caller, "arn:aws:sts::111122223333:assumed-role/Reader/t1");
  });

  it("assumes a role only for a trusted caller with the right external id", async () => {
    const sts = new STSClient({
      region: "us-east-1",
      credentials: { accessKeyId: USER.accessKeyId, secretAccessKey: USER.secretAccessKey },
    });
    await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "t1" })), {
      name: "AccessDenied",
    });
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "t1", ExternalId: "other" })),
      { name: "AccessDenied" },
    );
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "bad name!", ExternalId: "ext" })),
      { name: "ValidationError" },
    );
  });
});
