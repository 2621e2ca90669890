/**
 * The plan on what the real AWS CLI prints: the CLI installed on this machine (`aws`), pointed at a local endpoint
 * that answers from the sample account on the wire, saves the three outputs a user would save; the plan must take
 * them as they are and the reconcile must mirror the sample's nodes. Both timestamp settings of the CLI
 * (`cli_timestamp_format`): `none` prints the wire value (ISO 8601 from EC2, epoch seconds from EKS; version 1's
 * default), `iso8601` reformats every timestamp (`+00:00`; version 2's default). Skipped, saying so, where no `aws`
 * is installed.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLAN_EXIT, planCli } from "../../adapters/plan/cli";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { startWireEndpoint, type WireEndpoint } from "./awsWireEndpoint";

/** Runs the AWS CLI without blocking the event loop (the endpoint answers from this process). */
function awsCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("aws", args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir !== "" && fs.existsSync(path.join(dir, command)));
}

/** `aws --version`, e.g. `aws-cli/2.9.19 Python/3.11.2 ...` (version 1 printed it on stderr). */
function awsVersion(): string {
  return execFileSync("sh", ["-c", "aws --version 2>&1"], { encoding: "utf8" }).trim();
}

describe("plan: output of the real AWS CLI", function () {
  this.timeout(180000);
  let tmp: string;
  let endpoint: WireEndpoint | undefined;
  before(function () {
    if (!onPath("aws")) {
      throw new Error(
        "the plan's real-CLI test needs the aws command (scripts/install-test-deps.sh installs awscli)",
      );
    }
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-real-cli-"));
  });
  afterEach(async () => {
    await endpoint?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // The CLI's name for "as the service sent it": `none` in version 1, `wire` in version 2 (which refuses `none`).
  const wireSetting = /^aws-cli\/1\./.test(awsVersion()) ? "none" : "wire";
  const formats = [
    {
      setting: wireSetting,
      launchTime: /"LaunchTime": "2026-11-02T08:15:00\.000Z"/,
      createdAt: /"createdAt": 1790847012\.345/,
    },
    {
      setting: "iso8601",
      launchTime: /"LaunchTime": "2026-11-02T08:15:00\+00:00"/,
      createdAt: /"createdAt": "2026-10-01T09:30:12\.345000\+00:00"/,
    },
  ];
  for (const format of formats) {
    it(`plans from what the describe commands print with cli_timestamp_format = ${format.setting}`, async () => {
      await planFromRealCli(format);
    });
  }

  async function planFromRealCli(format: (typeof formats)[number]): Promise<void> {
    const world = sampleWorld();
    endpoint = await startWireEndpoint(world, new Date("2026-10-01T09:30:12.345Z"));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: tmp,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_CONFIG_FILE: path.join(tmp, "config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, "no-credentials"),
      AWS_PAGER: "",
    };
    fs.writeFileSync(env.AWS_CONFIG_FILE as string, `[default]\ncli_timestamp_format = ${format.setting}\n`);
    const common = ["--endpoint-url", endpoint.url, "--region", world.region, "--output", "json"];
    const files: Record<string, string> = {};
    for (const [name, args] of Object.entries({
      cluster: ["eks", "describe-cluster", "--name", "demo"],
      vpcs: ["ec2", "describe-vpcs", "--vpc-ids", "vpc-0a1b2c3d4e5f60718"],
      instances: ["ec2", "describe-instances"],
    })) {
      const r = await awsCli([...args, ...common], env);
      assert.equal(r.code, 0, `aws ${args.join(" ")}: ${r.stderr}`);
      files[name] = path.join(tmp, `${name}.json`);
      fs.writeFileSync(files[name], r.stdout);
    }
    assert.deepEqual(endpoint.calls, ["EKS GET /clusters/demo", "EC2 DescribeVpcs", "EC2 DescribeInstances"]);
    // What the CLI printed is the real thing: timestamps in the setting's format, not the SDK's Dates.
    assert.match(fs.readFileSync(files.instances, "utf8"), format.launchTime);
    assert.match(fs.readFileSync(files.cluster, "utf8"), format.createdAt);

    const config = path.join(tmp, "config.json");
    fs.writeFileSync(
      config,
      JSON.stringify({
        clusterName: "demo",
        sensorIps: ["10.0.200.10"],
        agentImage: `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`,
        mirrorTarget: { gatewayLoadBalancerEndpointId: "vpce-0123456789abcdef0" },
      }),
    );
    const out: string[] = [];
    const err: string[] = [];
    const code = await planCli(
      [
        "--config",
        config,
        "--describe-cluster",
        files.cluster,
        "--describe-vpcs",
        files.vpcs,
        "--describe-instances",
        files.instances,
        "--out",
        path.join(tmp, "out"),
      ],
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    );
    assert.equal(code, PLAN_EXIT.ok, err.join("\n"));
    const report = out.join("\n");
    assert.match(
      report,
      /^Plan for EKS cluster demo in us-east-1, account 111122223333 \(an account built from your AWS CLI output;/,
    );
    assert.match(report, /PODNET\s+10\.0\.0\.0\/16,100\.64\.0\.0\/16/);
    assert.match(report, /: 7 created, 0 kept, 0 removed, 2 skipped/);
  }
});
