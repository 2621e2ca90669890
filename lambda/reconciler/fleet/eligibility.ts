/**
 * Pure rules: is an instance a worker of the cluster, and which of its ENIs can be a mirror source.
 * No AWS calls here; `discovery.ts` feeds it DescribeInstances answers.
 */
import type { Instance, Tag } from "@aws-sdk/client-ec2";
import { unsupportedMatch } from "../../../components/contract/mirrorableInstanceTypes";
import type { FleetSnapshot, MirrorSourceEni, SkippedSource } from "./types";

/**
 * Tag keys that mark an instance as a node of a cluster, in the order they are checked:
 * - `kubernetes.io/cluster/<name>` (value `owned` or `shared`): the Kubernetes AWS cloud provider's cluster tag.
 *   EKS managed node groups, Karpenter, eksctl and terraform-aws-eks self-managed groups all put it on nodes.
 * - `eks:cluster-name=<name>`: set by EKS managed node groups.
 * - `eks:eks-cluster-name=<name>`: set by Karpenter v1 (it replaced `karpenter.sh/managed-by`) and EKS Auto Mode.
 */
export function clusterTagKeys(clusterName: string): string[] {
  return [`kubernetes.io/cluster/${clusterName}`, "eks:cluster-name", "eks:eks-cluster-name"];
}

/** True when the tags say the instance is a node of `clusterName` (any of `clusterTagKeys`). */
export function isClusterNode(tags: Tag[] | undefined, clusterName: string): boolean {
  return (tags ?? []).some(
    (t) =>
      (t.Key === `kubernetes.io/cluster/${clusterName}` && (t.Value === "owned" || t.Value === "shared")) ||
      ((t.Key === "eks:cluster-name" || t.Key === "eks:eks-cluster-name") && t.Value === clusterName),
  );
}

/** Attachment states whose ENI carries traffic now or in a moment; `detaching`/`detached` ENIs are left out. */
const LIVE_ATTACHMENT = new Set(["attaching", "attached"]);

/**
 * Splits running cluster nodes into mirror sources and skips.
 * @param instances DescribeInstances answers (any order; non-running and non-members are ignored)
 * @param clusterName EKS cluster name
 * @param unsupported glob patterns of instance types that cannot be mirrored
 * @returns sources sorted by instance id then device index; skips sorted by instance id then ENI id
 */
export function classifyFleet(
  instances: Instance[],
  clusterName: string,
  unsupported: readonly string[],
): FleetSnapshot {
  const sources: MirrorSourceEni[] = [];
  const skipped: SkippedSource[] = [];
  const seen = new Set<string>();
  for (const instance of instances) {
    const instanceId = instance.InstanceId ?? "";
    if (
      instance.State?.Name !== "running" ||
      !isClusterNode(instance.Tags, clusterName) ||
      seen.has(instanceId)
    ) {
      continue;
    }
    seen.add(instanceId);
    const instanceType = String(instance.InstanceType ?? "unknown");
    const pattern = unsupportedMatch(instanceType, unsupported);
    if (pattern !== undefined) {
      skipped.push({
        instanceId,
        instanceType,
        reason: "unsupported-instance-type",
        detail: `${instanceId} is a ${instanceType} (matches unsupported pattern ${pattern}); VPC Traffic Mirroring does not accept its ENIs as sources. Use a supported instance type or override mirrorUnsupportedInstanceTypes if AWS now supports it.`,
      });
      continue;
    }
    for (const eni of instance.NetworkInterfaces ?? []) {
      const networkInterfaceId = eni.NetworkInterfaceId ?? "";
      if (!LIVE_ATTACHMENT.has(String(eni.Attachment?.Status ?? "attached"))) {
        continue;
      }
      const type = String(eni.InterfaceType ?? "interface");
      if (type !== "interface") {
        skipped.push({
          instanceId,
          instanceType,
          networkInterfaceId,
          reason: "not-interface-type",
          detail: `${networkInterfaceId} on ${instanceId} is of type ${type}; only ENIs of type interface can be mirror sources (trunk/branch ENIs of security groups for pods, EFA).`,
        });
        continue;
      }
      sources.push({
        networkInterfaceId,
        instanceId,
        instanceType,
        deviceIndex: eni.Attachment?.DeviceIndex ?? 0,
        privateIpAddress: eni.PrivateIpAddress ?? "",
        subnetId: eni.SubnetId ?? "",
        attachmentId: eni.Attachment?.AttachmentId,
        launchTime: instance.LaunchTime?.toISOString(),
      });
    }
  }
  sources.sort(
    (a, b) =>
      cmp(a.instanceId, b.instanceId) ||
      a.deviceIndex - b.deviceIndex ||
      cmp(a.networkInterfaceId, b.networkInterfaceId),
  );
  skipped.sort(
    (a, b) => cmp(a.instanceId, b.instanceId) || cmp(a.networkInterfaceId ?? "", b.networkInterfaceId ?? ""),
  );
  return { sources, skipped };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
