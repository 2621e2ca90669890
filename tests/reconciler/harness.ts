/**
 * Test harness for the reconciler handler: the sample account behind the fake EC2 (instances + mirroring), the
 * handler over it, the captured log lines, and helpers that change the world like AWS would.
 */
import { EC2Client, type Instance, type TrafficMirrorSession } from "@aws-sdk/client-ec2";
import { OWNER_TAG_KEY } from "../../lambda/reconciler/environment";
import { makeHandler, type HandlerResult } from "../../lambda/reconciler/index";
import type { LogLine, ReconcileSummary } from "../../lambda/reconciler/reconcile";
import { installFakeAws, type FakeAws } from "../../harness/aws/fakeAws";
import {
  installFakeMirroring,
  type FakeMirroring,
  type FakeMirroringOptions,
} from "../../harness/aws/fakeMirroring";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import type { AwsWorld } from "../../harness/aws/world";

export const FILTER = "tmf-0aa11bb22cc33dd44";
export const TARGET = "tmt-0ee55ff6600770088";
export const OWNER = "pod-packet-forwarding/test/mirror";

/** The ENIs the sample cluster mirrors with the built-in unsupported list. */
export const SAMPLE_SOURCES = [
  "eni-000000000000a0010",
  "eni-000000000000a0011",
  "eni-000000000000a0020",
  "eni-000000000000a0021",
  "eni-000000000000a0022",
  "eni-000000000000a0030",
  "eni-000000000000a0031",
];

export interface Harness {
  world: AwsWorld;
  fake: FakeAws;
  mirror: FakeMirroring;
  lines: LogLine[];
  env: Record<string, string | undefined>;
  /** Runs the handler on `event` with the harness env. */
  run(event: unknown, env?: Record<string, string | undefined>): Promise<HandlerResult>;
  /** Same, asserting a summary came back (not an early exit). */
  summary(event: unknown, env?: Record<string, string | undefined>): Promise<ReconcileSummary>;
  /** Sessions carrying our owner tag, as ENI id -> session ids. */
  owned(): Record<string, string[]>;
  restore(): void;
}

export function harness(
  options: { world?: AwsWorld; mirroring?: FakeMirroringOptions; env?: Record<string, string> } = {},
): Harness {
  const world = options.world ?? sampleWorld();
  const fake = installFakeAws(world);
  const mirror = installFakeMirroring(
    fake,
    world,
    options.mirroring ?? { targets: { [TARGET]: { kind: "network-load-balancer" } } },
  );
  const lines: LogLine[] = [];
  const env: Record<string, string | undefined> = {
    CLUSTER_NAME: "demo",
    TRAFFIC_MIRROR_FILTER_ID: FILTER,
    TRAFFIC_MIRROR_TARGET_ID: TARGET,
    TRAFFIC_MIRROR_TARGET_KIND: "network-load-balancer",
    SESSION_NUMBER: "10",
    OWNER,
    ...options.env,
  };
  const run = (event: unknown, override?: Record<string, string | undefined>) =>
    makeHandler({
      ec2: new EC2Client({ region: world.region }),
      env: { ...env, ...override },
      log: (l) => lines.push(l),
    })(event);
  return {
    world,
    fake,
    mirror,
    lines,
    env,
    run,
    async summary(event, override) {
      const r = await run(event, override);
      if ("ignored" in r) {
        throw new Error(`expected a reconcile, got an early exit: ${r.reason}`);
      }
      return r;
    },
    owned() {
      const out: Record<string, string[]> = {};
      for (const s of world.trafficMirrorSessions) {
        if ((s.Tags ?? []).some((t) => t.Key === OWNER_TAG_KEY && t.Value === OWNER)) {
          (out[s.NetworkInterfaceId ?? ""] ??= []).push(s.TrafficMirrorSessionId ?? "");
        }
      }
      return out;
    },
    restore: () => fake.restore(),
  };
}

export const scheduled = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "111122223333",
  time: "2026-11-26T17:00:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:111122223333:rule/mirror-schedule"],
  detail: {},
};

/** EC2 Instance State-change Notification, as EventBridge delivers it. */
export function stateChange(instanceId: string, state: string) {
  return {
    version: "0",
    id: "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    account: "111122223333",
    time: "2026-11-26T17:01:00Z",
    region: "us-east-1",
    resources: [`arn:aws:ec2:us-east-1:111122223333:instance/${instanceId}`],
    detail: { "instance-id": instanceId, state },
  };
}

/** CloudTrail-delivered AttachNetworkInterface call (as the VPC CNI makes it). */
export function attachCall(instanceId: string, networkInterfaceId: string) {
  return {
    version: "0",
    id: "a1b2c3d4-0000-4000-8000-000000000001",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.ec2",
    account: "111122223333",
    time: "2026-11-26T17:02:00Z",
    region: "us-east-1",
    resources: [],
    detail: {
      eventVersion: "1.08",
      eventSource: "ec2.amazonaws.com",
      eventName: "AttachNetworkInterface",
      awsRegion: "us-east-1",
      requestParameters: { networkInterfaceId, instanceId, deviceIndex: 2, networkCardIndex: 0 },
      responseElements: { attachmentId: `eni-attach-${networkInterfaceId.slice(4)}` },
    },
  };
}

/** The Pulumi Invocation's CRUD payload. */
export function pulumiEvent(action: "create" | "update" | "delete") {
  return {
    source: "pulumi",
    configHash: "abc",
    codeSha256: "def",
    tf: { action, prev_input: action === "create" ? null : { source: "pulumi" } },
  };
}

/** A copy of the sample's first worker (m5.large, primary + 1 secondary) under new ids. */
export function newNode(world: AwsWorld, suffix: string): Instance {
  const node = structuredClone(world.instances[0]);
  node.InstanceId = `i-00000000005e1a${suffix}`;
  node.LaunchTime = new Date("2026-11-26T17:00:00Z");
  node.NetworkInterfaces = (node.NetworkInterfaces ?? []).map((e, i) => ({
    ...e,
    NetworkInterfaceId: `eni-000000000000a${suffix}${i}`,
    Attachment: { ...e.Attachment, AttachmentId: `eni-attach-000000000000a${suffix}${i}` },
  }));
  return node;
}

/** A session owned by someone else (no owner tag of ours). */
export function foreignSession(
  id: string,
  eni: string,
  extra: Partial<TrafficMirrorSession> = {},
): TrafficMirrorSession {
  return {
    TrafficMirrorSessionId: id,
    NetworkInterfaceId: eni,
    TrafficMirrorFilterId: "tmf-0123456789abcdef0",
    TrafficMirrorTargetId: "tmt-0123456789abcdef0",
    SessionNumber: 1,
    OwnerId: "111122223333",
    Tags: [{ Key: "team", Value: "security" }],
    ...extra,
  };
}
