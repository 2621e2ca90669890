/**
 * Checks `mirroredOnlyCidrs` against the VPC's actual ENIs: an address inside a declared mirrored-only CIDR that
 * sits on an ENI without a session loses its packets (the filter trusts the other end to copy them).
 */
import { paginateDescribeNetworkInterfaces, type EC2Client } from "@aws-sdk/client-ec2";
import type { FleetSnapshot } from "../../lambda/reconciler/fleet/types";
import { findMirroredOnlyViolations, type MirroredOnlyViolation } from "./filterRules";

/**
 * Every unmirrored ENI address of the VPC inside `mirroredOnlyCidrs` (one paginated DescribeNetworkInterfaces).
 * @param ec2 EC2 client
 * @param vpcId the cluster's VPC
 * @param mirroredOnlyCidrs the declared CIDRs
 * @param fleet the ENIs that get sessions
 */
export async function mirroredOnlyViolations(
  ec2: EC2Client,
  vpcId: string,
  mirroredOnlyCidrs: string[],
  fleet: FleetSnapshot,
): Promise<MirroredOnlyViolation[]> {
  const mirrored = new Set(fleet.sources.map((s) => s.networkInterfaceId));
  const holders: { holder: string; addresses: string[]; mirrored: boolean }[] = [];
  const pages = paginateDescribeNetworkInterfaces(
    { client: ec2, pageSize: 1000 },
    { Filters: [{ Name: "vpc-id", Values: [vpcId] }] },
  );
  for await (const page of pages) {
    for (const eni of page.NetworkInterfaces ?? []) {
      const owner = eni.Attachment?.InstanceId ?? eni.Description ?? eni.InterfaceType ?? "";
      holders.push({
        holder: `${eni.NetworkInterfaceId} (${owner})`,
        addresses: [
          eni.PrivateIpAddress,
          ...(eni.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress),
        ].filter((a): a is string => typeof a === "string"),
        mirrored: mirrored.has(eni.NetworkInterfaceId ?? ""),
      });
    }
  }
  // An ENI lists its primary address twice (PrivateIpAddress and PrivateIpAddresses[0]).
  const seen = new Set<string>();
  return findMirroredOnlyViolations(mirroredOnlyCidrs, holders).filter((v) => {
    const key = `${v.cidr}|${v.address}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
