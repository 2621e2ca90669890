/**
 * `pod-packet-forwarding coverage` end to end: the stack's config from its stack file (or from the stack through a
 * replaced Automation API opener), the cluster from a Kubernetes API server behind HTTPS, and EC2/STS from the
 * wire-level fake (`harness/aws/http`) reached through `AWS_ENDPOINT_URL` by the real SDK clients.
 *
 * The credentials test: the process's default credentials (`AWS_ACCESS_KEY_ID`), the stack's profile and the
 * roles it assumes all have different access keys, and only the role's may call EC2; the fake checks the SigV4
 * signature of every request, so the recorded access key ids prove which credentials reached which API.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Instance, TrafficMirrorSession } from "@aws-sdk/client-ec2";
import * as YAML from "yaml";
import { COVERAGE_EXIT, runCoverage, type CoverageIo } from "../../adapters/coverage";
import { PulumiCliError } from "../../adapters/automation/pulumiCli";
import { startFakeAwsServer, type FakeAwsAccount, type FakeAwsServer } from "../../harness/aws/http";
import type { AwsWorld } from "../../harness/aws/world";
import { serveRecordedCluster, type ServedCluster } from "../../harness/kube/discovery/servedCluster";
import { INSTANCES, NODES, NOW, PODS } from "./clusterFixture";

const ACCOUNT = "111122223333";
const AUDITOR = `arn:aws:iam::${ACCOUNT}:role/ExtraHopAuditor`;
const READER = `arn:aws:iam::${ACCOUNT}:role/Ec2Reader`;
const DEFAULT_KEY = { accessKeyId: "AKIADEFAULT000000001", secretAccessKey: "default-secret-key" };
const PROFILE_KEY = { accessKeyId: "AKIAPROFILE000000002", secretAccessKey: "profile-secret-key" };
const AGENT_IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"e".repeat(64)}`;
const OWNER = "pod-packet-forwarding/cov/pod-packet-forwarding-mirror";

/** The fixture's nodes as EC2 instances, and this stack's sessions on four of their ENIs. */
function world(): AwsWorld {
  const instances: Instance[] = [
    ...INSTANCES,
    {
      instanceId: "i-0000000000000003c",
      instanceType: "t2.medium",
      networkInterfaces: [{ networkInterfaceId: "eni-03c0", interfaceType: "interface", deviceIndex: 0 }],
    },
  ].map((i) => ({
    InstanceId: i.instanceId,
    InstanceType: (i.instanceType ?? "m5.large") as Instance["InstanceType"],
    State: { Code: 16, Name: "running" },
    Placement: { AvailabilityZone: "us-east-1a" },
    Tags: [{ Key: "eks:cluster-name", Value: "demo" }],
    NetworkInterfaces: i.networkInterfaces.map((e) => ({
      NetworkInterfaceId: e.networkInterfaceId,
      InterfaceType: e.interfaceType,
      Status: "in-use",
      Attachment: {
        AttachmentId: `${e.networkInterfaceId}-attach`,
        DeviceIndex: e.deviceIndex,
        Status: "attached",
      },
    })),
  }));
  const session = (eni: string, n: number, owner = OWNER): TrafficMirrorSession => ({
    TrafficMirrorSessionId: `tms-0000000000000000${n}`,
    TrafficMirrorTargetId: "tmt-0000000000000001",
    TrafficMirrorFilterId: "tmf-0000000000000001",
    NetworkInterfaceId: eni,
    SessionNumber: 10,
    OwnerId: ACCOUNT,
    Tags: [{ Key: "pod-packet-forwarding/owner", Value: owner }],
  });
  return {
    accountId: ACCOUNT,
    region: "eu-west-1",
    clusters: [],
    vpcs: [],
    subnets: [],
    instances,
    networkInterfaces: [],
    trafficMirrorSessions: [
      session("eni-01a0", 1),
      session("eni-02b0", 2),
      session("eni-05e0", 3),
      session("eni-06f0", 4),
      session("eni-09a0", 5, "pod-packet-forwarding/other-stack/pod-packet-forwarding-mirror"),
    ],
  };
}

function account(ec2Principals?: string[]): FakeAwsAccount {
  return {
    world: world(),
    users: [
      { userArn: `arn:aws:iam::${ACCOUNT}:user/laptop-default`, ...DEFAULT_KEY },
      { userArn: `arn:aws:iam::${ACCOUNT}:user/prod-deployer`, ...PROFILE_KEY },
    ],
    roles: [
      {
        roleArn: AUDITOR,
        trustedPrincipals: [`arn:aws:iam::${ACCOUNT}:user/prod-deployer`],
        externalId: "ext-123",
      },
      { roleArn: READER, trustedPrincipals: [AUDITOR] },
    ],
    ec2Principals,
  };
}

describe("coverage command", function () {
  this.timeout(60000);
  let cluster: ServedCluster;
  let dir: string;
  let fake: FakeAwsServer | undefined;
  /** The variables the SDK reads, saved before each test and put back after it (process.env itself stays the same object). */
  const SDK_VARIABLES = [
    "HOME",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
  ];
  let savedEnv: Record<string, string | undefined>;

  before(async () => {
    cluster = await serveRecordedCluster({
      objects: {
        "/api/v1/nodes": { kind: "NodeList", apiVersion: "v1", metadata: {}, items: NODES },
        "/api/v1/pods": { kind: "PodList", apiVersion: "v1", metadata: {}, items: PODS },
      },
      servedGroups: [],
    });
  });
  after(async () => {
    await cluster.close();
  });
  beforeEach(() => {
    savedEnv = Object.fromEntries(SDK_VARIABLES.map((k) => [k, process.env[k]]));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-coverage-"));
    fs.writeFileSync(path.join(dir, "kubeconfig"), cluster.kubeconfig);
    fs.writeFileSync(
      path.join(dir, "credentials"),
      `[default]\naws_access_key_id = AKIANOTUSED000000009\naws_secret_access_key = x\n\n` +
        `[prod]\naws_access_key_id = ${PROFILE_KEY.accessKeyId}\naws_secret_access_key = ${PROFILE_KEY.secretAccessKey}\n`,
    );
    fs.writeFileSync(path.join(dir, "config"), "");
  });
  afterEach(async () => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
    await fake?.close();
    fake = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Writes Pulumi.cov.yaml with the project keys and the given aws:* keys. */
  function stackFile(aws: Record<string, unknown>, project: Record<string, unknown> = {}): void {
    const config: Record<string, unknown> = { "aws:region": "eu-west-1" };
    for (const [k, v] of Object.entries(aws)) {
      config[`aws:${k}`] = v;
    }
    const own = {
      clusterName: "demo",
      sensorIps: ["10.0.200.10"],
      agentImage: AGENT_IMAGE,
      mirrorTarget: {
        networkLoadBalancerArn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/net/sensors/0123456789abcdef`,
      },
      tolerations: [{ key: "dedicated", operator: "Exists" }],
      ...project,
    };
    for (const [k, v] of Object.entries(own)) {
      if (v !== undefined) {
        config[`pod-packet-forwarding:${k}`] = v;
      }
    }
    fs.writeFileSync(path.join(dir, "Pulumi.cov.yaml"), YAML.stringify({ config }));
  }

  /** Runs the command with the process environment the SDK reads (endpoint, default keys, no real ~/.aws). */
  async function run(argv: string[], extra: Partial<CoverageIo> = {}) {
    Object.assign(process.env, {
      HOME: dir,
      AWS_CONFIG_FILE: path.join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-such-credentials"),
      AWS_ACCESS_KEY_ID: DEFAULT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEFAULT_KEY.secretAccessKey,
      AWS_ENDPOINT_URL: fake?.url ?? "http://127.0.0.1:9",
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCoverage(["coverage", "--stack", "cov", "--kubeconfig", "kubeconfig", ...argv], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: process.env,
      cwd: dir,
      now: () => NOW,
      openStack: async () => {
        throw new Error("the stack file must be used");
      },
      ...extra,
    });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }

  describe("credentials at the HTTP level", function () {
    it("EC2 is called with the assumed role's key: profile -> role with external id -> chained role", async () => {
      fake = await startFakeAwsServer(account([READER]));
      stackFile({
        profile: "prod",
        sharedCredentialsFiles: [path.join(dir, "credentials")],
        assumeRoles: [
          { roleArn: AUDITOR, externalId: "ext-123", sessionName: "coverage-audit" },
          { roleArn: READER },
        ],
      });
      const r = await run([]);
      assert.equal(r.code, COVERAGE_EXIT.ok, r.stderr);
      const sts = fake.requests.filter((q) => q.service === "sts");
      assert.deepEqual(
        sts.map((q) => [
          q.action,
          q.accessKeyId,
          q.params.RoleArn,
          q.params.ExternalId,
          q.params.RoleSessionName,
          q.status,
        ]),
        [
          ["AssumeRole", PROFILE_KEY.accessKeyId, AUDITOR, "ext-123", "coverage-audit", 200],
          [
            "AssumeRole",
            fake.issued[0].accessKeyId,
            READER,
            undefined,
            "pod-packet-forwarding-coverage",
            200,
          ],
        ],
      );
      const ec2 = fake.requests.filter((q) => q.service === "ec2");
      assert.deepEqual([...new Set(ec2.map((q) => q.action))].sort(), [
        "DescribeInstances",
        "DescribeNetworkInterfaces",
        "DescribeTrafficMirrorSessions",
      ]);
      assert.ok(
        ec2.every(
          (q) =>
            q.accessKeyId === fake?.issued[1].accessKeyId && q.status === 200 && q.region === "eu-west-1",
        ),
      );
      assert.ok(
        !fake.requests.some((q) => q.accessKeyId === DEFAULT_KEY.accessKeyId),
        "the default credentials are never used",
      );
      // The live facts made it into the report: the ENI beyond the target's limit and another stack's session.
      assert.match(
        r.stdout,
        /PARTIAL {6}node ip-10-0-5-5 \[agent, mirroring\]\n {13}- ENI eni-05e1 has no mirror session/,
      );
      assert.match(r.stdout, /NOT COVERED {2}workload apps\/Deployment\/front/);
    });

    it("without roles, EC2 is called with the profile's key, not the default credentials", async () => {
      fake = await startFakeAwsServer(account());
      stackFile({ profile: "prod", sharedCredentialsFiles: [path.join(dir, "credentials")] });
      const r = await run(["--json"]);
      assert.equal(r.code, COVERAGE_EXIT.ok, r.stderr);
      assert.ok(fake.requests.length >= 3);
      assert.ok(fake.requests.every((q) => q.service === "ec2" && q.accessKeyId === PROFILE_KEY.accessKeyId));
      const json = JSON.parse(r.stdout) as { source: string; entries: { name: string; status: string }[] };
      assert.match(json.source, /Pulumi\.cov\.yaml/);
      assert.ok(json.entries.some((e) => e.name === "ip-10-0-1-1" && e.status === "covered"));
    });

    it("without profile or roles, the SDK's default chain is used (here the environment's keys)", async () => {
      fake = await startFakeAwsServer(account());
      stackFile({});
      const r = await run([]);
      assert.equal(r.code, COVERAGE_EXIT.ok, r.stderr);
      assert.ok(fake.requests.every((q) => q.accessKeyId === DEFAULT_KEY.accessKeyId));
    });

    it("a role that refuses the caller fails with AWS's message, and EC2 is never called with other keys", async () => {
      fake = await startFakeAwsServer(account([READER]));
      stackFile({
        profile: "prod",
        sharedCredentialsFiles: [path.join(dir, "credentials")],
        assumeRoles: [{ roleArn: AUDITOR, externalId: "wrong" }],
      });
      const r = await run([]);
      assert.equal(r.code, COVERAGE_EXIT.failed);
      assert.match(
        r.stderr,
        /not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role\/ExtraHopAuditor/,
      );
      assert.ok(!fake.requests.some((q) => q.service === "ec2" && q.status === 200));
    });

    it("--fail-on-uncovered exits 5 when something is not covered", async () => {
      fake = await startFakeAwsServer(account());
      stackFile({ profile: "prod", sharedCredentialsFiles: [path.join(dir, "credentials")] });
      assert.equal((await run(["--fail-on-uncovered"])).code, COVERAGE_EXIT.notCovered);
    });
  });

  it("a stack without mirroring reads no AWS API at all", async () => {
    fake = await startFakeAwsServer(account());
    stackFile({}, { mirrorTarget: undefined });
    const r = await run([]);
    assert.equal(r.code, COVERAGE_EXIT.ok, r.stderr);
    assert.deepEqual(fake.requests, []);
    assert.match(r.stdout, /NOT COVERED {2}node ip-10-0-2-2/);
  });

  it("without a stack file, reads the stack's config and outputs through the Automation API", async () => {
    fake = await startFakeAwsServer(account());
    const config = {
      "pod-packet-forwarding:clusterName": { value: "demo" },
      "pod-packet-forwarding:sensorIps": { value: '["10.0.200.10"]' },
      "pod-packet-forwarding:agentImage": { value: AGENT_IMAGE },
      "pod-packet-forwarding:excludeNodeLabel": { value: "extrahop/norpcapd" },
      "aws:region": { value: "eu-west-1" },
    };
    const outputs = {
      agentEnvironment: { value: { VPC_MIRRORING: "false" }, secret: false },
      mirroredEnis: { value: [], secret: false },
      skippedMirrorSources: { value: [], secret: false },
    };
    const r = await run([], {
      openStack: async (stack) => {
        assert.equal(stack, "cov");
        return { getAllConfig: async () => config, outputs: async () => outputs };
      },
    });
    assert.equal(r.code, COVERAGE_EXIT.ok, r.stderr);
    assert.match(r.stdout, /^Coverage: /);
    assert.deepEqual(fake.requests, []);
  });

  it("says what is wrong, with the exit code of each kind of failure", async () => {
    assert.equal((await run(["--help"])).code, COVERAGE_EXIT.ok);
    const noStack = await runCoverage(["coverage"], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
    });
    assert.equal(noStack, COVERAGE_EXIT.usage);

    stackFile({}, { sensorPort: 70000 });
    const bad = await run([]);
    assert.equal(bad.code, COVERAGE_EXIT.usage);
    assert.match(bad.stderr, /sensorPort: 70000 must be between 1 and 65535/);

    stackFile({ assumeRoleWithWebIdentity: { roleArn: READER } });
    const web = await run([]);
    assert.equal(web.code, COVERAGE_EXIT.usage);
    assert.match(web.stderr, /aws:assumeRoleWithWebIdentity is not supported/);

    fs.rmSync(path.join(dir, "Pulumi.cov.yaml"));
    const noCli = await run([], {
      openStack: async () => {
        throw new PulumiCliError("missing", "the Pulumi CLI is not installed");
      },
    });
    assert.equal(noCli.code, COVERAGE_EXIT.missingCli);
    assert.match(noCli.stderr, /--stack-file/);

    stackFile({});
    const noKube = await run(["--kubeconfig", "missing"]);
    assert.equal(noKube.code, COVERAGE_EXIT.usage);
    assert.match(noKube.stderr, /cannot read the kubeconfig/);
  });
});
