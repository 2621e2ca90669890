/**
 * One full, idempotent reconcile against EC2: desired = `discoverFleet`, actual = every traffic mirror session
 * of the account (DescribeTrafficMirrorSessions has no tag filter, so ownership is decided client-side by tag);
 * removes first (frees per-ENI and per-target slots), then creates. One JSON log line per decision.
 */
import {
  CreateTrafficMirrorSessionCommand,
  DeleteTrafficMirrorSessionCommand,
  paginateDescribeTrafficMirrorSessions,
  type EC2Client,
  type TrafficMirrorSession,
} from "@aws-sdk/client-ec2";
import { discoverFleet } from "./fleet/discovery";
import type { SkipReason } from "./fleet/types";
import { OWNER_TAG_KEY, type ReconcilerConfig } from "./environment";
import { planReconcile, type RemoveReason } from "./plan";

/** One decision, as logged (one JSON line each). */
export type Decision =
  | { decision: "created"; networkInterfaceId: string; instanceId: string; trafficMirrorSessionId: string }
  | { decision: "kept"; networkInterfaceId: string; trafficMirrorSessionId: string }
  | {
      decision: "removed";
      networkInterfaceId: string;
      trafficMirrorSessionId: string;
      reason: RemoveReason | "already-gone";
    }
  | {
      decision: "skipped";
      instanceId: string;
      instanceType: string;
      networkInterfaceId?: string;
      reason: SkipReason;
      detail: string;
    }
  | {
      decision: "failed";
      action: "create" | "remove";
      networkInterfaceId: string;
      instanceId?: string;
      trafficMirrorSessionId?: string;
      code: string;
      message: string;
    }
  | { decision: "deferred"; action: "create" | "remove"; networkInterfaceId: string; detail: string };

/** A log line: a decision, an early exit, or the run's summary; with the trigger and cluster when known. */
export type LogLine = (
  | Decision
  | { decision: "ignored"; reason: string }
  | { decision: "summary"; mode: string; counts: ReconcileSummary["counts"]; incomplete: boolean }
) & { trigger?: string; cluster?: string };

/** Writes one structured line; the Lambda's default writes JSON to stdout (raw, one line, no Lambda prefix). */
export type DecisionLog = (entry: LogLine) => void;

/** What a reconcile did; returned by the handler and exposed by the Pulumi Invocation as `result`. */
export interface ReconcileSummary {
  /** `reconcile` or `cleanup` (stack deletion). */
  mode: "reconcile" | "cleanup";
  /** What started the run (`schedule`, `instance-state`, `api-call`, `pulumi-create`, ...). */
  trigger: string;
  clusterName: string;
  counts: {
    desired: number;
    created: number;
    kept: number;
    removed: number;
    skipped: number;
    failed: number;
    deferred: number;
  };
  /** ENI ids that got a new session. */
  created: { networkInterfaceId: string; instanceId: string; trafficMirrorSessionId: string }[];
  /** ENI ids whose session was already right. */
  kept: string[];
  removed: { trafficMirrorSessionId: string; networkInterfaceId: string; reason: string }[];
  skipped: {
    instanceId: string;
    instanceType: string;
    networkInterfaceId?: string;
    reason: SkipReason;
    detail: string;
  }[];
  /** Calls AWS refused after the SDK's retries (e.g. an instance type AWS does not support); retried next run. */
  failed: { action: "create" | "remove"; networkInterfaceId: string; code: string; message: string }[];
  /** True when the run stopped early to stay within the Lambda timeout; the next run continues. */
  incomplete: boolean;
}

/** Options of `reconcile`. */
export interface ReconcileOptions {
  mode: "reconcile" | "cleanup";
  trigger: string;
  log: DecisionLog;
  /** Milliseconds left before the Lambda timeout; new calls stop when under `safetyMs`. */
  remainingMs?: () => number;
  /** Default 20 s. */
  safetyMs?: number;
  /** Parallel create/delete calls. Default 4 (the SDK's adaptive retry mode rate-limits client-side). */
  concurrency?: number;
}

/** Every traffic mirror session visible to the account, 1,000 per call. */
export async function listSessions(ec2: EC2Client): Promise<TrafficMirrorSession[]> {
  const sessions: TrafficMirrorSession[] = [];
  for await (const page of paginateDescribeTrafficMirrorSessions({ client: ec2, pageSize: 1000 }, {})) {
    sessions.push(...(page.TrafficMirrorSessions ?? []));
  }
  return sessions;
}

function errorInfo(e: unknown): { code: string; message: string } {
  const err = e as { name?: string; Code?: string; message?: string };
  return { code: err.Code ?? err.name ?? "Error", message: err.message ?? String(e) };
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** Runs one reconcile (or cleanup) and returns its summary. Throws only when the fleet or sessions cannot be read. */
export async function reconcile(
  ec2: EC2Client,
  config: ReconcilerConfig,
  options: ReconcileOptions,
): Promise<ReconcileSummary> {
  const { log, mode } = options;
  const remaining = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const safety = options.safetyMs ?? 20_000;
  const concurrency = options.concurrency ?? 4;
  const fleet =
    mode === "cleanup"
      ? { sources: [], skipped: [] }
      : await discoverFleet(ec2, {
          clusterName: config.clusterName,
          unsupportedInstanceTypes: config.unsupportedInstanceTypes,
        });
  const sessions = await listSessions(ec2);
  const plan = planReconcile(fleet, sessions, config, mode);

  const summary: ReconcileSummary = {
    mode,
    trigger: options.trigger,
    clusterName: config.clusterName,
    counts: {
      desired: fleet.sources.length,
      created: 0,
      kept: 0,
      removed: 0,
      skipped: 0,
      failed: 0,
      deferred: 0,
    },
    created: [],
    kept: [],
    removed: [],
    skipped: [],
    failed: [],
    incomplete: false,
  };
  const record = (d: Decision) => {
    log(d);
    switch (d.decision) {
      case "created":
        summary.created.push({
          networkInterfaceId: d.networkInterfaceId,
          instanceId: d.instanceId,
          trafficMirrorSessionId: d.trafficMirrorSessionId,
        });
        break;
      case "kept":
        summary.kept.push(d.networkInterfaceId);
        break;
      case "removed":
        summary.removed.push({
          trafficMirrorSessionId: d.trafficMirrorSessionId,
          networkInterfaceId: d.networkInterfaceId,
          reason: d.reason,
        });
        break;
      case "skipped":
        summary.skipped.push({
          instanceId: d.instanceId,
          instanceType: d.instanceType,
          networkInterfaceId: d.networkInterfaceId,
          reason: d.reason,
          detail: d.detail,
        });
        break;
      case "failed":
        summary.failed.push({
          action: d.action,
          networkInterfaceId: d.networkInterfaceId,
          code: d.code,
          message: d.message,
        });
        break;
      case "deferred":
        summary.incomplete = true;
        summary.counts.deferred += 1;
        return;
    }
    summary.counts[d.decision] += 1;
  };

  for (const k of plan.keep) {
    record({ decision: "kept", ...k });
  }
  for (const s of plan.skipped) {
    record({
      decision: "skipped",
      instanceId: s.instanceId,
      instanceType: s.instanceType,
      networkInterfaceId: s.networkInterfaceId,
      reason: s.reason,
      detail: s.detail,
    });
  }

  await pool(plan.remove, concurrency, async (r) => {
    if (remaining() < safety) {
      record({
        decision: "deferred",
        action: "remove",
        networkInterfaceId: r.networkInterfaceId,
        detail: "Lambda time budget exhausted; the next run continues",
      });
      return;
    }
    try {
      await ec2.send(
        new DeleteTrafficMirrorSessionCommand({ TrafficMirrorSessionId: r.trafficMirrorSessionId }),
      );
      record({ decision: "removed", ...r });
    } catch (e) {
      const info = errorInfo(e);
      if (info.code === "InvalidTrafficMirrorSessionId.NotFound") {
        // A concurrent run (or AWS, when the ENI was deleted) removed it first: the goal is reached.
        record({ decision: "removed", ...r, reason: "already-gone" });
      } else {
        record({
          decision: "failed",
          action: "remove",
          networkInterfaceId: r.networkInterfaceId,
          trafficMirrorSessionId: r.trafficMirrorSessionId,
          ...info,
        });
      }
    }
  });

  await pool(plan.create, concurrency, async ({ source, clientToken }) => {
    if (remaining() < safety) {
      record({
        decision: "deferred",
        action: "create",
        networkInterfaceId: source.networkInterfaceId,
        detail: "Lambda time budget exhausted; the next run continues",
      });
      return;
    }
    try {
      const out = await ec2.send(
        new CreateTrafficMirrorSessionCommand({
          NetworkInterfaceId: source.networkInterfaceId,
          TrafficMirrorTargetId: config.targetId,
          TrafficMirrorFilterId: config.filterId,
          SessionNumber: config.sessionNumber,
          PacketLength: config.packetLength,
          VirtualNetworkId: config.virtualNetworkId,
          Description: `pod-packet-forwarding: ${config.clusterName} ${source.instanceId} device ${source.deviceIndex}`,
          ClientToken: clientToken,
          TagSpecifications: [
            {
              ResourceType: "traffic-mirror-session",
              Tags: [
                { Key: OWNER_TAG_KEY, Value: config.owner },
                { Key: "Name", Value: `${config.clusterName}-${source.instanceId}-${source.deviceIndex}` },
                { Key: "pod-packet-forwarding/cluster", Value: config.clusterName },
              ],
            },
          ],
        }),
      );
      record({
        decision: "created",
        networkInterfaceId: source.networkInterfaceId,
        instanceId: source.instanceId,
        trafficMirrorSessionId: out.TrafficMirrorSession?.TrafficMirrorSessionId ?? "",
      });
    } catch (e) {
      const info = errorInfo(e);
      const limit: Record<string, SkipReason> = {
        TrafficMirrorSessionsPerInterfaceLimitExceeded: "session-limit",
        TrafficMirrorSourcesPerTargetLimitExceeded: "target-source-limit",
      };
      if (limit[info.code]) {
        // Someone else took the last slot between our listing and this call: report it like a planned skip.
        record({
          decision: "skipped",
          instanceId: source.instanceId,
          instanceType: source.instanceType,
          networkInterfaceId: source.networkInterfaceId,
          reason: limit[info.code],
          detail: `AWS refused the session: ${info.code}: ${info.message}`,
        });
      } else {
        record({
          decision: "failed",
          action: "create",
          networkInterfaceId: source.networkInterfaceId,
          instanceId: source.instanceId,
          ...info,
        });
      }
    }
  });

  summary.created.sort((a, b) => a.networkInterfaceId.localeCompare(b.networkInterfaceId));
  summary.removed.sort((a, b) => a.trafficMirrorSessionId.localeCompare(b.trafficMirrorSessionId));
  summary.failed.sort((a, b) => a.networkInterfaceId.localeCompare(b.networkInterfaceId));
  return summary;
}
