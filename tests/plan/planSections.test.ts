/**
 * The plan's Coverage, Sensor path and Fargate sections: on the sample cluster, coverage lists every node, Fargate
 * profile and workload, uncovered first, with what reports it or why nothing does, and follows the plan's own
 * reconcile (mirroring on or off); on the user's AWS CLI output it points to the live report instead of inventing a
 * cluster; the sensor path says what the sensors' group must allow, or lists the rules the program creates; the
 * Fargate section prints a `kubectl patch` for each workload without the sidecar and writes the patches.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { PLAN_EXIT, planCli } from "../../adapters/plan/cli";
import { SAMPLE_CONFIG } from "../../adapters/plan/planInputs";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { writeCliOutput } from "./awsCliOutput";

const AGENT_IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`;
const STATUS_ORDER = ["NOT COVERED", "PARTIAL", "covered", "no pods"];

/** The lines of one section: from its first line to the blank line that ends it. */
function section(stdout: string, start: RegExp): string[] {
  const lines = stdout.split("\n");
  const from = lines.findIndex((l) => start.test(l));
  assert.ok(from >= 0, `section ${start} in:\n${stdout}`);
  const to = lines.indexOf("", from);
  return lines.slice(from, to === -1 ? undefined : to);
}

/** Entry lines of the coverage section (status, kind, name) without their reasons. */
function entries(lines: string[]): { status: string; subject: string }[] {
  return lines
    .map((l) => /^ {2}(NOT COVERED|PARTIAL|covered|no pods)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ status: m[1], subject: m[2] }));
}

describe("plan: coverage, sensor path and Fargate sections", function () {
  this.timeout(120000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-plan-sections-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await planCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: tmp });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }
  const config = (name: string, values: Record<string, unknown>): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, YAML.stringify(values));
    return file;
  };

  it("on the sample: coverage first, uncovered first, every node, profile and workload with who reports it", async () => {
    const r = await plan(["--out", "review"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[2], /^Coverage: 3 not covered, 4 partial, 6 covered \(nodes: 1 partial, 3 covered;/);
    const cov = section(r.stdout, /^Coverage: /);
    const listed = entries(cov);
    const ranks = listed.map((e) => STATUS_ORDER.indexOf(e.status));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
      "uncovered first",
    );
    // Every running worker of the sample, every profile, every workload but the agent itself.
    for (const subject of [
      "node ip-10-0-32-11.ec2.internal [agent, mirroring]",
      "node ip-10-0-0-12.ec2.internal [agent, mirroring]",
      "node ip-10-0-32-13.ec2.internal [mirroring]",
      "node ip-10-0-0-14.ec2.internal [agent]",
      "Fargate profile serverless (3 pods) [sidecar]",
      "Fargate profile batch (0 pods)",
      "workload payments/Deployment/payments-api (1 pod)",
      "workload serverless/Deployment/thumbnailer (2 pods)",
      "workload serverless/Deployment/notifier (1 pod) [sidecar]",
      "workload payments/StatefulSet/ledger (1 pod) [mirroring]",
      "workload web/Deployment/storefront (3 pods) [agent, mirroring]",
    ]) {
      assert.ok(
        listed.some((e) => e.subject === subject),
        `${subject} in:\n${cov.join("\n")}`,
      );
    }
    assert.equal(listed.length, 14);
    const text = cov.join("\n");
    // Why nothing reports them: branch ENI with mirroring only, Fargate without sidecar, the exclusion label.
    assert.match(
      text,
      /NOT COVERED {2}workload payments\/Deployment\/payments-api \(1 pod\)\n\s+- branch ENI \(security groups for pods\) cannot be mirrored and node ip-10-0-32-13\.ec2\.internal has no agent: excluded by the label extrahop\/norpcapd/,
    );
    assert.match(
      text,
      /thumbnailer \(2 pods\)\n\s+- 2 of 2 pods: Fargate pod without the extrahop-rpcapd sidecar/,
    );
    assert.match(text, /note: ENI eni-000000000000a003f is of type trunk: AWS cannot mirror it/);
    // Aligned: every entry's subject starts in the same column.
    const columns = cov
      .filter((l) => /^ {2}(NOT|PAR|cov|no )/.test(l))
      .map((l) => l.search(/(node|Fargate|workload) /));
    assert.equal(new Set(columns).size, 1);
  });

  it("follows the plan's reconcile: without mirroring the excluded node and its pods are not covered at all", async () => {
    const noMirror = Object.fromEntries(Object.entries(SAMPLE_CONFIG).filter(([k]) => k !== "mirrorTarget"));
    const r = await plan(["--config", config("plain.yaml", noMirror), "--out", "review"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    const cov = section(r.stdout, /^Coverage: /);
    const listed = entries(cov);
    assert.ok(
      listed.some((e) => e.status === "NOT COVERED" && e.subject === "node ip-10-0-32-13.ec2.internal"),
    );
    assert.ok(
      listed.some(
        (e) => e.status === "NOT COVERED" && e.subject === "workload payments/StatefulSet/ledger (1 pod)",
      ),
    );
    assert.match(cov[1], /no VPC Traffic Mirroring\)$/);
    assert.ok(!listed.some((e) => e.subject.includes("mirroring")), cov.join("\n"));
  });

  it("on the user's AWS CLI output: no invented cluster, the live coverage command instead", async () => {
    const files = writeCliOutput(sampleWorld(), tmp);
    const r = await plan([
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
    assert.deepEqual(section(r.stdout, /^Coverage/), [
      "Coverage: needs the cluster's Kubernetes API (Nodes, Pods), which the offline plan does not reach.",
      "  After pulumi up: npx pod-packet-forwarding coverage --stack <stack>  (every node, Fargate profile and workload, uncovered first)",
    ]);
    assert.doesNotMatch(r.stdout, /NOT COVERED|ip-10-0-32-13/);
  });

  it("sensor path: what the sensors' group must allow when it is not given", async () => {
    const r = await plan(["--out", "review"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    const text = section(r.stdout, /^Sensor path/).join("\n");
    assert.match(
      text,
      /- sensorSecurityGroupId is not set: nothing is created for the sensors; their security group must allow TCP 2003 \(RPCAP control\) and TCP\+UDP all ports \(RPCAP data, sensor-chosen\) from cluster security group sg-0f1e2d3c4b5a69788\./,
    );
    assert.match(text, /mirror target NLB: if it has security groups, set mirrorTargetSecurityGroupId/);
    assert.doesNotMatch(text, /Ingress rules to create/);
  });

  it("sensor path: the rules the program creates when sensorSecurityGroupId is set", async () => {
    const file = config("sg.yaml", {
      clusterName: "demo",
      sensorIps: ["10.0.200.10"],
      agentImage: AGENT_IMAGE,
      sensorSecurityGroupId: "sg-0123456789abcdef0",
      sensorDataPorts: { from: 2003, to: 2010 },
    });
    const r = await plan(["--config", file, "--out", "review"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    const text = section(r.stdout, /^Sensor path/).join("\n");
    assert.match(
      text,
      /- sensor security group: allows TCP 2003 \(RPCAP control\) and TCP\+UDP ports 2003-2010 \(RPCAP data, sensor-chosen\) from cluster security group sg-0f1e2d3c4b5a69788\./,
    );
    assert.match(
      text,
      /Ingress rules to create \(3\):\n {4}GROUP {17}FROM GROUP {12}PROTO {2}PORTS {6}DESCRIPTION\n/,
    );
    for (const row of [
      /sg-0123456789abcdef0 {2}sg-0f1e2d3c4b5a69788 {2}tcp {4}2003-2010 {2}RPCAP data \(TCP/,
      /sg-0123456789abcdef0 {2}sg-0f1e2d3c4b5a69788 {2}udp {4}2003-2010 {2}RPCAP data \(UDP/,
      /sg-0123456789abcdef0 {2}sg-0f1e2d3c4b5a69788 {2}tcp {4}2003 {7}RPCAP control/,
    ]) {
      assert.match(text, row);
    }
    // No Fargate profiles in this config: no Fargate section and no patches.
    assert.doesNotMatch(r.stdout, /^Fargate pods/m);
    assert.ok(!fs.readdirSync(path.join(tmp, "review")).some((f) => f.startsWith("fargate-sidecar.")));
  });

  it("Fargate: a kubectl patch for each workload without the sidecar, and the patch files beside the manifests", async () => {
    const r = await plan(["--out", "review/"]);
    assert.equal(r.code, PLAN_EXIT.ok, r.stderr);
    const text = section(r.stdout, /^Fargate pods/).join("\n");
    assert.match(text, /profile serverless: namespace "serverless"/);
    assert.match(text, /profile batch: namespace "batch" with labels compute=fargate/);
    assert.match(
      text,
      /\n {4}kubectl patch deployment thumbnailer -n serverless --type strategic --patch-file review\/fargate-sidecar\.deployment\.strategic\.json\n/,
    );
    assert.doesNotMatch(text, /notifier|<name>/, "the workload with a ready sidecar needs no patch");
    assert.match(
      text,
      /Sidecar patches \(12, strategic merge and JSON patch per workload kind\) written to review\/\./,
    );
    const image = /^Image: (\S+)/m.exec(r.stdout)?.[1];
    const patch = JSON.parse(
      fs.readFileSync(path.join(tmp, "review", "fargate-sidecar.deployment.strategic.json"), "utf8"),
    ) as {
      spec: {
        template: {
          spec: { containers: { name: string; image: string; env: { name: string; value?: string }[] }[] };
        };
      };
    };
    const [sidecar] = patch.spec.template.spec.containers;
    assert.equal(sidecar.name, "extrahop-rpcapd");
    assert.equal(sidecar.image, image);
    assert.equal(sidecar.env.find((e) => e.name === "EXTRAHOP_SENSOR_IP")?.value, "10.0.200.10,10.0.200.11");
    const jsonPatch = JSON.parse(
      fs.readFileSync(path.join(tmp, "review", "fargate-sidecar.cronjob.jsonpatch.json"), "utf8"),
    ) as { path: string }[];
    assert.equal(jsonPatch[0].path, "/spec/jobTemplate/spec/template/spec/initContainers/-");
  });
});
