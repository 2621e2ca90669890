/**
 * Upgrading must not replace what holds state: the ECR repository (its images), the reconciler's Invocation (its
 * delete removes every mirror session), the filter, the target and the Kubernetes objects keep the URNs that stacks
 * created by the first release have. The fixture lists every URN that release registered for a stack with
 * mirroring (recorded from its program under these mocks, with the engine's URN scheme).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackProgram } from "../../adapters/stack/program";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { installPulumiMocks, registeredUrns, settle } from "../../harness/pulumi/mocks";
import { valueOf } from "../../harness/pulumi/outputs";

const FIXTURE = path.join(__dirname, "fixtures", "urns-v0.1.0-mirroring.json");

describe("URNs of existing stacks", function () {
  this.timeout(60000);

  it("every resource of a 0.1.0 stack keeps its URN, except the filter rules the new filter replaces", async () => {
    await installPulumiMocks(sampleWorld(), { stack: "dev" });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-urns-"));
    fs.writeFileSync(path.join(tmp, "p.deb"), "!<arch>\n");
    try {
      const outputs = stackProgram(
        {
          clusterName: "demo",
          sensorIps: ["10.0.200.10"],
          rpcapdPackage: "p.deb",
          mirrorTarget: {
            networkLoadBalancerArn:
              "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/x/50dc6c495c0c9188",
          },
        },
        { projectDir: tmp },
      );
      await valueOf(outputs.mirrorReconcileResult);
      await settle();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const now = new Set(registeredUrns());
    const before = (JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as string[]).filter(
      (u) => !u.includes("aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule"),
    );
    assert.ok(before.length >= 25, "the fixture holds the first release's resources");
    assert.deepEqual(
      before.filter((u) => !now.has(u)),
      [],
    );
  });
});
