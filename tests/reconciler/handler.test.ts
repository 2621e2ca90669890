/**
 * The reconciler handler against the fake EC2 (sample account, paginated answers, AWS's limit errors).
 */
import { strict as assert } from "node:assert";
import { CreateTrafficMirrorSessionCommand, EC2Client } from "@aws-sdk/client-ec2";
import { OWNER_TAG_KEY } from "../../lambda/reconciler/environment";
import { makeHandler } from "../../lambda/reconciler/index";
import type { ReconcileSummary } from "../../lambda/reconciler/reconcile";
import { syntheticFleet } from "../../harness/aws/sampleCluster";
import {
  FILTER,
  OWNER,
  SAMPLE_SOURCES,
  TARGET,
  attachCall,
  foreignSession,
  harness,
  newNode,
  pulumiEvent,
  scheduled,
  stateChange,
  type Harness,
} from "./harness";

const createdEnis = (s: ReconcileSummary) => s.created.map((c) => c.networkInterfaceId);

describe("reconciler handler (fake EC2)", () => {
  let h: Harness;
  afterEach(() => h.restore());

  it("first reconcile: one tagged session per eligible ENI, with the configured filter/target/number and a ClientToken", async () => {
    h = harness();
    const s = await h.summary(pulumiEvent("create"));
    assert.equal(s.trigger, "pulumi-create");
    assert.deepEqual(createdEnis(s), SAMPLE_SOURCES);
    assert.deepEqual(s.counts, {
      desired: 7,
      created: 7,
      kept: 0,
      removed: 0,
      skipped: 2,
      failed: 0,
      deferred: 0,
    });
    assert.deepEqual(Object.keys(h.owned()).sort(), SAMPLE_SOURCES);
    assert.ok(Object.values(h.owned()).every((ids) => ids.length === 1));
    const req = h.mirror.createRequests[0];
    assert.equal(req.TrafficMirrorFilterId, FILTER);
    assert.equal(req.TrafficMirrorTargetId, TARGET);
    assert.equal(req.SessionNumber, 10);
    assert.equal(req.PacketLength, undefined);
    assert.match(req.ClientToken ?? "", /^ppf-[0-9a-f]{56}$/);
    assert.deepEqual(req.TagSpecifications, [
      {
        ResourceType: "traffic-mirror-session",
        Tags: [
          { Key: OWNER_TAG_KEY, Value: OWNER },
          { Key: "Name", Value: "demo-i-00000000005e1a001-0" },
          { Key: "pod-packet-forwarding/cluster", Value: "demo" },
        ],
      },
    ]);
    // Calls: 1 DescribeInstances page, 1 DescribeTrafficMirrorSessions page, 7 creates.
    assert.deepEqual(h.fake.calls, {
      DescribeInstances: 1,
      DescribeTrafficMirrorSessions: 1,
      CreateTrafficMirrorSession: 7,
    });
  });

  it("logs one JSON-ready line per decision, matching the summary counts", async () => {
    h = harness();
    const s = await h.summary(scheduled);
    const by = (d: string) => h.lines.filter((l) => l.decision === d);
    assert.equal(by("created").length, s.counts.created);
    assert.equal(by("skipped").length, s.counts.skipped);
    assert.deepEqual(
      by("skipped").map((l) => ("reason" in l ? l.reason : "")),
      ["not-interface-type", "unsupported-instance-type"],
    );
    assert.equal(by("summary").length, 1);
    assert.ok(h.lines.every((l) => l.trigger === "schedule"));
    assert.ok(h.lines.filter((l) => l.decision !== "summary").every((l) => l.cluster === "demo"));
    assert.doesNotThrow(() => h.lines.forEach((l) => JSON.parse(JSON.stringify(l))));
  });

  it("a second run changes nothing: every session is kept", async () => {
    h = harness();
    await h.summary(scheduled);
    const before = structuredClone(h.world.trafficMirrorSessions);
    const s = await h.summary(scheduled);
    assert.deepEqual(s.counts, {
      desired: 7,
      created: 0,
      kept: 7,
      removed: 0,
      skipped: 2,
      failed: 0,
      deferred: 0,
    });
    assert.deepEqual(s.kept, SAMPLE_SOURCES);
    assert.deepEqual(h.world.trafficMirrorSessions, before);
  });

  it("new node with two ENIs (instance running event): creates exactly its two sessions", async () => {
    h = harness();
    await h.summary(scheduled);
    h.world.instances.push(newNode(h.world, "06"));
    const s = await h.summary(stateChange("i-00000000005e1a006", "running"));
    assert.equal(s.trigger, "instance-state");
    assert.deepEqual(createdEnis(s), ["eni-000000000000a060", "eni-000000000000a061"]);
    assert.equal(s.counts.kept, 7);
  });

  it("secondary ENI attached later (CloudTrail AttachNetworkInterface): creates its session only", async () => {
    h = harness();
    await h.summary(scheduled);
    const node = h.world.instances[0];
    node.NetworkInterfaces!.push({
      ...structuredClone(node.NetworkInterfaces![1]),
      NetworkInterfaceId: "eni-000000000000a0012",
      PrivateIpAddress: "100.64.128.20",
      Attachment: {
        AttachmentId: "eni-attach-000000000000a0012",
        DeviceIndex: 2,
        Status: "attaching",
        NetworkCardIndex: 0,
      },
    });
    const s = await h.summary(attachCall("i-00000000005e1a001", "eni-000000000000a0012"));
    assert.equal(s.trigger, "api-call");
    assert.deepEqual(createdEnis(s), ["eni-000000000000a0012"]);
    assert.equal(h.owned()["eni-000000000000a0012"].length, 1);
  });

  it("node terminated: removes its three sessions, keeps the rest", async () => {
    h = harness();
    await h.summary(scheduled);
    const gone = h.owned();
    const node = h.world.instances[1];
    node.State = { Code: 48, Name: "terminated" };
    node.NetworkInterfaces = [];
    const s = await h.summary(stateChange("i-00000000005e1a002", "terminated"));
    assert.deepEqual(s.removed.map((r) => [r.networkInterfaceId, r.reason]).sort(), [
      ["eni-000000000000a0020", "eni-not-eligible"],
      ["eni-000000000000a0021", "eni-not-eligible"],
      ["eni-000000000000a0022", "eni-not-eligible"],
    ]);
    assert.deepEqual(
      s.removed.map((r) => r.trafficMirrorSessionId).sort(),
      [
        gone["eni-000000000000a0020"][0],
        gone["eni-000000000000a0021"][0],
        gone["eni-000000000000a0022"][0],
      ].sort(),
    );
    assert.deepEqual(Object.keys(h.owned()).sort(), [
      "eni-000000000000a0010",
      "eni-000000000000a0011",
      "eni-000000000000a0030",
      "eni-000000000000a0031",
    ]);
  });

  it("node stopped then started: sessions removed, then recreated under a fresh ClientToken", async () => {
    h = harness();
    await h.summary(scheduled);
    const node = h.world.instances[0];
    const before = h.owned();
    node.State = { Code: 80, Name: "stopped" };
    const stopped = await h.summary(stateChange("i-00000000005e1a001", "stopped"));
    assert.deepEqual(stopped.removed.map((r) => r.networkInterfaceId).sort(), [
      "eni-000000000000a0010",
      "eni-000000000000a0011",
    ]);
    node.State = { Code: 16, Name: "running" };
    node.LaunchTime = new Date("2026-11-26T18:00:00Z");
    const started = await h.summary(stateChange("i-00000000005e1a001", "running"));
    assert.deepEqual(createdEnis(started), ["eni-000000000000a0010", "eni-000000000000a0011"]);
    const after = h.owned();
    assert.notEqual(
      after["eni-000000000000a0010"][0],
      before["eni-000000000000a0010"][0],
      "a real new session, not the deleted one",
    );
    assert.ok(
      started.created.every((c) =>
        h.world.trafficMirrorSessions.some((x) => x.TrafficMirrorSessionId === c.trafficMirrorSessionId),
      ),
    );
    // Why the launch time is in the token: AWS (and the fake) answer a replayed token with the original, deleted session.
    const firstToken = h.mirror.createRequests.find((r) => r.NetworkInterfaceId === "eni-000000000000a0010")!;
    const replay = await new EC2Client({ region: "us-east-1" }).send(
      new CreateTrafficMirrorSessionCommand(firstToken),
    );
    assert.equal(replay.TrafficMirrorSession?.TrafficMirrorSessionId, before["eni-000000000000a0010"][0]);
    assert.ok(
      !h.world.trafficMirrorSessions.some(
        (x) => x.TrafficMirrorSessionId === before["eni-000000000000a0010"][0],
      ),
    );
  });

  it("unsupported instance type: skipped with reason, no create attempted for its ENIs", async () => {
    h = harness();
    // Node 3 replaced by a c6i.large, a family the AWS guide lists as unavailable.
    h.world.instances[2].InstanceType = "c6i.large";
    const s = await h.summary(scheduled);
    assert.deepEqual(
      s.skipped.map((k) => [k.instanceId, k.instanceType, k.reason]),
      [
        ["i-00000000005e1a003", "c6i.large", "unsupported-instance-type"],
        ["i-00000000005e1a004", "t2.medium", "unsupported-instance-type"],
      ],
    );
    const attempted = h.mirror.createRequests.map((r) => r.NetworkInterfaceId);
    assert.ok(!attempted.some((e) => /a003|a004/.test(e ?? "")));
    assert.deepEqual(createdEnis(s), SAMPLE_SOURCES.slice(0, 5));
  });

  it("an instance type our list misses: AWS's refusal is reported per ENI as failed with AWS's message", async () => {
    h = harness({ env: { UNSUPPORTED_INSTANCE_TYPES: "[]" } });
    const s = await h.summary(scheduled);
    assert.deepEqual(
      s.failed.map((f) => [f.networkInterfaceId, f.code]),
      [
        ["eni-000000000000a0040", "InvalidParameterValue"],
        ["eni-000000000000a0041", "InvalidParameterValue"],
      ],
    );
    assert.match(s.failed[0].message, /instance type t2\.medium, which is not supported/);
    assert.deepEqual(createdEnis(s), SAMPLE_SOURCES);
    assert.equal(h.lines.filter((l) => l.decision === "failed").length, 2);
  });

  it("trunk ENI: skipped as not-interface-type; the node's interface ENIs are mirrored", async () => {
    h = harness();
    const s = await h.summary(scheduled);
    assert.deepEqual(
      s.skipped.map((k) => [k.instanceId, k.networkInterfaceId, k.reason]),
      [
        ["i-00000000005e1a003", "eni-000000000000a003f", "not-interface-type"],
        ["i-00000000005e1a004", undefined, "unsupported-instance-type"],
      ],
    );
    assert.ok(
      createdEnis(s).includes("eni-000000000000a0030") && createdEnis(s).includes("eni-000000000000a0031"),
    );
    assert.ok(!h.mirror.createRequests.some((r) => r.NetworkInterfaceId === "eni-000000000000a003f"));
  });

  it("ENI already at 3 sessions of others: skipped with session-limit, others' sessions untouched", async () => {
    h = harness();
    const foreign = [1, 2, 3].map((n) =>
      foreignSession(`tms-0f0000000000000${n}`, "eni-000000000000a0010", { SessionNumber: n }),
    );
    h.world.trafficMirrorSessions.push(...structuredClone(foreign));
    const s = await h.summary(scheduled);
    assert.deepEqual(
      s.skipped.filter((k) => k.reason === "session-limit").map((k) => k.networkInterfaceId),
      ["eni-000000000000a0010"],
    );
    assert.match(
      s.skipped.find((k) => k.reason === "session-limit")!.detail,
      /already has 3 traffic mirror sessions owned by others/,
    );
    assert.ok(!h.mirror.createRequests.some((r) => r.NetworkInterfaceId === "eni-000000000000a0010"));
    assert.deepEqual(
      h.world.trafficMirrorSessions.filter((x) => x.NetworkInterfaceId === "eni-000000000000a0010"),
      foreign,
    );
  });

  it("a session created by someone else is never touched, even by cleanup", async () => {
    h = harness();
    const theirs = [
      foreignSession("tms-0f00000000000000a", "eni-000000000000a0010", {
        TrafficMirrorFilterId: FILTER,
        TrafficMirrorTargetId: TARGET,
        SessionNumber: 10,
      }),
      foreignSession("tms-0f00000000000000b", "eni-0bba571000000beef"),
      foreignSession("tms-0f00000000000000c", "eni-000000000000a0020", {
        Tags: [{ Key: OWNER_TAG_KEY, Value: "other-project/prod/mirror" }],
      }),
    ];
    h.world.trafficMirrorSessions.push(...structuredClone(theirs));
    const s = await h.summary(scheduled);
    assert.deepEqual(createdEnis(s), SAMPLE_SOURCES);
    assert.equal(s.counts.removed, 0);
    await h.summary(pulumiEvent("delete"));
    assert.deepEqual(h.world.trafficMirrorSessions, theirs);
    assert.equal(h.fake.calls.DeleteTrafficMirrorSession, 7);
  });

  it("delete event (pulumi destroy): removes every owned session, whatever its ENI or config", async () => {
    h = harness();
    await h.summary(pulumiEvent("create"));
    // A leftover of ours on an ENI that is no longer eligible is removed too.
    h.world.trafficMirrorSessions.push({
      ...foreignSession("tms-0f00000000000000d", "eni-0bba571000000beef"),
      Tags: [{ Key: OWNER_TAG_KEY, Value: OWNER }],
    });
    const s = await h.summary(pulumiEvent("delete"));
    assert.equal(s.mode, "cleanup");
    assert.equal(s.trigger, "pulumi-delete");
    assert.equal(s.counts.removed, 8);
    assert.ok(s.removed.every((r) => r.reason === "cleanup"));
    assert.deepEqual(h.world.trafficMirrorSessions, []);
    assert.equal(h.fake.calls.DescribeInstances, 1, "cleanup does not need the fleet");
  });

  it("config change (pulumi update with a new session number): replaces our sessions", async () => {
    h = harness();
    await h.summary(pulumiEvent("create"));
    const s = await h.summary(pulumiEvent("update"), { SESSION_NUMBER: "20" });
    assert.equal(s.counts.removed, 7);
    assert.ok(s.removed.every((r) => r.reason === "config-changed"));
    assert.deepEqual(createdEnis(s), SAMPLE_SOURCES);
    assert.ok(h.world.trafficMirrorSessions.every((x) => x.SessionNumber === 20));
  });

  it("throttled create (after the SDK's retries): reported failed, healed by the next run", async () => {
    h = harness();
    h.mirror.throttle("CreateTrafficMirrorSession", 1);
    const first = await h.summary(scheduled);
    assert.deepEqual(
      first.failed.map((f) => f.code),
      ["RequestLimitExceeded"],
    );
    assert.equal(first.counts.created, 6);
    const second = await h.summary(scheduled);
    assert.deepEqual(createdEnis(second), [first.failed[0].networkInterfaceId]);
    assert.deepEqual(Object.keys(h.owned()).sort(), SAMPLE_SOURCES);
  });

  it("two reconciles interleaved (both list before either creates): still one session per ENI", async () => {
    h = harness();
    let arrived = 0;
    let release!: () => void;
    const bothListed = new Promise<void>((r) => (release = r));
    h.mirror.gate("DescribeTrafficMirrorSessions", async () => {
      arrived += 1;
      if (arrived === 2) {
        release();
      }
      await bothListed;
    });
    const [a, b] = await Promise.all([
      h.summary(scheduled),
      h.summary(stateChange("i-00000000005e1a001", "running")),
    ]);
    assert.deepEqual(createdEnis(a), SAMPLE_SOURCES);
    assert.deepEqual(createdEnis(b), SAMPLE_SOURCES);
    assert.deepEqual(a.created, b.created, "the replayed token returns the same session ids");
    assert.equal(h.mirror.createRequests.length, 14);
    assert.equal(new Set(h.mirror.createRequests.map((r) => r.ClientToken)).size, 7);
    assert.equal(h.world.trafficMirrorSessions.length, 7);
    assert.ok(Object.values(h.owned()).every((ids) => ids.length === 1));
  });

  it("two cleanups interleaved: each session deleted once, the loser reports already-gone", async () => {
    h = harness();
    await h.summary(scheduled);
    let arrived = 0;
    let release!: () => void;
    const bothListed = new Promise<void>((r) => (release = r));
    h.mirror.gate("DescribeTrafficMirrorSessions", async () => {
      arrived += 1;
      if (arrived === 2) {
        release();
      }
      await bothListed;
    });
    const [a, b] = await Promise.all([h.summary(pulumiEvent("delete")), h.summary(pulumiEvent("delete"))]);
    const reasons = [...a.removed, ...b.removed].map((r) => r.reason).sort();
    assert.deepEqual(reasons, [...Array(7).fill("already-gone"), ...Array(7).fill("cleanup")]);
    assert.equal(a.counts.failed + b.counts.failed, 0);
    assert.deepEqual(h.world.trafficMirrorSessions, []);
  });

  it("an event about an instance outside the cluster exits early with one DescribeInstances call", async () => {
    h = harness();
    const r = await h.run(stateChange("i-0bba571011000beef", "running"));
    assert.deepEqual(r, {
      ignored: true,
      trigger: "instance-state",
      reason: "i-0bba571011000beef is not a node of cluster demo",
    });
    assert.deepEqual(h.fake.calls, { DescribeInstances: 1 });
  });

  it("ENI target: at most 10 sources, the rest skipped with target-source-limit and an NLB/GWLB recommendation", async () => {
    h = harness({
      world: syntheticFleet(4),
      mirroring: { targets: { [TARGET]: { kind: "network-interface", sourceLimit: 10 } } },
      env: { TRAFFIC_MIRROR_TARGET_KIND: "network-interface" },
    });
    h.world.trafficMirrorSessions.push(
      foreignSession("tms-0f00000000000000e", "eni-0fffffffffffffff1", { TrafficMirrorTargetId: TARGET }),
    );
    const s = await h.summary(scheduled);
    assert.equal(s.counts.created, 9, "one of the 10 slots is taken by another owner's source");
    const limited = s.skipped.filter((k) => k.reason === "target-source-limit");
    assert.deepEqual(
      limited.map((k) => k.networkInterfaceId),
      ["eni-000000000000a0040", "eni-000000000000a0041", "eni-000000000000a0042"],
    );
    assert.match(limited[0].detail, /Network Load Balancer \(UDP 4789\) or Gateway Load Balancer endpoint/);
    assert.equal(s.counts.failed, 0);
  });

  it("near the Lambda timeout: stops calling AWS, defers the rest and says the run is incomplete", async () => {
    h = harness();
    const handler = makeHandler({
      ec2: new EC2Client({ region: "us-east-1" }),
      env: h.env,
      log: () => undefined,
    });
    const s = (await handler(scheduled, { getRemainingTimeInMillis: () => 15_000 })) as ReconcileSummary;
    assert.equal(s.incomplete, true);
    assert.deepEqual([s.counts.created, s.counts.deferred], [0, 7]);
    assert.equal(h.fake.calls.CreateTrafficMirrorSession, undefined);
    const next = await h.summary(scheduled);
    assert.deepEqual([next.counts.created, next.incomplete], [7, false]);
  });

  it("rejects a bad environment with every problem named", async () => {
    h = harness();
    await assert.rejects(
      h.run(scheduled, { TRAFFIC_MIRROR_FILTER_ID: "filter-1", SESSION_NUMBER: "0", PACKET_LENGTH: "9000" }),
      (e: Error) =>
        /TRAFFIC_MIRROR_FILTER_ID="filter-1" is invalid/.test(e.message) &&
        /SESSION_NUMBER="0" must be an integer between 1 and 32766/.test(e.message) &&
        /PACKET_LENGTH="9000" must be an integer between 1 and 8500/.test(e.message),
    );
    assert.deepEqual(h.fake.calls, {});
  });
});
