/**
 * Lambda entry point (Node.js 20, AWS SDK v3, bundled by esbuild into `index.js`, handler `index.handler`).
 *
 * Triggers: EventBridge (instance state changes, CloudTrail ENI attach/detach, the schedule) and the Pulumi
 * `aws.lambda.Invocation` (lifecycleScope CRUD: create/update reconcile, delete removes every session we own).
 * Each run is a full reconcile, so a missed, duplicated or reordered event changes nothing but latency.
 */
import { DescribeInstancesCommand, EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import type { Context } from "aws-lambda";
import { isClusterNode } from "./fleet/eligibility";
import { readConfig, type ReconcilerConfig } from "./environment";
import { classifyEvent, triggerName, type Trigger } from "./events";
import { reconcile, type DecisionLog, type ReconcileSummary } from "./reconcile";

/**
 * The EC2 client: adaptive retry mode (client-side rate limiting plus exponential backoff on throttling such as
 * `RequestLimitExceeded`), up to 8 attempts per call.
 */
export function createEc2Client(overrides: EC2ClientConfig = {}): EC2Client {
  return new EC2Client({ retryMode: "adaptive", maxAttempts: 8, ...overrides });
}

/** The handler's answer: the reconcile summary, or why nothing was done. */
export type HandlerResult = ReconcileSummary | { ignored: true; trigger: string; reason: string };

/** Dependencies of the handler, injectable for tests. */
export interface HandlerDeps {
  ec2: EC2Client;
  env: Record<string, string | undefined>;
  log: DecisionLog;
}

const stdoutLog: DecisionLog = (entry) => {
  process.stdout.write(
    `${JSON.stringify({ level: entry.decision === "failed" ? "error" : "info", ...entry })}\n`,
  );
};

/**
 * Early exit for events about one instance: if EC2 says it is not a node of the cluster, no reconcile.
 * Unknown (already purged) instances fall through to a full reconcile.
 */
async function unrelatedInstance(
  ec2: EC2Client,
  config: ReconcilerConfig,
  trigger: Trigger,
): Promise<string | undefined> {
  const instanceId =
    trigger.kind === "instance-state" || trigger.kind === "api-call" ? trigger.instanceId : undefined;
  if (!instanceId) {
    return undefined;
  }
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (instance && !isClusterNode(instance.Tags, config.clusterName)) {
      return `${instanceId} is not a node of cluster ${config.clusterName}`;
    }
  } catch {
    // InvalidInstanceID.NotFound or similar: let the full reconcile decide.
  }
  return undefined;
}

/** Builds a handler over the given dependencies. */
export function makeHandler(deps: HandlerDeps) {
  return async (
    event: unknown,
    context?: Pick<Context, "getRemainingTimeInMillis">,
  ): Promise<HandlerResult> => {
    const config = readConfig(deps.env);
    const trigger = classifyEvent(event);
    const name = triggerName(trigger);
    const reason = await unrelatedInstance(deps.ec2, config, trigger);
    if (reason) {
      deps.log({ decision: "ignored", trigger: name, reason });
      return { ignored: true, trigger: name, reason };
    }
    const mode = trigger.kind === "pulumi" && trigger.action === "delete" ? "cleanup" : "reconcile";
    const summary = await reconcile(deps.ec2, config, {
      mode,
      trigger: name,
      log: (entry) => deps.log({ ...entry, trigger: name, cluster: config.clusterName }),
      remainingMs: context ? () => context.getRemainingTimeInMillis() : undefined,
    });
    deps.log({
      decision: "summary",
      trigger: name,
      mode,
      counts: summary.counts,
      incomplete: summary.incomplete,
    });
    return summary;
  };
}

let defaultHandler: ReturnType<typeof makeHandler> | undefined;

/** The Lambda handler (`index.handler`). One EC2 client per container, reused across invocations. */
export async function handler(event: unknown, context: Context): Promise<HandlerResult> {
  defaultHandler ??= makeHandler({ ec2: createEc2Client(), env: process.env, log: stdoutLog });
  return defaultHandler(event, context);
}
