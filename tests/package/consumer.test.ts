/**
 * The npm package as a consumer gets it: `npm pack` (which builds `dist/`, the Lambda and the agent program),
 * installed into a scratch project (from the npm cache `npm ci` filled), the two examples type-checked against the
 * installed declarations and run with plain `node` (no ts-node, no esbuild) under Pulumi mocks of the consumer's
 * own `@pulumi/pulumi`.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { answerAwsInvoke } from "../../harness/pulumi/providerAnswers";

const ROOT = path.resolve(__dirname, "..", "..");
const RUNNER = path.join(ROOT, "harness", "package", "consumerRunner.js");
const IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"e".repeat(64)}`;

interface Report {
  resources: { type: string; name: string; provider: string; inputs: Record<string, unknown> }[];
  invokes: { token: string; provider: string }[];
  outputs: Record<string, unknown>;
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("the npm package, installed into a consumer project", function () {
  this.timeout(600000);
  let scratch: string;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-consumer-"));
    run("npm", ["pack", "--pack-destination", scratch, "--silent"], ROOT);
    const tarball = fs.readdirSync(scratch).find((f) => f.endsWith(".tgz")) as string;
    fs.writeFileSync(
      path.join(scratch, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        dependencies: { "pod-packet-forwarding": `file:./${tarball}` },
      }),
    );
    run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--silent"],
      scratch,
    );
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** Copies an example next to the installed package, type-checks and compiles it with the consumer's types. */
  function compile(example: string): string {
    const dir = path.join(scratch, example);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(ROOT, "examples", example, "index.ts"), path.join(dir, "index.ts"));
    fs.copyFileSync(path.join(ROOT, "examples", example, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", dir], scratch);
    return path.join(dir, "bin", "index.js");
  }

  function runUnderMocks(program: string, answers: Record<string, unknown>): Report {
    const file = path.join(scratch, "answers.json");
    fs.writeFileSync(file, JSON.stringify({ project: "consumer", stack: "test", ...answers }));
    const report = path.join(scratch, "report.json");
    // No AWS credentials or config reach the program: a kubeconfig's `aws eks get-token` must not find an account.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    execFileSync(process.execPath, [RUNNER, program, file, report], {
      cwd: scratch,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...env,
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    return JSON.parse(fs.readFileSync(report, "utf8")) as Report;
  }

  const world = sampleWorld();
  const invoke = (token: string, args: Record<string, unknown>) => answerAwsInvoke(world, token, args);
  const common = {
    "aws:index/getRegion:getRegion": { name: "us-east-1", region: "us-east-1", id: "us-east-1" },
    "aws:ec2/getVpc:getVpc": invoke("aws:ec2/getVpc:getVpc", { id: "vpc-0a1b2c3d4e5f60718" }),
  };

  it("ships compiled code, declarations, the Lambda and the agent program, and no build tools", () => {
    const pkg = path.join(scratch, "node_modules", "pod-packet-forwarding");
    for (const f of [
      "dist/components/index.js",
      "dist/components/index.d.ts",
      "dist/lambda/reconciler.js",
      "agent/Dockerfile",
      "agent/dist/agent.js",
    ]) {
      assert.ok(fs.existsSync(path.join(pkg, f)), `${f} missing from the package`);
    }
    assert.ok(!fs.existsSync(path.join(pkg, "tests")) && !fs.existsSync(path.join(pkg, "harness")));
    assert.ok(
      !fs.existsSync(path.join(scratch, "node_modules", "esbuild")),
      "esbuild must not be a runtime dependency",
    );
    assert.ok(
      !fs.existsSync(path.join(scratch, "node_modules", "ts-node")),
      "ts-node must not be a runtime dependency",
    );
  });

  it("offers the embedding API and the command line from the installed package", () => {
    const api = run(
      process.execPath,
      [
        "-e",
        "const a = require('pod-packet-forwarding/automation'); console.log(typeof a.up, typeof a.outputs)",
      ],
      scratch,
    );
    assert.equal(api.trim(), "function function");
    const help = run(
      path.join(scratch, "node_modules", ".bin", "pod-packet-forwarding"),
      ["--help"],
      scratch,
    );
    assert.match(help, /^Usage: pod-packet-forwarding <command> --stack NAME/);
    assert.match(help, /coverage/);
  });

  it("examples/with-eks-cluster: the agent goes through the cluster's kubeconfig, PODNET from its VPC", () => {
    const report = runUnderMocks(compile("with-eks-cluster"), {
      config: {
        "consumer:vpcId": "vpc-0a1b2c3d4e5f60718",
        "consumer:privateSubnetIds": JSON.stringify(["subnet-0aa11bb22cc33dd44"]),
        "consumer:sensorIps": JSON.stringify(["10.0.200.10"]),
        "consumer:agentImage": IMAGE,
      },
      invokes: common,
      resources: {
        "eks:index:Cluster": {
          eksCluster: {
            name: "prod-eksCluster-1234567",
            vpcConfig: { vpcId: "vpc-0a1b2c3d4e5f60718" },
            kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: "10.100.0.0/16" },
          },
          kubeconfigJson: '{"apiVersion":"v1","kind":"Config"}',
        },
      },
    });
    const env = report.outputs.agentEnvironment as Record<string, string>;
    assert.equal(env.PODNET, "10.0.0.0/16,100.64.0.0/16");
    assert.equal(env.SVCNET, "10.100.0.0/16");
    const k8s = report.resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.deepEqual(k8s.map((r) => r.type).sort(), [
      "kubernetes:apps/v1:DaemonSet",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    ]);
    for (const r of k8s) {
      assert.match(r.provider, /pulumi:providers:kubernetes::extrahop-k8s::/);
    }
  });

  it("examples/existing-cluster: by name, every lookup and AWS resource through the assumed-role provider", () => {
    fs.writeFileSync(path.join(scratch, "rpcapd_9.6.0_amd64.deb"), "!<arch>\n");
    const report = runUnderMocks(compile("existing-cluster"), {
      config: {
        "consumer:region": "us-east-1",
        "consumer:deployRoleArn": "arn:aws:iam::111122223333:role/extrahop-deployer",
        "consumer:clusterName": "demo",
        "consumer:sensorIps": JSON.stringify(["10.0.200.10"]),
        "consumer:rpcapdPackage": path.join(scratch, "rpcapd_9.6.0_amd64.deb"),
        "consumer:sensorNlbArn":
          "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/extrahop-sensors/50dc6c495c0c9188",
      },
      invokes: {
        ...common,
        "aws:eks/getCluster:getCluster": invoke("aws:eks/getCluster:getCluster", { name: "demo" }),
        "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" },
        "aws:index/getCallerIdentity:getCallerIdentity": {
          accountId: "111122223333",
          arn: "arn",
          userId: "u",
          id: "x",
        },
        "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
          userName: "AWS",
          password: "p",
          id: "us-east-1",
        },
      },
      resources: {
        "aws:ecr/repository:Repository": {
          repositoryUrl: "111122223333.dkr.ecr.us-east-1.amazonaws.com/extrahop-agent-repo",
          registryId: "111122223333",
        },
        "docker:index/image:Image": {
          repoDigest: `111122223333.dkr.ecr.us-east-1.amazonaws.com/extrahop-agent-repo@sha256:${"f".repeat(64)}`,
        },
        "aws:lambda/invocation:Invocation": {
          result: JSON.stringify({ created: [], kept: ["eni-1"], skipped: [] }),
        },
      },
    });
    const awsCalls = report.invokes.filter((i) => i.token.startsWith("aws:"));
    assert.ok(awsCalls.some((i) => i.token === "aws:eks/getCluster:getCluster"));
    for (const i of awsCalls) {
      assert.match(i.provider, /pulumi:providers:aws::cluster-account::/, `${i.token} through ${i.provider}`);
    }
    const awsResources = report.resources.filter((r) => r.type.startsWith("aws:"));
    assert.ok(awsResources.some((r) => r.type === "aws:ecr/repository:Repository"));
    assert.ok(awsResources.some((r) => r.type === "aws:lambda/function:Function"));
    for (const r of awsResources) {
      assert.match(r.provider, /pulumi:providers:aws::cluster-account::/, `${r.type} through ${r.provider}`);
    }
    assert.match(String(report.outputs.agentImage), /@sha256:f{64}$/);
    assert.deepEqual(report.outputs.mirroredEnis, ["eni-1"]);
  });
});
