/**
 * The README's first command: `npm run plan` on the built-in sample, and with a user's own AWS CLI output.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { sampleWorld } from "../harness/aws/sampleCluster";

const ROOT = path.resolve(__dirname, "..");

function plan(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "-r", "./harness/quietSdk.ts", "scripts/plan.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("offline plan (npm run plan)", function () {
  this.timeout(120000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-plan-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("prints resources, env values, rules, mirrored and skipped ENIs, sensor steps, and writes the manifests", () => {
    const out = path.join(tmp, "sample");
    const { stdout, status, stderr } = plan(["--out", out]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /PODNET\s+10\.0\.0\.0\/16,100\.64\.0\.0\/16/);
    assert.match(stdout, /SVCNET\s+172\.20\.0\.0\/16/);
    assert.match(stdout, /VPC_MIRRORING\s+true/);
    assert.match(stdout, /aws:ec2\/trafficMirrorFilterRule:TrafficMirrorFilterRule\s+7/);
    assert.match(stdout, /Mirrored ENIs \(7\):/);
    assert.match(stdout, /i-00000000005e1a004 t2\.medium unsupported-instance-type/);
    assert.match(
      stdout,
      /On the sensor:\n {2}1\. On each sensor \(10\.0\.200\.10, 10\.0\.200\.11\): enable RPCAP/,
    );
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files, [
      "01-Namespace-extrahop.yaml",
      "02-ClusterRole-extrahop-rpcapd.yaml",
      "03-ServiceAccount-extrahop-rpcapd.yaml",
      "04-ClusterRoleBinding-extrahop-rpcapd.yaml",
      "05-DaemonSet-extrahop-rpcapd.yaml",
    ]);
    const ds = YAML.parse(fs.readFileSync(path.join(out, "05-DaemonSet-extrahop-rpcapd.yaml"), "utf8"));
    assert.equal(ds.kind, "DaemonSet");
    assert.match(
      ds.spec.template.spec.containers[0].image,
      /\.dkr\.ecr\.us-east-1\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/,
    );
  });

  it("takes the user's own describe-cluster / describe-vpcs / describe-instances JSON and config", () => {
    const world = sampleWorld();
    const cluster = {
      ...world.clusters[0],
      name: "payments",
      kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16", ipFamily: "ipv4" },
    };
    cluster.arn = "arn:aws:eks:eu-west-1:444455556666:cluster/payments";
    const files = {
      dc: [path.join(tmp, "dc.json"), { cluster }],
      dv: [
        path.join(tmp, "dv.json"),
        {
          Vpcs: [
            {
              ...world.vpcs[0],
              CidrBlockAssociationSet: [
                { CidrBlock: "10.0.0.0/16", CidrBlockState: { State: "associated" } },
              ],
            },
          ],
        },
      ],
      di: [path.join(tmp, "di.json"), { Reservations: [{ Instances: [] }] }],
      cfg: [path.join(tmp, "stack.yaml"), null],
    } as const;
    for (const [file, body] of Object.values(files)) {
      if (body) {
        fs.writeFileSync(file, JSON.stringify(body));
      }
    }
    fs.writeFileSync(
      files.cfg[0],
      YAML.stringify({
        clusterName: "payments",
        sensorIps: ["10.0.250.4"],
        agentImage: `r.example/rpcapd@sha256:${"c".repeat(64)}`,
      }),
    );
    const { stdout, status, stderr } = plan([
      "--config",
      files.cfg[0],
      "--describe-cluster",
      files.dc[0],
      "--describe-vpcs",
      files.dv[0],
      "--describe-instances",
      files.di[0],
      "--out",
      path.join(tmp, "mine"),
    ]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /Plan for cluster payments in eu-west-1/);
    assert.match(stdout, /PODNET\s+10\.0\.0\.0\/16\n/);
    assert.match(stdout, /SVCNET\s+10\.100\.0\.0\/16/);
    assert.match(stdout, /VPC_MIRRORING\s+false/);
    assert.match(stdout, /Image: r\.example\/rpcapd@sha256:c{64}/);
  });

  it("exits 2 with the config problems for a bad config", () => {
    const bad = path.join(tmp, "bad.json");
    fs.writeFileSync(
      bad,
      JSON.stringify({
        clusterName: "demo",
        sensorIps: ["10.0.0.300"],
        sensorPort: 0,
        rpcapdPackage: "x.deb",
      }),
    );
    const { status, stderr } = plan(["--config", bad]);
    assert.equal(status, 2);
    assert.match(stderr, /sensorIps\[0\]: "10\.0\.0\.300" is not an IPv4 address/);
    assert.match(stderr, /sensorPort: 0 must be between 1 and 65535/);
  });
});
