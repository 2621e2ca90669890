/**
 * Reconcile time and EC2 API calls for 10, 100 and 1,000 nodes (3 ENIs each, `syntheticFleet`) against the fake
 * EC2 API: the first run (every session created), a steady-state run (every session kept), and a run after 10% of
 * the nodes were replaced (churn). Run: `npx ts-node --transpile-only bench/reconcile.ts`.
 *
 * Calls to watch: Describe* grow with pages (1,000 results each), Create/Delete with the ENIs that changed.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { makeHandler } from "../lambda/reconciler/index";
import type { ReconcileSummary } from "../lambda/reconciler/reconcile";
import { installFakeAws } from "../harness/aws/fakeAws";
import { installFakeMirroring } from "../harness/aws/fakeMirroring";
import { syntheticFleet } from "../harness/aws/sampleCluster";

const TARGET = "tmt-0ee55ff6600770088";
const env = {
  CLUSTER_NAME: "demo",
  TRAFFIC_MIRROR_FILTER_ID: "tmf-0aa11bb22cc33dd44",
  TRAFFIC_MIRROR_TARGET_ID: TARGET,
  TRAFFIC_MIRROR_TARGET_KIND: "network-load-balancer",
  SESSION_NUMBER: "10",
  OWNER: "pod-packet-forwarding/bench/mirror",
};
const scheduled = { "detail-type": "Scheduled Event", source: "aws.events", detail: {} };

interface Row {
  nodes: number;
  run: string;
  ms: number;
  describeInstances: number;
  describeSessions: number;
  create: number;
  delete: number;
  created: number;
  kept: number;
  removed: number;
}

async function bench(nodes: number): Promise<Row[]> {
  const world = syntheticFleet(nodes);
  const fake = installFakeAws(world);
  installFakeMirroring(fake, world, { targets: { [TARGET]: { kind: "network-load-balancer" } } });
  const handler = makeHandler({ ec2: new EC2Client({ region: world.region }), env, log: () => undefined });
  const rows: Row[] = [];
  const measure = async (run: string) => {
    for (const k of Object.keys(fake.calls)) {
      delete fake.calls[k];
    }
    const t0 = process.hrtime.bigint();
    const s = (await handler(scheduled)) as ReconcileSummary;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    rows.push({
      nodes,
      run,
      ms,
      describeInstances: fake.calls.DescribeInstances ?? 0,
      describeSessions: fake.calls.DescribeTrafficMirrorSessions ?? 0,
      create: fake.calls.CreateTrafficMirrorSession ?? 0,
      delete: fake.calls.DeleteTrafficMirrorSession ?? 0,
      created: s.counts.created,
      kept: s.counts.kept,
      removed: s.counts.removed,
    });
  };
  await measure("first");
  await measure("steady");
  // Churn: 10% of the nodes terminate and as many new ones (3 ENIs each) arrive.
  const replace = Math.max(1, Math.round(nodes / 10));
  const fresh = syntheticFleet(nodes + replace).instances.slice(nodes);
  world.instances.splice(0, replace, ...fresh);
  await measure("churn 10%");
  fake.restore();
  return rows;
}

async function main() {
  const rows: Row[] = [];
  for (const n of [10, 100, 1000]) {
    rows.push(...(await bench(n)));
  }
  const header =
    "| nodes | ENIs | run | time (ms) | DescribeInstances | DescribeTrafficMirrorSessions | Create | Delete | created | kept | removed |";
  console.log(header);
  console.log(
    `|${header
      .split("|")
      .slice(1, -1)
      .map(() => "---")
      .join("|")}|`,
  );
  for (const r of rows) {
    console.log(
      `| ${r.nodes} | ${r.nodes * 3} | ${r.run} | ${r.ms.toFixed(0)} | ${r.describeInstances} | ${r.describeSessions} | ${r.create} | ${r.delete} | ${r.created} | ${r.kept} | ${r.removed} |`,
    );
  }
  console.log(
    `\nNode ${process.version}, ${new Date().toISOString()}; fake EC2 (aws-sdk-client-mock), no network latency.`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
