/**
 * The coverage report over a cluster with every kind of gap: each node, Fargate profile and workload gets the
 * verdict and the reason the agent's and AWS's rules imply, uncovered entries first.
 */
import { strict as assert } from "node:assert";
import {
  agentExclusions,
  coverageReport,
  renderCoverage,
  tolerates,
  workloadOf,
  type CoverageEntry,
  type CoverageReport,
} from "../../components/coverage";
import { fixtureInputs, node, NODES, pod } from "./clusterFixture";

function entry(report: CoverageReport, kind: CoverageEntry["kind"], name: string): CoverageEntry {
  const e = report.entries.find((x) => x.kind === kind && x.name === name);
  assert.ok(e, `${kind} ${name} is in the report`);
  return e;
}

describe("coverage report", () => {
  const report = coverageReport(fixtureInputs());

  it("lists uncovered entries first, then partial, covered, empty profiles", () => {
    const order = ["not-covered", "partial", "covered", "no-pods"];
    const ranks = report.entries.map((e) => order.indexOf(e.status));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.equal(report.entries[0].status, "not-covered");
    assert.equal(report.entries[0].kind, "node");
  });

  it("nodes: agent and mirroring, taints, exclusion label, architecture, agent not ready, an ENI beyond the target limit", () => {
    const n1 = entry(report, "node", "ip-10-0-1-1");
    assert.equal(n1.status, "covered");
    assert.deepEqual(n1.coveredBy, ["agent", "mirroring"]);
    assert.match(n1.notes.join("\n"), /eni-01a1 is of type trunk: AWS cannot mirror it/);

    const n2 = entry(report, "node", "ip-10-0-2-2");
    assert.equal(n2.status, "partial");
    assert.deepEqual(n2.coveredBy, ["mirroring"]);
    assert.match(n2.reasons[0], /no agent: untolerated taint nvidia.com\/gpu=true:NoSchedule$/);
    // PreferNoSchedule and the taints the DaemonSet controller tolerates by itself are no reason.
    assert.doesNotMatch(n2.reasons[0], /spot|unschedulable/);

    const n3 = entry(report, "node", "ip-10-0-3-3");
    assert.equal(n3.status, "not-covered");
    assert.match(n3.reasons.join("\n"), /excluded by the label extrahop\/norpcapd/);
    assert.match(n3.reasons.join("\n"), /instance type t2.medium cannot be mirrored \(matches t2\.\*\)/);

    const n4 = entry(report, "node", "ip-10-0-4-4");
    assert.equal(n4.status, "not-covered");
    assert.match(n4.reasons.join("\n"), /architecture arm64 \(the agent image is amd64\)/);
    assert.match(n4.reasons.join("\n"), /c7g.large cannot be mirrored/);

    const n5 = entry(report, "node", "ip-10-0-5-5");
    assert.equal(n5.status, "partial");
    assert.match(
      n5.reasons[0],
      /ENI eni-05e1 has no mirror session \(the ENI target already has 10 sources\) but the agent counts the node as mirrored/,
    );

    const n6 = entry(report, "node", "ip-10-0-6-6");
    assert.equal(n6.status, "partial");
    assert.match(n6.reasons[0], /no Running and Ready agent pod on the node/);

    // A node younger than the settle time: the agent still reports what leaves it, so no gap yet.
    const young = entry(report, "node", "ip-10-0-9-9");
    assert.equal(young.status, "covered");
    assert.match(young.notes.join("\n"), /no mirror session yet/);

    assert.ok(
      !report.entries.some((e) => e.kind === "node" && e.name.startsWith("fargate-")),
      "Fargate nodes are profiles",
    );
  });

  it("workloads: grouped by owner, with the pod counts and the reason", () => {
    const web = entry(report, "workload", "shop/Deployment/web");
    assert.equal(web.status, "covered");
    assert.equal(web.pods, 2);
    assert.match(web.notes.join("\n"), /1 pod\(s\) pending/);

    assert.equal(entry(report, "workload", "shop/Deployment/api").status, "partial");
    const payments = entry(report, "workload", "shop/StatefulSet/payments");
    assert.equal(payments.status, "not-covered");
    assert.match(
      payments.reasons[0],
      /branch ENI \(security groups for pods\) cannot be mirrored and node ip-10-0-2-2 has no agent: untolerated taint/,
    );
    const ledger = entry(report, "workload", "shop/StatefulSet/ledger");
    assert.equal(ledger.status, "covered");
    assert.deepEqual(ledger.coveredBy, ["agent"]);

    const legacy = entry(report, "workload", "shop/ReplicaSet/legacy");
    assert.equal(legacy.status, "not-covered");
    assert.match(
      legacy.reasons[0],
      /node ip-10-0-3-3 has no agent: excluded by the label extrahop\/norpcapd; instance type t2.medium/,
    );
    assert.equal(entry(report, "workload", "shop/Pod/arm-worker").status, "not-covered");
    assert.equal(entry(report, "workload", "shop/Deployment/cache").status, "partial");

    const front = entry(report, "workload", "apps/Deployment/front");
    assert.equal(front.status, "not-covered");
    assert.deepEqual(front.reasons, ["1 of 2 pods: Fargate pod without the extrahop-rpcapd sidecar"]);
    assert.deepEqual(front.coveredBy, ["sidecar"]);
    const nightly = entry(report, "workload", "apps/CronJob/nightly");
    assert.equal(nightly.status, "covered");
    assert.deepEqual(nightly.coveredBy, ["sidecar"]);
    assert.ok(!report.entries.some((e) => e.name.includes("migrate")), "finished pods are ignored");
    assert.ok(
      !report.entries.some((e) => e.name.includes("extrahop-rpcapd")),
      "the agent's pods are the nodes' entries",
    );
  });

  it("Fargate profiles: who lacks the sidecar, and profiles with no pods", () => {
    const apps = entry(report, "fargate-profile", "apps");
    assert.equal(apps.status, "not-covered");
    assert.equal(apps.pods, 3);
    assert.match(apps.reasons.join("\n"), /workloads without a ready sidecar: apps\/Deployment\/front/);
    const batch = entry(report, "fargate-profile", "batch");
    assert.equal(batch.status, "no-pods");
  });

  it("without mirroring, a node without agent is not covered at all", () => {
    const off = coverageReport(
      fixtureInputs({ mirroring: { ...fixtureInputs().mirroring, enabled: false } }),
    );
    assert.equal(entry(off, "node", "ip-10-0-2-2").status, "not-covered");
    assert.deepEqual(entry(off, "node", "ip-10-0-1-1").coveredBy, ["agent"]);
    assert.equal(entry(off, "node", "ip-10-0-5-5").status, "covered");
    assert.equal(entry(off, "workload", "shop/Deployment/api").status, "not-covered");
  });

  it("before the rollout, every node the DaemonSet selects counts as having an agent", () => {
    const scheduled = coverageReport(fixtureInputs({ agentPods: "scheduled", pods: [] }));
    assert.deepEqual(entry(scheduled, "node", "ip-10-0-6-6").coveredBy, ["agent", "mirroring"]);
    assert.equal(entry(scheduled, "node", "ip-10-0-2-2").status, "partial");
  });

  it("without EC2 facts, the reconciler's skips still reveal the gap", () => {
    const m = fixtureInputs().mirroring;
    const r = coverageReport(fixtureInputs({ mirroring: { ...m, instances: undefined } }));
    assert.equal(entry(r, "node", "ip-10-0-5-5").status, "partial");
    assert.equal(entry(r, "node", "ip-10-0-1-1").status, "covered");
  });

  it("renders a summary and one line per entry with reasons under it", () => {
    const lines = renderCoverage(report);
    assert.match(lines[0], /^Coverage: \d+ not covered, \d+ partial, \d+ covered \(nodes: /);
    assert.match(lines[1], /^NOT COVERED {2}node ip-10-0-3-3/);
    assert.ok(
      lines.some((l) => /^NOT COVERED {2}workload apps\/Deployment\/front \(2 pods\) \[sidecar\]$/.test(l)),
    );
    assert.ok(
      lines.some((l) => l.includes("- 1 of 2 pods: Fargate pod without the extrahop-rpcapd sidecar")),
    );
    const counts = report.summary;
    assert.equal(counts.node["not-covered"] + counts.node.partial + counts.node.covered, NODES.length - 1);
  });
});

describe("coverage rules", () => {
  it("tolerations match taints as Kubernetes does", () => {
    const taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
    assert.ok(tolerates({ operator: "Exists" }, taint));
    assert.ok(tolerates({ key: "dedicated", operator: "Exists" }, taint));
    assert.ok(tolerates({ key: "dedicated", value: "gpu" }, taint));
    assert.ok(!tolerates({ key: "dedicated", value: "cpu" }, taint));
    assert.ok(!tolerates({ key: "dedicated", operator: "Exists", effect: "NoExecute" }, taint));
    assert.ok(!tolerates({ value: "gpu" }, taint), "an empty key needs Exists");
  });

  it("every exclusion reason of the DaemonSet is named", () => {
    const n = node({
      name: "n",
      arch: "arm64",
      labels: { "extrahop/norpcapd": "true", "kubernetes.io/os": "windows", pool: "a" },
      taints: [{ key: "team", value: "x", effect: "NoExecute" }],
    });
    const reasons = agentExclusions(n, {
      namespace: "extrahop",
      podLabels: {},
      excludeNodeLabel: "extrahop/norpcapd",
      architecture: "amd64",
      tolerations: [],
      nodeSelector: { pool: "b" },
    });
    assert.deepEqual(reasons, [
      "excluded by the label extrahop/norpcapd",
      "operating system windows (the agent runs on linux)",
      "architecture arm64 (the agent image is amd64)",
      "not selected by the agent's nodeSelector pool=b",
      "untolerated taint team=x:NoExecute",
    ]);
  });

  it("groups pods by their controllers' naming", () => {
    const rsPod = pod({
      name: "a",
      owner: { kind: "ReplicaSet", name: "web-7d9f" },
      labels: { "pod-template-hash": "7d9f" },
    });
    assert.deepEqual(workloadOf(rsPod), { namespace: "default", kind: "Deployment", name: "web" });
    const bareRs = pod({ name: "b", owner: { kind: "ReplicaSet", name: "legacy" } });
    assert.deepEqual(workloadOf(bareRs), { namespace: "default", kind: "ReplicaSet", name: "legacy" });
    assert.equal(
      workloadOf(pod({ name: "c", owner: { kind: "Job", name: "backup-29000000" } })).kind,
      "CronJob",
    );
    assert.equal(workloadOf(pod({ name: "d", owner: { kind: "Job", name: "backup-12345678" } })).kind, "Job");
    assert.deepEqual(workloadOf(pod({ name: "e" })), { namespace: "default", kind: "Pod", name: "e" });
  });
});
