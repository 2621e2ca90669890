/**
 * `npm run plan`: on the built-in sample, on the user's own AWS CLI output (timestamps as the CLI prints them) with
 * the reconcile run by the Lambda's code, on a stack file as the Pulumi CLI reads it; and one line naming the
 * option or file, exit 2, for every mistake, before anything is written.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { PLAN_EXIT, planCli } from "../../adapters/plan/cli";
import { MARKER } from "../../adapters/plan/manifestFolder";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { ROOT } from "../automation/helpers";
import { writeCliOutput } from "./awsCliOutput";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const AGENT_IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`;

describe("plan: command line", function () {
  this.timeout(120000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-plan-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function plan(args: string[]): Promise<Ran> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await planCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: tmp });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }
  const write = (name: string, body: unknown): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body));
    return file;
  };

  it("on the built-in sample: the cluster it ran against, resources, ranges, env, rules, the Lambda's reconcile, manifests", async () => {
    const r = await plan(["--out", "review"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(
      r.stdout,
      /^Plan for EKS cluster demo in us-east-1, account 111122223333 \(the built-in sample account;/,
    );
    assert.match(r.stdout, /PODNET {2}10\.0\.0\.0\/16 {4}VPC vpc-0a1b2c3d4e5f60718 associated CIDR block/);
    assert.match(
      r.stdout,
      /SVCNET {2}172\.20\.0\.0\/16 {2}EKS cluster demo kubernetesNetworkConfig\.serviceIpv4Cidr/,
    );
    assert.match(r.stdout, /VPC_MIRRORING\s+true/);
    assert.match(r.stdout, /aws:ec2\/trafficMirrorFilterRule:TrafficMirrorFilterRule\s+\d+/);
    assert.match(
      r.stdout,
      /Deploy-time reconcile \(the reconciler Lambda's code against the fake EC2 API\): 7 created, 0 kept, 0 removed, 2 skipped/,
    );
    assert.match(r.stdout, /Mirrored ENIs \(7\):\n {2}eni-000000000000a0010\n/);
    assert.match(r.stdout, /i-00000000005e1a004 t2\.medium unsupported-instance-type/);
    assert.match(
      r.stdout,
      /On the sensor:\n {2}1\. On each sensor \(10\.0\.200\.10, 10\.0\.200\.11\): enable RPCAP/,
    );
    const dir = path.join(tmp, "review");
    assert.match(
      r.stdout,
      /Kubernetes manifests \(5\) written to review:\n {2}review\/01-Namespace-extrahop\.yaml/,
    );
    assert.deepEqual(
      fs.readdirSync(dir).sort(),
      [
        MARKER,
        "01-Namespace-extrahop.yaml",
        "02-ClusterRole-extrahop-rpcapd.yaml",
        "03-ServiceAccount-extrahop-rpcapd.yaml",
        "04-ClusterRoleBinding-extrahop-rpcapd.yaml",
        "05-DaemonSet-extrahop-rpcapd.yaml",
        // The sample config lists the sample cluster's Fargate profiles: the sidecar patches sit beside the manifests.
        ...["cronjob", "deployment", "job", "replicaset", "replicationcontroller", "statefulset"].flatMap(
          (k) => [`fargate-sidecar.${k}.jsonpatch.json`, `fargate-sidecar.${k}.strategic.json`],
        ),
      ].sort(),
    );
    const ds = YAML.parse(fs.readFileSync(path.join(dir, "05-DaemonSet-extrahop-rpcapd.yaml"), "utf8"));
    assert.equal(ds.kind, "DaemonSet");
    assert.match(
      ds.spec.template.spec.containers[0].image,
      /\.dkr\.ecr\.us-east-1\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/,
    );

    // Again into the same folder: its own files are replaced.
    const again = await plan(["--out", "review"]);
    assert.equal(again.code, PLAN_EXIT.ok, again.stderr);
  });

  it("on the user's own AWS CLI output, timestamps as strings, mirroring: the Lambda reconciles the user's nodes", async () => {
    const world = sampleWorld();
    const cluster = world.clusters[0];
    cluster.name = "payments";
    cluster.arn = "arn:aws:eks:eu-west-1:444455556666:cluster/payments";
    cluster.kubernetesNetworkConfig = { serviceIpv4Cidr: "10.100.0.0/16", ipFamily: "ipv4" };
    world.vpcs[0].CidrBlockAssociationSet = [
      { CidrBlock: "10.0.0.0/16", CidrBlockState: { State: "associated" } },
    ];
    for (const i of world.instances) {
      i.Tags = (i.Tags ?? []).map((t) =>
        t.Key === "kubernetes.io/cluster/demo"
          ? { Key: "kubernetes.io/cluster/payments", Value: t.Value }
          : t.Key === "eks:cluster-name" && t.Value === "demo"
            ? { Key: t.Key, Value: "payments" }
            : t,
      );
    }
    const files = writeCliOutput(world, tmp);
    assert.match(fs.readFileSync(files.instances, "utf8"), /"LaunchTime": "2026-11-02T08:15:00\+00:00"/);
    const config = write(
      "payments.yaml",
      YAML.stringify({
        clusterName: "payments",
        sensorIps: ["10.0.250.4"],
        agentImage: AGENT_IMAGE,
        mirrorTarget: { gatewayLoadBalancerEndpointId: "vpce-0123456789abcdef0" },
      }),
    );
    const r = await plan([
      "--config",
      config,
      "--describe-cluster",
      files.cluster,
      "--describe-vpcs",
      files.vpcs,
      "--describe-instances",
      files.instances,
      "--out",
      "mine",
    ]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    assert.match(
      r.stdout,
      /^Plan for EKS cluster payments in eu-west-1, account 444455556666 \(an account built from your AWS CLI output;/,
    );
    assert.match(r.stdout, /PODNET\s+10\.0\.0\.0\/16\n/);
    assert.match(r.stdout, /SVCNET\s+10\.100\.0\.0\/16/);
    assert.match(r.stdout, /Image: registry\.example\.com\/extrahop-rpcapd@sha256:c{64}/);
    assert.match(r.stdout, /: 7 created, 0 kept, 0 removed, 2 skipped/);
    assert.doesNotMatch(r.stdout, /Notes:/);
  });

  it("takes a Pulumi.<stack>.yaml as the CLI reads it, and says what it substituted", async () => {
    const r = await plan(["--config", path.join(ROOT, "Pulumi.prod.example.yaml"), "--out", "prod"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    assert.match(r.stdout, /^Plan for EKS cluster demo in us-east-1/);
    assert.match(
      r.stdout,
      /Notes:\n {2}- the config names cluster prod-eks; the plan runs against the built-in sample cluster demo instead \(pass --describe-cluster and --describe-vpcs to plan against prod-eks\)\n/,
    );
    assert.match(
      r.stdout,
      /- rpcapdPackage .*vendor\/rpcapd_9\.6\.0\.1234_amd64\.deb is not on this machine: the plan stages a stand-in/,
    );
    assert.match(r.stdout, /EXTRAHOP_SENSOR_IP\s+10\.20\.200\.10,10\.20\.200\.11,10\.20\.200\.12/);

    const stackFile = write(
      "Pulumi.staging.yaml",
      [
        "encryptionsalt: v1:c2FsdA==:v1:bm9uY2U=:Y2hlY2s=",
        "config:",
        "  aws:region: us-east-1",
        "  aws:profile: staging",
        "  pod-packet-forwarding:clusterName: demo",
        "  pod-packet-forwarding:sensorIps: [10.0.200.10]",
        `  pod-packet-forwarding:agentImage: ${AGENT_IMAGE}`,
        "  pod-packet-forwarding:kubeconfig:",
        "    secure: v1:bm9uY2U=:Y2lwaGVy",
        "",
      ].join("\n"),
    );
    const s = await plan(["--config", stackFile, "--out", "staging"]);
    assert.equal(s.code, PLAN_EXIT.ok, s.stderr);
    assert.match(
      s.stdout,
      /- kubeconfig is encrypted in .*Pulumi\.staging\.yaml: the plan uses a placeholder/,
    );
    assert.match(s.stdout, /- not used by the offline plan: aws:profile/);
  });

  it("plans a self-managed cluster with its ranges given", async () => {
    const config = write("self.json", {
      sensorIps: ["10.0.200.10"],
      agentImage: AGENT_IMAGE,
      kubeconfig: "apiVersion: v1\nkind: Config\n",
      podCidrs: ["10.244.0.0/16"],
      serviceCidrs: ["10.96.0.0/12"],
    });
    const r = await plan(["--config", config, "--out", "self"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    assert.match(
      r.stdout,
      /^Plan for a cluster without EKS, reached through kubeconfig \(offline: Pulumi mocks, no changes made\)\n/,
    );
    assert.match(r.stdout, /PODNET {2}10\.244\.0\.0\/16 {2}config podCidrs/);
    assert.doesNotMatch(r.stdout, /Mirror filter rules|Deploy-time reconcile/);
  });

  it("warns about a podCidrs override outside every CIDR block of the cluster's VPC", async () => {
    const config = write("c.json", {
      clusterName: "demo",
      sensorIps: ["10.0.200.10"],
      agentImage: AGENT_IMAGE,
      podCidrs: ["10.0.0.0/16", "192.168.0.0/16"],
    });
    const r = await plan(["--config", config, "--out", "o"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    assert.match(
      r.stdout,
      /Warnings \(1\):\n {2}- podCidrs: 192\.168\.0\.0\/16 lies outside every CIDR block of VPC vpc-0a1b2c3d4e5f60718 \(10\.0\.0\.0\/16, 100\.64\.0\.0\/16\); with the Amazon VPC CNI pods take VPC addresses, so PODNET may miss them\n/,
    );
  });

  describe("every mistake: one line naming the option or file, exit 2, nothing written", () => {
    async function mistake(args: string[], expected: string | RegExp | (string | RegExp)[]): Promise<void> {
      const r = await plan(["--out", "never", ...args]);
      assert.equal(r.code, PLAN_EXIT.usage, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.equal(r.stdout, "");
      const lines = r.stderr.split("\n");
      const wanted = Array.isArray(expected) ? expected : [expected];
      assert.equal(lines.length, wanted.length, r.stderr);
      wanted.forEach((w, i) =>
        typeof w === "string" ? assert.equal(lines[i], w) : assert.match(lines[i], w),
      );
      assert.ok(!fs.existsSync(path.join(tmp, "never")), "nothing written");
    }

    it("options", async () => {
      await mistake(
        ["--confg", "x.yaml"],
        "error: --confg: unknown option (known: --config, --describe-cluster, --describe-vpcs, --describe-instances, --out, --help)",
      );
      await mistake(
        ["stack.yaml"],
        "error: stack.yaml: unexpected argument (files are given with --config, --describe-cluster, ...)",
      );
      await mistake(["--config"], "error: --config: needs a file or folder name");
      await mistake(["--config", "--out", "x"], "error: --config: needs a file or folder name");
      const files = writeCliOutput(sampleWorld(), tmp);
      await mistake(
        ["--describe-cluster", files.cluster],
        "error: --describe-cluster: needs --describe-vpcs too: the pod ranges are the cluster VPC's CIDR blocks (aws ec2 describe-vpcs --vpc-ids <vpc>)",
      );
    });

    it("files: missing, bad YAML, wrong-shaped JSON", async () => {
      await mistake(
        ["--config", "nope.yaml"],
        `error: --config ${path.join(tmp, "nope.yaml")}: does not exist (resolved to ${path.join(tmp, "nope.yaml")})`,
      );
      const bad = write("bad.yaml", "sensorIps: [10.0.200.10\n");
      await mistake(["--config", bad], new RegExp(`^error: --config ${bad}: is not valid YAML: \\S`));
      const files = writeCliOutput(sampleWorld(), tmp);
      const notInstances = write("di.json", { Reservations: { Instances: [] } });
      await mistake(
        [
          "--describe-cluster",
          files.cluster,
          "--describe-vpcs",
          files.vpcs,
          "--describe-instances",
          notInstances,
        ],
        `error: --describe-instances ${notInstances}: Reservations: expected a list, got an object`,
      );
      await mistake(
        ["--describe-cluster", files.instances, "--describe-vpcs", files.vpcs],
        `error: --describe-cluster ${files.instances}: expected the output of aws eks describe-cluster --name NAME (an object with "cluster"), got an object with Reservations`,
      );
    });

    it("a config that does not match the described cluster or its region", async () => {
      const files = writeCliOutput(sampleWorld(), tmp);
      const other = write("other.json", {
        clusterName: "other",
        sensorIps: ["10.0.200.10"],
        agentImage: AGENT_IMAGE,
      });
      await mistake(
        ["--config", other, "--describe-cluster", files.cluster, "--describe-vpcs", files.vpcs],
        `error: --describe-cluster ${files.cluster}: describes cluster demo, but the config (${other}) names clusterName other`,
      );
      const selfManaged = write("self.json", {
        sensorIps: ["10.0.200.10"],
        agentImage: AGENT_IMAGE,
        kubeconfig: "apiVersion: v1\n",
        podCidrs: ["10.244.0.0/16"],
        serviceCidrs: ["10.96.0.0/12"],
      });
      await mistake(
        ["--config", selfManaged, "--describe-cluster", files.cluster, "--describe-vpcs", files.vpcs],
        `error: --describe-cluster ${files.cluster}: describes cluster demo, but the config (${selfManaged}) names no clusterName (a cluster without EKS)`,
      );
      const region = write(
        "Pulumi.x.yaml",
        YAML.stringify({
          config: {
            "aws:region": "eu-west-1",
            "pod-packet-forwarding:clusterName": "demo",
            "pod-packet-forwarding:sensorIps": ["10.0.200.10"],
            "pod-packet-forwarding:agentImage": AGENT_IMAGE,
          },
        }),
      );
      await mistake(
        ["--config", region, "--describe-cluster", files.cluster, "--describe-vpcs", files.vpcs],
        `error: --describe-cluster ${files.cluster}: cluster demo is in us-east-1 (its ARN), but the config's aws:region is eu-west-1: the stack's AWS provider would not find it`,
      );
    });

    it("a self-managed cluster whose ranges would be discovered through its Kubernetes API (not offline)", async () => {
      const config = write("self.json", {
        sensorIps: ["10.0.200.10"],
        agentImage: AGENT_IMAGE,
        kubeconfig: "apiVersion: v1\nkind: Config\n",
      });
      await mistake(
        ["--config", config],
        `error: --config ${config}: a cluster without EKS (no clusterName) needs podCidrs and serviceCidrs for the offline plan: without them the ranges are discovered through the Kubernetes API, which the plan does not reach`,
      );
    });

    it("configuration problems, one line each, nested typos listing the nested keys", async () => {
      const config = write("bad.json", {
        clusterName: "demo",
        sensorIps: ["10.0.0.300"],
        sensorPort: 0,
        agentImage: AGENT_IMAGE,
        mirrorTarget: {
          networkLoadBalancerARN: "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/x/1",
        },
      });
      const r = await plan(["--config", config, "--out", "never"]);
      assert.equal(r.code, PLAN_EXIT.usage);
      const lines = r.stderr.split("\n");
      for (const expected of [
        `error: --config ${config}: sensorIps[0]: "10.0.0.300" is not an IPv4 address (expected a dotted quad such as 10.0.12.7)`,
        `error: --config ${config}: sensorPort: 0 must be between 1 and 65535`,
        `error: --config ${config}: mirrorTarget: unknown key(s) networkLoadBalancerARN (allowed: networkInterfaceId, networkLoadBalancerArn, gatewayLoadBalancerEndpointId)`,
      ]) {
        assert.ok(lines.includes(expected), `missing ${expected} in\n${r.stderr}`);
      }
      assert.ok(
        lines.every((l) => l.startsWith(`error: --config ${config}: `)),
        r.stderr,
      );
    });

    it("a problem found only once the lookups answer (a service range overlapping the pods)", async () => {
      const world = sampleWorld();
      const files = writeCliOutput(world, tmp);
      const config = write("c.json", {
        clusterName: "demo",
        sensorIps: ["10.0.200.10"],
        agentImage: AGENT_IMAGE,
        serviceCidrs: ["10.0.128.0/20"],
      });
      const r = await plan([
        "--config",
        config,
        "--describe-cluster",
        files.cluster,
        "--describe-vpcs",
        files.vpcs,
        "--out",
        "never",
      ]);
      assert.equal(r.code, PLAN_EXIT.usage, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`^error: --config ${config}: .*10\\.0\\.128\\.0/20`));
      assert.ok(!fs.existsSync(path.join(tmp, "never")));
    });
  });

  it("npm run plan runs the same entry as a process (help, and a mistake's exit code)", function () {
    const run = (args: string[]) =>
      spawnSync("npm", ["run", "--silent", "plan", "--", ...args], { cwd: ROOT, encoding: "utf8" });
    const help = run(["--help"]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: npm run plan -- \[options\]/);
    const bad = run(["--describe-vpcs", "x.json"]);
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr,
      "error: --describe-vpcs: needs --describe-cluster (the cluster these describe)\n",
    );
  });
});
