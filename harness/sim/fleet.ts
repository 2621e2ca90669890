// Which simulated ENIs get a mirror session: the reconciler's own code decides, on a fake EC2 view of the
// simulation's nodes. DescribeInstances-shaped instances (running, cluster-tagged, their `interface` ENIs with
// attachments, the trunk ENI of security groups for pods) go through the Lambda's `classifyFleet` (instance types
// AWS cannot mirror, trunk/branch ENIs) and `planReconcile` (sessions to create, with the Lambda's own config
// parser), exactly as `lambda/reconciler/` runs them against AWS. No session exists before: every planned create
// becomes a session. Branch ENIs are not attached to the instance (they hang off the trunk), as in
// DescribeInstances.
import type { Instance } from "@aws-sdk/client-ec2";
import { readConfig } from "../../lambda/reconciler/environment";
import { classifyFleet } from "../../lambda/reconciler/fleet/eligibility";
import type { SkippedSource } from "../../lambda/reconciler/fleet/types";
import { planReconcile } from "../../lambda/reconciler/plan";
import { CLUSTER_NAME, SimTopology } from "./topology";

/** An ENI device of a simulated node that has a mirror session. */
export interface MirroredDevice {
  /** Node key. */
  node: string;
  /** Device name in the node's namespace (eth0, eth1). */
  dev: string;
  /** `eni-...` */
  eniId: string;
}

/** The reconciler's decision for the simulation. */
export interface SimFleet {
  /** Devices with a session. */
  mirrored: MirroredDevice[];
  /** What the reconciler skipped, and why. */
  skipped: SkippedSource[];
}

/** DescribeInstances' view of the simulated nodes. */
export function simInstances(t: SimTopology): Instance[] {
  const launch = new Date("2026-11-26T09:58:00Z");
  return t.nodes.map((n): Instance => ({
    InstanceId: n.instanceId,
    InstanceType: n.instanceType as Instance["InstanceType"],
    LaunchTime: launch,
    State: { Name: "running", Code: 16 },
    PrivateIpAddress: n.ip,
    Tags: [
      { Key: `kubernetes.io/cluster/${CLUSTER_NAME}`, Value: "owned" },
      { Key: "eks:cluster-name", Value: CLUSTER_NAME },
      { Key: "eks:nodegroup-name", Value: "ng-1" },
    ],
    NetworkInterfaces: [
      ...n.enis.map((e) => ({
        NetworkInterfaceId: e.id,
        InterfaceType: "interface",
        PrivateIpAddress: e.ip,
        SubnetId: e.ip.startsWith("100.64.") ? "subnet-0pods00000000000a" : "subnet-0nodes0000000000a",
        Status: "in-use" as const,
        Attachment: {
          AttachmentId: `eni-attach-${e.id.slice(4)}`,
          DeviceIndex: e.deviceIndex,
          Status: "attached" as const,
        },
      })),
      ...(n.trunkEniId
        ? [
            {
              NetworkInterfaceId: n.trunkEniId,
              InterfaceType: "trunk",
              PrivateIpAddress: n.ip.replace(/\.(\d+)$/, (_, x: string) => `.${Number(x) + 5}`),
              SubnetId: "subnet-0nodes0000000000a",
              Status: "in-use" as const,
              Attachment: {
                AttachmentId: `eni-attach-${n.trunkEniId.slice(4)}`,
                DeviceIndex: n.enis.length,
                Status: "attached" as const,
              },
            },
          ]
        : []),
    ],
  }));
}

/** The reconciler's decision on the simulated fleet (built-in list of instance types AWS cannot mirror). */
export function simFleet(t: SimTopology): SimFleet {
  const config = readConfig({
    CLUSTER_NAME,
    TRAFFIC_MIRROR_FILTER_ID: "tmf-0a1b2c3d4e5f60718",
    TRAFFIC_MIRROR_TARGET_ID: "tmt-0a1b2c3d4e5f60718",
    TRAFFIC_MIRROR_TARGET_KIND: "network-load-balancer",
    SESSION_NUMBER: "10",
    OWNER: "pod-packet-forwarding/sim/mirroring",
  });
  const fleet = classifyFleet(simInstances(t), CLUSTER_NAME, config.unsupportedInstanceTypes);
  const plan = planReconcile(fleet, [], config, "reconcile");
  const device = new Map(
    t.nodes.flatMap((n) => n.enis.map((e) => [e.id, { node: n.key, dev: e.dev }] as const)),
  );
  const mirrored = plan.create.map((c) => {
    const d = device.get(c.source.networkInterfaceId);
    if (!d) {
      throw new Error(
        `the reconciler planned a session for ${c.source.networkInterfaceId}, not a simulated ENI`,
      );
    }
    return { ...d, eniId: c.source.networkInterfaceId };
  });
  return { mirrored, skipped: plan.skipped };
}
