/**
 * `MirrorReconciler`: the single owner of the cluster's traffic mirror sessions. A Lambda keeps the sessions equal
 * to the eligible node ENIs, triggered by EC2 events, ENI attach/detach calls and a schedule; at `pulumi up` an
 * `aws.lambda.Invocation` (lifecycle CRUD) runs it synchronously, and at `pulumi destroy` the same Invocation's
 * delete removes every session it owns, after the EventBridge rules are gone.
 *
 * Resource graph (arrows = "depends on", so deletion runs right to left):
 *   rules/targets/permissions -> Invocation -> Function -> (LogGroup, Role, RolePolicy)
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_RECONCILE_SCHEDULE,
  OWNER_TAG_PATTERN,
  PACKET_LENGTH,
  SCHEDULE_PATTERN,
  SESSION_NUMBER,
  TARGET_KINDS,
  VIRTUAL_NETWORK_ID,
  type TargetKind,
} from "../contract/mirror";
import { reconcilerArchive, bundleReconciler } from "./bundle";
import { ENI_ATTACHMENT_PATTERN, INSTANCE_STATE_PATTERN } from "./eventPatterns";
import { reconcilerPolicy } from "./policy";

/** Arguments of `MirrorReconciler`. */
export interface MirrorReconcilerArgs {
  /** EKS cluster whose node ENIs are mirrored (nodes are found by the `kubernetes.io/cluster/<name>` / `eks:cluster-name` tags). */
  clusterName: pulumi.Input<string>;
  /** Traffic mirror filter (`tmf-...`) every session uses; the role may create sessions with this filter only. */
  filterId: pulumi.Input<string>;
  /** Traffic mirror target (`tmt-...`) every session sends to; the role may create sessions to this target only. */
  targetId: pulumi.Input<string>;
  /** What the target is. `network-interface` targets accept 10 source ENIs (100 on the largest sizes); load balancer targets have no limit. */
  targetKind: TargetKind;
  /** Source ENIs the target accepts; default 10 for `network-interface` targets, unlimited otherwise. ENIs beyond it are skipped with reason `target-source-limit`. */
  targetSourceLimit?: number;
  /** VPC of the cluster (`vpc-...`): the role may create sessions only for ENIs in it. */
  vpcId: pulumi.Input<string>;
  /** Session number of every session, 1-32766 (the lowest matching session on an ENI wins). */
  sessionNumber: pulumi.Input<number>;
  /** Bytes mirrored per packet (1-8500); absent = the whole packet. */
  packetLength?: pulumi.Input<number | undefined>;
  /** VXLAN network identifier (0-16777215); absent = AWS picks one per session. */
  virtualNetworkId?: pulumi.Input<number | undefined>;
  /** Instance type glob patterns that cannot be mirrored (`t2.*`); replaces the built-in list. Absent = built-in list. */
  unsupportedInstanceTypes?: pulumi.Input<string[] | undefined>;
  /** EventBridge schedule of the healing full reconcile. Default `rate(5 minutes)`. */
  schedule?: pulumi.Input<string>;
  /** Tags applied to every AWS resource of the component (not to the sessions, which carry the owner tag). */
  tags?: pulumi.Input<Record<string, string>>;
  /** Value of the `pod-packet-forwarding/owner` tag that marks the sessions this reconciler owns, e.g. `project/stack/name`. Must be unique per deployment. */
  ownerTag: string;
  /** Subscribe to CloudTrail-delivered AttachNetworkInterface/DetachNetworkInterface calls (needs a trail; harmless without). Default true. */
  cloudTrailEvents?: boolean;
  /** Retention of the function's log group in days. Default 30. */
  logRetentionDays?: number;
  /** Lambda timeout in seconds (the deploy-time invocation is synchronous). Default 900, the Lambda maximum. */
  timeoutSeconds?: number;
  /**
   * Lambda runtime. Default `nodejs22.x`: the bundle targets Node 20 syntax and runs on both, but Lambda's
   * Node.js 20 runtime reached end of support on 2026-04-30, after which AWS blocks creating and then updating
   * functions on it (see https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
   */
  runtime?: "nodejs20.x" | "nodejs22.x" | "nodejs24.x";
}

/** The settings that end up in the function's environment, once known. */
interface Settings {
  sessionNumber: number;
  packetLength?: number;
  virtualNetworkId?: number;
  unsupportedInstanceTypes?: string[];
  schedule?: string;
}

/** Checks the arguments; messages name the argument. */
function validate(args: MirrorReconcilerArgs & Settings, parent: pulumi.Resource): void {
  const fail = (msg: string) => {
    throw new pulumi.ResourceError(`MirrorReconciler: ${msg}`, parent);
  };
  const intIn = (name: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
      fail(`${name} ${v} must be an integer between ${min} and ${max}`);
    }
  };
  intIn("sessionNumber", args.sessionNumber, SESSION_NUMBER.min, SESSION_NUMBER.max);
  intIn("packetLength", args.packetLength, PACKET_LENGTH.min, PACKET_LENGTH.max);
  intIn("virtualNetworkId", args.virtualNetworkId, VIRTUAL_NETWORK_ID.min, VIRTUAL_NETWORK_ID.max);
  intIn("targetSourceLimit", args.targetSourceLimit, 1, 100000);
  intIn("timeoutSeconds", args.timeoutSeconds, 60, 900);
  if (!OWNER_TAG_PATTERN.test(args.ownerTag)) {
    fail(
      `ownerTag ${JSON.stringify(args.ownerTag)} must be 1-256 characters of letters, digits, spaces and _ . : / = + - @`,
    );
  }
  if (args.schedule !== undefined && !SCHEDULE_PATTERN.test(args.schedule)) {
    fail(`schedule ${JSON.stringify(args.schedule)} must be an EventBridge schedule such as rate(5 minutes)`);
  }
  if (!TARGET_KINDS.includes(args.targetKind)) {
    fail(
      `targetKind ${JSON.stringify(args.targetKind)} must be network-interface, network-load-balancer or gateway-load-balancer-endpoint`,
    );
  }
}

function inheritedDependsOn(opts?: pulumi.ComponentResourceOptions): pulumi.Input<pulumi.Resource>[] {
  const d = opts?.dependsOn;
  if (d === undefined) {
    return [];
  }
  return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

/** The event-driven session reconciler and its deploy/destroy-time invocation. */
export class MirrorReconciler extends pulumi.ComponentResource {
  /** Name of the reconciler Lambda function. */
  public readonly functionName: pulumi.Output<string>;
  /** ARN of the reconciler Lambda function. */
  public readonly functionArn: pulumi.Output<string>;
  /** Log group of the function (one JSON line per decision). */
  public readonly logGroupName: pulumi.Output<string>;
  /** JSON summary of the deploy-time reconcile (`ReconcileSummary`: counts, created, kept, removed, skipped, failed). */
  public readonly result: pulumi.Output<string>;

  constructor(name: string, args: MirrorReconcilerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pod-packet-forwarding:index:MirrorReconciler", name, {}, opts);
    const plain = [args.sessionNumber, args.packetLength, args.virtualNetworkId, args.schedule].every(
      (v) => !pulumi.Output.isInstance(v) && !(v instanceof Promise),
    );
    if (plain) {
      // Known now: fail before any child; values given as Outputs are checked when they resolve.
      validate(args as MirrorReconcilerArgs & Settings, this);
    }
    const settings: pulumi.Output<Settings> = pulumi
      .all([
        args.sessionNumber,
        args.packetLength,
        args.virtualNetworkId,
        args.unsupportedInstanceTypes,
        args.schedule,
      ])
      .apply(([sessionNumber, packetLength, virtualNetworkId, unsupportedInstanceTypes, schedule]) => {
        const known = {
          ...args,
          sessionNumber,
          packetLength,
          virtualNetworkId,
          unsupportedInstanceTypes,
          schedule,
        };
        validate(known, this);
        return { sessionNumber, packetLength, virtualNetworkId, unsupportedInstanceTypes, schedule };
      });
    const tags = args.tags ?? {};
    const parent = { parent: this };

    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    // Created before the function so Lambda never auto-creates a group without retention; the role has no
    // logs:CreateLogGroup, so nothing can recreate one after `pulumi destroy`.
    // A readable, per-stack name: operators find the decisions under /pod-packet-forwarding/<project>/<stack>/<name>.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/pod-packet-forwarding/${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
        retentionInDays: args.logRetentionDays ?? 30,
        tags,
      },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Mirror session reconciler for EKS cluster sessions owned by ${args.ownerTag}`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([partition, region, accountId, args.filterId, args.targetId, logGroup.arn, args.vpcId])
          .apply(([p, r, a, filterId, targetId, logGroupArn, vpcId]) =>
            JSON.stringify(
              reconcilerPolicy({
                partition: p,
                region: r,
                accountId: a,
                filterId,
                targetId,
                owner: args.ownerTag,
                logGroupArn,
                vpcId,
              }),
            ),
          ),
      },
      parent,
    );

    const variables = pulumi
      .all([args.clusterName, args.filterId, args.targetId, settings])
      .apply(([clusterName, filterId, targetId, set]) => {
        const v: Record<string, string> = {
          CLUSTER_NAME: clusterName,
          TRAFFIC_MIRROR_FILTER_ID: filterId,
          TRAFFIC_MIRROR_TARGET_ID: targetId,
          TRAFFIC_MIRROR_TARGET_KIND: args.targetKind,
          SESSION_NUMBER: String(set.sessionNumber),
          OWNER: args.ownerTag,
        };
        if (args.targetSourceLimit !== undefined) {
          v.TARGET_SOURCE_LIMIT = String(args.targetSourceLimit);
        }
        if (set.packetLength !== undefined) {
          v.PACKET_LENGTH = String(set.packetLength);
        }
        if (set.virtualNetworkId !== undefined) {
          v.VIRTUAL_NETWORK_ID = String(set.virtualNetworkId);
        }
        if (set.unsupportedInstanceTypes !== undefined) {
          v.UNSUPPORTED_INSTANCE_TYPES = JSON.stringify(set.unsupportedInstanceTypes);
        }
        return v;
      });

    const bundle = bundleReconciler();
    const fn = new aws.lambda.Function(
      `${name}-fn`,
      {
        description: `Keeps VPC Traffic Mirroring sessions equal to the eligible node ENIs (owner ${args.ownerTag})`,
        runtime: args.runtime ?? aws.lambda.Runtime.NodeJS22dX,
        handler: "index.handler",
        code: reconcilerArchive(),
        role: role.arn,
        timeout: args.timeoutSeconds ?? 900,
        memorySize: 256,
        // One run at a time: EventBridge bursts queue up (async invokes are retried on throttling) instead of
        // racing; the deploy-time and destroy-time invocations never overlap a scheduled run.
        reservedConcurrentExecutions: 1,
        environment: { variables },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        tags,
      },
      { parent: this, dependsOn: [logGroup, policy] },
    );

    // Re-runs (tf.action "update") whenever the configuration or the code changes.
    const configHash = variables.apply((v) =>
      createHash("sha256")
        .update(
          JSON.stringify(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          ),
        )
        .digest("hex"),
    );
    const invocation = new aws.lambda.Invocation(
      `${name}-reconcile`,
      {
        functionName: fn.name,
        lifecycleScope: "CRUD",
        input: pulumi.jsonStringify({ source: "pulumi", configHash, codeSha256: bundle.sha256 }),
      },
      {
        parent: this,
        dependsOn: [fn, policy, logGroup, ...inheritedDependsOn(opts)],
        // If it is ever replaced (e.g. a new function name), the old one's cleanup must run before the new one's
        // reconcile, not after it (which would delete the sessions just created, until the next scheduled run).
        deleteBeforeReplace: true,
      },
    );

    // Every trigger depends on the Invocation: on destroy they are deleted first, then the Invocation's delete
    // runs the cleanup, so no event-driven reconcile recreates sessions afterwards.
    const afterInvocation = { parent: this, dependsOn: [invocation] };
    const triggers: {
      key: string;
      description: string;
      eventPattern?: string;
      scheduleExpression?: pulumi.Input<string>;
    }[] = [
      {
        key: "instance-state",
        description: "EC2 instance running/stopped/terminated: reconcile mirror sessions",
        eventPattern: JSON.stringify(INSTANCE_STATE_PATTERN),
      },
      ...(args.cloudTrailEvents === false
        ? []
        : [
            {
              key: "eni-attachment",
              description: "ENI attached/detached (CloudTrail): reconcile mirror sessions",
              eventPattern: JSON.stringify(ENI_ATTACHMENT_PATTERN),
            },
          ]),
      {
        key: "schedule",
        description: "Periodic full reconcile of mirror sessions",
        scheduleExpression: settings.apply((v) => v.schedule ?? DEFAULT_RECONCILE_SCHEDULE),
      },
    ];
    for (const t of triggers) {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${t.key}`,
        {
          description: t.description,
          eventPattern: t.eventPattern,
          scheduleExpression: t.scheduleExpression,
          tags,
        },
        afterInvocation,
      );
      new aws.lambda.Permission(
        `${name}-${t.key}-invoke`,
        {
          action: "lambda:InvokeFunction",
          function: fn.name,
          principal: "events.amazonaws.com",
          sourceArn: rule.arn,
        },
        afterInvocation,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${t.key}-target`,
        {
          rule: rule.name,
          arn: fn.arn,
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        },
        afterInvocation,
      );
    }

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.logGroupName = logGroup.name;
    this.result = invocation.result;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      logGroupName: this.logGroupName,
      result: this.result,
    });
  }
}
