/**
 * What started the reconciler: the events it is subscribed to, recognised by shape. Every trigger leads to the
 * same full reconcile (or, for the Pulumi Invocation's delete, a cleanup); the instance id only allows a cheap
 * early exit when the instance is not a node of the cluster.
 */

/** A recognised trigger. */
export type Trigger =
  | { kind: "schedule" }
  | { kind: "instance-state"; instanceId: string; state: string }
  | { kind: "api-call"; eventName: string; instanceId?: string }
  | { kind: "pulumi"; action: "create" | "update" | "delete" }
  | { kind: "unknown" };

/** Native EC2 event (no CloudTrail trail needed). */
export const INSTANCE_STATE_DETAIL_TYPE = "EC2 Instance State-change Notification";
/** CloudTrail-delivered API calls (needs a trail logging management events in the region). */
export const API_CALL_DETAIL_TYPE = "AWS API Call via CloudTrail";
/** API calls that attach or detach ENIs (the VPC CNI calls AttachNetworkInterface for secondary ENIs). */
export const ENI_API_CALLS = ["AttachNetworkInterface", "DetachNetworkInterface"];

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === "object" ? (v as Json) : {};
}

/** Classifies a Lambda event. The Invocation's CRUD events carry the lifecycle under `tf` (`tf.action`). */
export function classifyEvent(event: unknown): Trigger {
  const e = obj(event);
  const tf = obj(e.tf);
  if (tf.action === "create" || tf.action === "update" || tf.action === "delete") {
    return { kind: "pulumi", action: tf.action };
  }
  const detail = obj(e.detail);
  if (e["detail-type"] === "Scheduled Event") {
    return { kind: "schedule" };
  }
  if (e["detail-type"] === INSTANCE_STATE_DETAIL_TYPE && typeof detail["instance-id"] === "string") {
    return { kind: "instance-state", instanceId: detail["instance-id"], state: String(detail.state ?? "") };
  }
  if (e["detail-type"] === API_CALL_DETAIL_TYPE && typeof detail.eventName === "string") {
    const instanceId = obj(detail.requestParameters).instanceId;
    return {
      kind: "api-call",
      eventName: detail.eventName,
      instanceId: typeof instanceId === "string" ? instanceId : undefined,
    };
  }
  return { kind: "unknown" };
}

/** Short name of a trigger for logs and the summary. */
export function triggerName(t: Trigger): string {
  return t.kind === "pulumi" ? `pulumi-${t.action}` : t.kind;
}
