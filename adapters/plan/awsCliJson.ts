/**
 * The user's own AWS CLI output (`aws eks describe-cluster`, `aws ec2 describe-vpcs`, `aws ec2 describe-instances`)
 * read back as the AWS SDK would return it: the CLI prints the API's output shape as JSON, with timestamps as
 * strings (`"LaunchTime": "2026-11-02T08:15:00+00:00"`) where the SDK gives `Date`s. The SDK's own output schemas
 * (`DescribeInstancesResult$`, ... exported by `@aws-sdk/client-ec2` / `client-eks`, walked with smithy's
 * `NormalizedSchema`) say which members are timestamps, lists, maps and structures, so every timestamp is converted
 * and every misshapen value is reported with its path.
 */
import * as fs from "node:fs";
import { DescribeInstancesResult$, DescribeVpcsResult$, type Instance, type Vpc } from "@aws-sdk/client-ec2";
import { DescribeClusterResponse$, type Cluster } from "@aws-sdk/client-eks";
import { NormalizedSchema } from "@smithy/core/schema";
import { describeValue } from "../automation/configFile";
import { PlanInputError } from "./planInputError";

type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

/** `a.b[2].c` */
function at(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/**
 * A JSON value in the SDK's shape for `schema`: timestamps as `Date`, everything else as it is; members the schema
 * does not know (a CLI newer than the SDK) pass through untouched.
 * @throws Error naming the path of the first value of the wrong kind
 */
export function fromCliJson(schema: SchemaRef, value: unknown, path = ""): unknown {
  if (value === null || value === undefined) {
    return value;
  }
  const ns = NormalizedSchema.of(schema);
  const wrong = (expected: string) =>
    new Error(`${path || "the top level"}: expected ${expected}, got ${describeValue(value)}`);
  if (ns.isTimestampSchema()) {
    // The CLI prints ISO 8601 (EC2, EKS); numbers are epoch seconds, as the CLI prints for some other services.
    const date =
      typeof value === "number"
        ? new Date(value * 1000)
        : typeof value === "string"
          ? new Date(value)
          : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      throw wrong("a timestamp");
    }
    return date;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) {
      throw wrong("a list");
    }
    return value.map((v, i) => fromCliJson(ns.getValueSchema(), v, at(path, i)));
  }
  if (ns.isMapSchema()) {
    if (typeof value !== "object" || Array.isArray(value)) {
      throw wrong("an object");
    }
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, fromCliJson(ns.getValueSchema(), v, at(path, k))]),
    );
  }
  if (ns.isStructSchema()) {
    if (typeof value !== "object" || Array.isArray(value)) {
      throw wrong("an object");
    }
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [name, member] of ns.structIterator()) {
      if (name in out) {
        out[name] = fromCliJson(member, out[name], at(path, name));
      }
    }
    return out;
  }
  if (ns.isStringSchema() && typeof value !== "string") {
    throw wrong("a string");
  }
  if (ns.isBooleanSchema() && typeof value !== "boolean") {
    throw wrong("true or false");
  }
  if (ns.isNumericSchema() && typeof value !== "number") {
    throw wrong("a number");
  }
  return value;
}

/** What `--describe-cluster`, `--describe-vpcs` and `--describe-instances` hold. */
export interface AwsCliFiles {
  /** `aws eks describe-cluster --name NAME` */
  cluster?: string;
  /** `aws ec2 describe-vpcs` (at least the cluster's VPC) */
  vpcs?: string;
  /** `aws ec2 describe-instances` (the cluster's nodes) */
  instances?: string;
}

/** The parts of a fake account read from the user's files. */
export interface AwsCliWorld {
  /** The described cluster. */
  cluster: Cluster;
  /** Region and account of the cluster, from its ARN. */
  region: string;
  /** Account id, from the cluster's ARN. */
  accountId: string;
  /** The VPCs. */
  vpcs: Vpc[];
  /** The instances of every reservation (empty without `--describe-instances`). */
  instances: Instance[];
}

/** A file's JSON as the SDK would return the command's output. */
function readOutput(
  flag: string,
  file: string,
  schema: SchemaRef,
  command: string,
  topKey: string,
): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PlanInputError(
      flag,
      file,
      code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(err)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PlanInputError(
      flag,
      file,
      `is not valid JSON (${(err as Error).message}); save the output of ${command} --output json`,
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json) || !(topKey in json)) {
    const got =
      typeof json === "object" && json !== null && !Array.isArray(json)
        ? `an object with ${Object.keys(json).join(", ") || "no keys"}`
        : describeValue(json);
    throw new PlanInputError(
      flag,
      file,
      `expected the output of ${command} (an object with "${topKey}"), got ${got}`,
    );
  }
  try {
    return fromCliJson(schema, json) as Record<string, unknown>;
  } catch (err) {
    throw new PlanInputError(flag, file, (err as Error).message);
  }
}

/**
 * Reads the user's AWS CLI output. `--describe-cluster` and `--describe-vpcs` go together (the cluster's pod
 * ranges are its VPC's CIDR blocks); `--describe-instances` is optional with them (the nodes the reconcile mirrors).
 * @throws PlanInputError naming the flag and file of the first problem
 */
export function readAwsCliWorld(files: AwsCliFiles): AwsCliWorld | undefined {
  if (!files.cluster) {
    if (files.vpcs || files.instances) {
      const flag = files.vpcs ? "--describe-vpcs" : "--describe-instances";
      throw new PlanInputError(flag, undefined, "needs --describe-cluster (the cluster these describe)");
    }
    return undefined;
  }
  if (!files.vpcs) {
    throw new PlanInputError(
      "--describe-cluster",
      undefined,
      "needs --describe-vpcs too: the pod ranges are the cluster VPC's CIDR blocks (aws ec2 describe-vpcs --vpc-ids <vpc>)",
    );
  }
  const clusterCommand = "aws eks describe-cluster --name NAME";
  const { cluster } = readOutput(
    "--describe-cluster",
    files.cluster,
    DescribeClusterResponse$,
    clusterCommand,
    "cluster",
  ) as {
    cluster: Cluster;
  };
  const arn = /^arn:aws[\w-]*:eks:([\w-]+):(\d{12}):cluster\/(.+)$/.exec(cluster.arn ?? "");
  if (!cluster.name || !cluster.resourcesVpcConfig?.vpcId || !arn) {
    throw new PlanInputError(
      "--describe-cluster",
      files.cluster,
      "the cluster lacks name, arn or resourcesVpcConfig.vpcId: save the whole output of " + clusterCommand,
    );
  }
  const { Vpcs } = readOutput(
    "--describe-vpcs",
    files.vpcs,
    DescribeVpcsResult$,
    "aws ec2 describe-vpcs",
    "Vpcs",
  ) as {
    Vpcs: Vpc[];
  };
  const vpcId = cluster.resourcesVpcConfig.vpcId;
  if (!Vpcs.some((v) => v.VpcId === vpcId)) {
    throw new PlanInputError(
      "--describe-vpcs",
      files.vpcs,
      `does not describe the cluster's VPC ${vpcId} (found ${Vpcs.map((v) => v.VpcId).join(", ") || "none"}); run aws ec2 describe-vpcs --vpc-ids ${vpcId}`,
    );
  }
  let instances: Instance[] = [];
  if (files.instances) {
    const { Reservations } = readOutput(
      "--describe-instances",
      files.instances,
      DescribeInstancesResult$,
      "aws ec2 describe-instances",
      "Reservations",
    ) as { Reservations: { Instances?: Instance[] }[] };
    instances = Reservations.flatMap((r) => r.Instances ?? []);
  }
  return { cluster, region: arn[1], accountId: arn[2], vpcs: Vpcs, instances };
}
