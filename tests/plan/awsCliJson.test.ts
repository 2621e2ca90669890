/**
 * The user's AWS CLI output read back in the SDK's shape: timestamps converted where the SDK's own output schema has
 * a timestamp (the reconciler calls `LaunchTime.toISOString()`), misshapen values named by path, and each mistake
 * in the files as one line naming the option and the file.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeInstancesResult$, type Instance } from "@aws-sdk/client-ec2";
import { fromCliJson, readAwsCliWorld } from "../../adapters/plan/awsCliJson";
import { PlanInputError } from "../../adapters/plan/planInputError";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { isoformat, writeCliOutput } from "./awsCliOutput";

describe("plan: AWS CLI output", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-cli-json-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("prints timestamps as the CLI does", () => {
    assert.equal(isoformat(new Date("2026-11-02T08:15:00Z")), "2026-11-02T08:15:00+00:00");
    assert.equal(isoformat(new Date("2026-11-02T08:15:00.5Z")), "2026-11-02T08:15:00.500000+00:00");
  });

  it("turns every timestamp of the schema into a Date and leaves the rest, unknown members included", () => {
    const out = fromCliJson(DescribeInstancesResult$, {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: "i-1",
              LaunchTime: "2026-11-02T08:15:00+00:00",
              UsageOperationUpdateTime: "2026-11-02T08:15:00.250000+00:00",
              NetworkInterfaces: [
                { Attachment: { AttachTime: "2026-11-02T08:16:00+00:00", DeviceIndex: 0 } },
              ],
              SomethingNewer: { At: "2026-11-02T08:15:00+00:00" },
            },
          ],
        },
      ],
    }) as { Reservations: { Instances: (Instance & { SomethingNewer: unknown })[] }[] };
    const i = out.Reservations[0].Instances[0];
    assert.ok(i.LaunchTime instanceof Date);
    assert.equal(i.LaunchTime.toISOString(), "2026-11-02T08:15:00.000Z");
    assert.equal((i.UsageOperationUpdateTime as Date).toISOString(), "2026-11-02T08:15:00.250Z");
    assert.equal(
      (i.NetworkInterfaces?.[0].Attachment?.AttachTime as Date).toISOString(),
      "2026-11-02T08:16:00.000Z",
    );
    assert.equal(i.NetworkInterfaces?.[0].Attachment?.DeviceIndex, 0);
    assert.deepEqual(i.SomethingNewer, { At: "2026-11-02T08:15:00+00:00" });
  });

  it("names the path of a value of the wrong kind", () => {
    const bad = (value: unknown, message: string) =>
      assert.throws(() => fromCliJson(DescribeInstancesResult$, value), { message });
    bad({ Reservations: {} }, "Reservations: expected a list, got an object");
    bad(
      { Reservations: [{ Instances: [{ LaunchTime: "yesterday" }] }] },
      'Reservations[0].Instances[0].LaunchTime: expected a timestamp, got string "yesterday"',
    );
    bad(
      { Reservations: [{ Instances: [{ InstanceId: 7 }] }] },
      "Reservations[0].Instances[0].InstanceId: expected a string, got number 7",
    );
    bad([], "the top level: expected an object, got a list");
  });

  it("reads the three files into an account, region and account id from the cluster's ARN", () => {
    const world = sampleWorld();
    world.clusters[0].arn = "arn:aws:eks:eu-west-1:444455556666:cluster/demo";
    const read = readAwsCliWorld(writeCliOutput(world, tmp));
    assert.ok(read);
    assert.equal(read.region, "eu-west-1");
    assert.equal(read.accountId, "444455556666");
    assert.equal(read.cluster.name, "demo");
    assert.ok(read.cluster.createdAt instanceof Date);
    assert.equal(read.instances.length, world.instances.length);
    assert.ok(read.instances.every((i) => i.LaunchTime instanceof Date));
  });

  describe("one line per mistake, naming the option and the file", () => {
    const fails = (files: Parameters<typeof readAwsCliWorld>[0], message: string | RegExp) =>
      assert.throws(
        () => readAwsCliWorld(files),
        (err: unknown) => {
          assert.ok(err instanceof PlanInputError, String(err));
          assert.ok(!err.message.includes("\n"), `one line: ${err.message}`);
          if (typeof message === "string") {
            assert.equal(err.message, message);
          } else {
            assert.match(err.message, message);
          }
          return true;
        },
      );
    const write = (name: string, text: string) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, text);
      return file;
    };

    it("a missing partner file", () => {
      const files = writeCliOutput(sampleWorld(), tmp);
      fails(
        { cluster: files.cluster },
        "--describe-cluster: needs --describe-vpcs too: the pod ranges are the cluster VPC's CIDR blocks (aws ec2 describe-vpcs --vpc-ids <vpc>)",
      );
      fails({ vpcs: files.vpcs }, "--describe-vpcs: needs --describe-cluster (the cluster these describe)");
      fails(
        { instances: files.instances },
        "--describe-instances: needs --describe-cluster (the cluster these describe)",
      );
    });

    it("a missing file, invalid JSON, the output of another command, a misshapen value", () => {
      const files = writeCliOutput(sampleWorld(), tmp);
      const nope = path.join(tmp, "nope.json");
      fails({ ...files, cluster: nope }, `--describe-cluster ${nope}: does not exist`);
      const broken = write("broken.json", '{"cluster": ');
      fails(
        { ...files, cluster: broken },
        new RegExp(
          `^--describe-cluster ${broken}: is not valid JSON \\(.*\\); save the output of aws eks describe-cluster --name NAME --output json$`,
        ),
      );
      fails(
        { ...files, cluster: files.vpcs },
        `--describe-cluster ${files.vpcs}: expected the output of aws eks describe-cluster --name NAME (an object with "cluster"), got an object with Vpcs`,
      );
      const badTime = write(
        "di.json",
        JSON.stringify({ Reservations: [{ Instances: [{ InstanceId: "i-1", LaunchTime: "soon" }] }] }),
      );
      fails(
        { ...files, instances: badTime },
        `--describe-instances ${badTime}: Reservations[0].Instances[0].LaunchTime: expected a timestamp, got string "soon"`,
      );
    });

    it("VPCs that do not include the cluster's, a cluster without its VPC", () => {
      const world = sampleWorld();
      const files = writeCliOutput(world, tmp);
      const other = write(
        "dv.json",
        JSON.stringify({ Vpcs: [{ VpcId: "vpc-0ffffffffffffffff", CidrBlock: "10.9.0.0/16" }] }),
      );
      fails(
        { ...files, vpcs: other },
        `--describe-vpcs ${other}: does not describe the cluster's VPC vpc-0a1b2c3d4e5f60718 (found vpc-0ffffffffffffffff); run aws ec2 describe-vpcs --vpc-ids vpc-0a1b2c3d4e5f60718`,
      );
      const partial = write("dc.json", JSON.stringify({ cluster: { name: "demo" } }));
      fails(
        { ...files, cluster: partial },
        `--describe-cluster ${partial}: the cluster lacks name, arn or resourcesVpcConfig.vpcId: save the whole output of aws eks describe-cluster --name NAME`,
      );
    });
  });
});
