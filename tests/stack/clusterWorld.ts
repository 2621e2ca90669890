/**
 * The sample AWS account with its EKS cluster under another name, so a stack file's `clusterName` (the prod
 * example's `prod-eks`) finds a cluster, a VPC and tagged nodes exactly as `demo` does in the sample.
 */
import { sampleWorld, SAMPLE_CLUSTER } from "../../harness/aws/sampleCluster";
import type { AwsWorld } from "../../harness/aws/world";

function renamed(value: unknown, from: RegExp, to: string): unknown {
  if (typeof value === "string") {
    return value.replace(from, to);
  }
  if (Array.isArray(value)) {
    return value.map((v) => renamed(v, from, to));
  }
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [renamed(k, from, to), renamed(v, from, to)]),
    );
  }
  return value;
}

/** The sample account whose cluster (name, ARN, node tags, security group names) is called `clusterName`. */
export function worldWithCluster(clusterName: string): AwsWorld {
  const world = sampleWorld();
  if (clusterName === SAMPLE_CLUSTER) {
    return world;
  }
  return renamed(world, new RegExp(`\\b${SAMPLE_CLUSTER}\\b`, "g"), clusterName) as AwsWorld;
}
