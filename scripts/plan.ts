/**
 * Offline plan: runs the real program against fake AWS and Pulumi engines and prints what `pulumi up` would do:
 * resources by type, the agent's env values, mirrored and skipped ENIs, the filter rules and the sensor-side
 * steps; writes the rendered Kubernetes manifests for review.
 *
 *   npm run plan                                   built-in sample cluster
 *   npm run plan -- --config my-stack.json         your config on the sample cluster
 *   npm run plan -- --config c.json --describe-cluster dc.json --describe-vpcs dv.json --describe-instances di.json
 *                                                  your own `aws eks describe-cluster` / `aws ec2 describe-*` output
 *   npm run plan -- --out DIR                      manifests folder (default out/plan)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient } from "@aws-sdk/client-eks";
import * as YAML from "yaml";
import { ConfigError } from "../components/config";
import { installFakeAws } from "../harness/aws/fakeAws";
import { installPulumiMocks, settle, type RecordedResource } from "../harness/pulumi/mocks";
import { SAMPLE_CLUSTER, sampleWorld } from "../harness/aws/sampleCluster";
import type { AwsWorld } from "../harness/aws/world";

const USAGE =
  "usage: npm run plan -- [--config FILE.json|yaml] [--describe-cluster F] [--describe-vpcs F] [--describe-instances F] [--out DIR]";

/** The built-in sample stack: two sensors, mirroring to an NLB, a stand-in vendor package. */
function sampleConfig(packagePath: string): Record<string, unknown> {
  return {
    clusterName: SAMPLE_CLUSTER,
    sensorIps: ["10.0.200.10", "10.0.200.11"],
    sensorPort: 2003,
    rpcapdPackage: packagePath,
    mirrorTarget: {
      networkLoadBalancerArn:
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/extrahop-sensors/50dc6c495c0c9188",
    },
    mirroredOnlyCidrs: ["100.64.0.0/16"],
    tags: { environment: "sample" },
  };
}

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  return file.endsWith(".yaml") || file.endsWith(".yml") ? YAML.parse(text) : JSON.parse(text);
}

/** The sample world, with the parts the user supplied from their own AWS CLI output swapped in. */
function worldFrom(args: { cluster?: string; vpcs?: string; instances?: string }): AwsWorld {
  const world = sampleWorld();
  if (args.cluster) {
    const { cluster } = readJson(args.cluster) as { cluster: AwsWorld["clusters"][number] };
    world.clusters = [cluster];
    world.region = cluster.arn?.split(":")[3] ?? world.region;
    world.accountId = cluster.arn?.split(":")[4] ?? world.accountId;
    world.networkInterfaces = [];
  }
  if (args.vpcs) {
    world.vpcs = (readJson(args.vpcs) as { Vpcs: AwsWorld["vpcs"] }).Vpcs;
  }
  if (args.instances) {
    const { Reservations } = readJson(args.instances) as {
      Reservations: { Instances?: AwsWorld["instances"] }[];
    };
    world.instances = Reservations.flatMap((r) => r.Instances ?? []);
  }
  return world;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Writes each Kubernetes resource's inputs as a manifest file; returns the paths. */
function writeManifests(resources: RecordedResource[], outDir: string): string[] {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
    .map((r, i) => {
      const manifest = r.inputs as { kind?: string; metadata?: { name?: string } };
      const file = path.join(
        outDir,
        `${String(i + 1).padStart(2, "0")}-${manifest.kind}-${manifest.metadata?.name}.yaml`,
      );
      fs.writeFileSync(file, YAML.stringify(manifest));
      return file;
    });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "describe-cluster": { type: "string" },
      "describe-vpcs": { type: "string" },
      "describe-instances": { type: "string" },
      out: { type: "string", default: "out/plan" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const stageDir = path.resolve(".build", "plan");
  fs.mkdirSync(stageDir, { recursive: true });
  // The plan never builds the image, so a stand-in file is enough to stage the build context.
  const standIn = path.join(stageDir, "rpcapd-sample-standin.deb");
  fs.writeFileSync(standIn, "stand-in for the vendor's rpcapd package (offline plan only)\n");
  const rawConfig = values.config ? readJson(values.config) : sampleConfig(standIn);

  const world = worldFrom({
    cluster: values["describe-cluster"],
    vpcs: values["describe-vpcs"],
    instances: values["describe-instances"],
  });
  const fake = installFakeAws(world);
  const recorder = await installPulumiMocks(world, { stack: "plan" });
  const { podPacketForwardingProgram } = await import("../program");
  const clients = {
    region: world.region,
    eks: new EKSClient({ region: world.region }),
    ec2: new EC2Client({ region: world.region }),
  };
  const outputs = await podPacketForwardingProgram(rawConfig, {
    clients,
    stagingRoot: path.join(stageDir, "context"),
  });
  const image = await new Promise<string>((resolve) => outputs.agentImage.apply(resolve));
  await settle();
  fake.restore();

  const byType = new Map<string, number>();
  for (const r of recorder.resources) {
    byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  }
  const out: string[] = [];
  out.push(
    `Plan for cluster ${String((rawConfig as { clusterName?: string }).clusterName ?? "(self-managed)")} in ${world.region} (offline: fake AWS, no changes made)`,
    "",
  );
  out.push(
    `Resources to create (${recorder.resources.length}):`,
    table([["TYPE", "COUNT"], ...[...byType].map(([t, n]) => [t, String(n)])]),
    "",
  );
  out.push(
    "Agent environment (every node):",
    table(Object.entries(outputs.agentEnvironment).map(([k, v]) => [`  ${k}`, v])),
    "",
  );
  out.push(`Image: ${image}  (digest computed by the mock; the real one comes from the build)`, "");
  const rules = recorder.resources.filter(
    (r) => r.type === "aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule",
  );
  if (rules.length) {
    out.push(`Mirror filter rules (${rules.length}):`);
    out.push(
      table([
        ["DIR", "#", "ACTION", "PROTO", "SOURCE", "DESTINATION", "DESCRIPTION"],
        ...rules.map((r) => {
          const i = r.inputs as Record<string, unknown>;
          return [
            String(i.trafficDirection),
            String(i.ruleNumber),
            String(i.ruleAction),
            String(i.protocol ?? "all"),
            String(i.sourceCidrBlock),
            String(i.destinationCidrBlock),
            String(i.description ?? ""),
          ];
        }),
      ]),
      "",
    );
  }
  out.push(
    `Mirrored ENIs (${outputs.mirroredEnis.length}):`,
    ...outputs.mirroredEnis.map((e) => `  ${e}`),
    "",
  );
  if (outputs.skippedMirrorSources.length) {
    out.push(`Not mirrored (${outputs.skippedMirrorSources.length}):`);
    out.push(
      ...outputs.skippedMirrorSources.map(
        (s) => `  ${s.instanceId} ${s.instanceType} ${s.reason}: ${s.detail}`,
      ),
      "",
    );
  }
  const files = writeManifests(recorder.resources, path.resolve(values.out ?? "out/plan"));
  out.push(
    `Kubernetes manifests (${files.length}) written to ${values.out}:`,
    ...files.map((f) => `  ${path.relative(process.cwd(), f)}`),
    "",
  );
  out.push("On the sensor:", ...outputs.sensorSteps.map((s, i) => `  ${i + 1}. ${s}`));
  console.log(out.join("\n"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
