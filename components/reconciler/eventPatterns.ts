/**
 * EventBridge patterns that start a reconcile. Native EC2 events where they exist; ENI attach/detach exists only
 * as a CloudTrail-delivered API call (EC2 sends no native ENI event: "Amazon Elastic Compute Cloud events",
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ec2.html), which needs a trail logging management
 * events ("AWS service events delivered via AWS CloudTrail",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html). Without a trail that
 * rule never fires and the schedule heals within one period.
 */
import {
  API_CALL_DETAIL_TYPE,
  ENI_API_CALLS,
  INSTANCE_STATE_DETAIL_TYPE,
} from "../../lambda/reconciler/events";

/**
 * Instance state changes that add or remove node ENIs ("State change events for Amazon EC2 instances",
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html).
 * `running`: a node arrives (or restarts); `stopped`/`terminated`: its sessions go.
 */
export const INSTANCE_STATE_PATTERN = {
  source: ["aws.ec2"],
  "detail-type": [INSTANCE_STATE_DETAIL_TYPE],
  detail: { state: ["running", "stopped", "terminated"] },
};

/** The VPC CNI attaching a secondary ENI to a running node, or anything detaching one (CloudTrail). */
export const ENI_ATTACHMENT_PATTERN = {
  source: ["aws.ec2"],
  "detail-type": [API_CALL_DETAIL_TYPE],
  detail: { eventSource: ["ec2.amazonaws.com"], eventName: ENI_API_CALLS },
};
