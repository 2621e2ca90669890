/**
 * Scale benchmark of the program: evaluates the stack program offline on the plan's engine (fake AWS, Pulumi mocks,
 * the deploy-time reconcile run by the reconciler Lambda's code) for clusters of 10 to 1,000 nodes with 3 ENIs each,
 * one child process per size so peak memory is that size's own. Prints a table.
 *
 *   npm run bench:program            sizes 10 100 500 1000
 *   npm run bench:program -- 2000    other sizes
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startOfflineEngine } from "../adapters/plan/offlineEngine";
import { settle } from "../harness/pulumi/mocks";
import { syntheticFleet } from "../harness/aws/sampleCluster";

interface Measurement {
  nodes: number;
  enis: number;
  mirrored: number;
  resources: number;
  loadSeconds: number;
  seconds: number;
  peakRssMb: number;
}

/** One evaluation in this process: the whole program, from config to the last registered resource. */
async function measure(nodes: number): Promise<Measurement> {
  const world = syntheticFleet(nodes);
  const engine = await startOfflineEngine(world, { stack: "bench" });
  const loadStart = process.hrtime.bigint();
  const { stackProgram } = await import("../adapters/stack/program");
  const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-bench-"));
  const pkg = path.join(tmp, "rpcapd_9.6.0_amd64.deb");
  fs.writeFileSync(pkg, "stand-in");
  const started = process.hrtime.bigint();
  const out = stackProgram(
    {
      clusterName: "demo",
      sensorIps: ["10.0.200.10"],
      rpcapdPackage: pkg,
      mirrorTarget: {
        networkLoadBalancerArn:
          "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/sensors/50dc6c495c0c9188",
      },
    },
    { projectDir: tmp },
  );
  const mirrored = await new Promise<string[]>((resolve) => out.mirroredEnis.apply(resolve));
  await settle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  engine.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  return {
    nodes,
    enis: world.instances.reduce((n, i) => n + (i.NetworkInterfaces?.length ?? 0), 0),
    mirrored: mirrored.length,
    resources: engine.recorder.resources.length,
    loadSeconds,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function main(): Promise<void> {
  const child = process.env.PPF_BENCH_NODES;
  if (child) {
    process.stdout.write(JSON.stringify(await measure(Number(child))));
    return;
  }
  const sizes = process.argv.slice(2).map(Number);
  const rows: Measurement[] = [];
  for (const nodes of sizes.length ? sizes : [10, 100, 500, 1000]) {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename], {
      env: { ...process.env, PPF_BENCH_NODES: String(nodes) },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    rows.push(JSON.parse(out) as Measurement);
    const r = rows[rows.length - 1];
    console.error(`measured ${nodes} nodes: ${r.seconds.toFixed(2)} s`);
  }
  console.log(
    `program evaluation with the deploy-time reconcile, offline (fake AWS + Pulumi mocks), Node ${process.version}, ${os.cpus().length} cores`,
  );
  console.log(
    "| nodes | node ENIs | mirrored ENIs | Pulumi resources | module load (s) | evaluation (s) | peak RSS (MB) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.nodes} | ${r.enis} | ${r.mirrored} | ${r.resources} | ${r.loadSeconds.toFixed(2)} | ${r.seconds.toFixed(2)} | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
