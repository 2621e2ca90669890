/**
 * The reconciler role's least-privilege policy, as a pure function of resolved ids (tested directly).
 *
 * What AWS supports, and what this relies on:
 * - Describe* actions do not support resource-level permissions: `Resource: "*"` is the only form
 *   ("Actions, resources, and condition keys for Amazon EC2", Service Authorization Reference,
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
 * - CreateTrafficMirrorSession is authorized against the network-interface, traffic-mirror-filter,
 *   traffic-mirror-target and traffic-mirror-session resources; AWS's own example restricts it to one target ARN
 *   and notes the filter and ENI resources must be allowed too ("Identity and access management for Traffic
 *   Mirroring", https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-security.html).
 * - Tag-on-create: `aws:RequestTag/<key>` restricts the tags of the session being created, and tagging at
 *   creation needs `ec2:CreateTags` on the new resource, which `ec2:CreateAction` limits to that create call
 *   ("Grant permission to tag resources during creation", Amazon EC2 User Guide,
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html).
 * - DeleteTrafficMirrorSession is authorized against the traffic-mirror-session resource, which supports
 *   `aws:ResourceTag/<key>` (`ec2:ResourceTag/<key>` is EC2's equivalent), so the role can delete only sessions
 *   carrying our owner tag: IAM itself enforces "never touch sessions that are not ours".
 */
import { OWNER_TAG_KEY } from "../contract/mirror";

/** Resolved ids the policy is built from. */
export interface ReconcilerPolicyInputs {
  partition: string;
  region: string;
  accountId: string;
  /** `tmf-...` */
  filterId: string;
  /** `tmt-...` */
  targetId: string;
  /** Owner tag value of our sessions. */
  owner: string;
  /** ARN of the function's log group (`arn:...:log-group:<name>`, without `:*`). */
  logGroupArn: string;
}

/** An IAM policy statement (the subset used here). */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The policy document attached to the reconciler's role. */
export function reconcilerPolicy(i: ReconcilerPolicyInputs): {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
} {
  const ec2 = (resource: string) => `arn:${i.partition}:ec2:${i.region}:${i.accountId}:${resource}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadFleetAndSessions",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances", "ec2:DescribeTrafficMirrorSessions"],
        Resource: ["*"],
      },
      {
        Sid: "CreateSessionsFromClusterEnisToOurFilterAndTarget",
        Effect: "Allow",
        Action: ["ec2:CreateTrafficMirrorSession"],
        Resource: [
          ec2(`traffic-mirror-filter/${i.filterId}`),
          ec2(`traffic-mirror-target/${i.targetId}`),
          ec2("network-interface/*"),
        ],
      },
      {
        Sid: "CreateOnlySessionsTaggedAsOurs",
        Effect: "Allow",
        Action: ["ec2:CreateTrafficMirrorSession"],
        Resource: [ec2("traffic-mirror-session/*")],
        Condition: { StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: i.owner } },
      },
      {
        Sid: "TagSessionsOnlyAtCreation",
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: [ec2("traffic-mirror-session/*")],
        Condition: { StringEquals: { "ec2:CreateAction": "CreateTrafficMirrorSession" } },
      },
      {
        Sid: "DeleteOnlyOurSessions",
        Effect: "Allow",
        Action: ["ec2:DeleteTrafficMirrorSession"],
        Resource: [ec2("traffic-mirror-session/*")],
        Condition: { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: i.owner } },
      },
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${i.logGroupArn}:*`],
      },
    ],
  };
}
