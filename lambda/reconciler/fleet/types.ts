/**
 * The cluster's worker fleet as VPC Traffic Mirroring sees it: which node ENIs get a mirror session and which
 * instances are skipped. Shared by the program (plan, outputs, warnings) and the reconciler Lambda.
 */

/** A node ENI that can be a mirror source (type `interface`, on a running worker of a mirrorable type). */
export interface MirrorSourceEni {
  /** `eni-...` */
  networkInterfaceId: string;
  /** `i-...` of the worker node it is attached to. */
  instanceId: string;
  /** EC2 instance type of that node, e.g. `m5.large`. */
  instanceType: string;
  /** Attachment device index: 0 for the primary ENI, 1.. for the VPC CNI's secondary ENIs. */
  deviceIndex: number;
  /** Primary private IPv4 address of the ENI. */
  privateIpAddress: string;
  /** Subnet of the ENI. */
  subnetId: string;
  /**
   * `eni-attach-...` of the current attachment (added by the reconciler work): part of the reconciler's
   * idempotency token, so a detach/re-attach gets a fresh session.
   */
  attachmentId?: string;
  /** ISO time the instance last started (DescribeInstances `LaunchTime`): a stop/start gets a fresh token too. */
  launchTime?: string;
}

/** Why an instance or ENI gets no mirror session. */
export type SkipReason =
  "unsupported-instance-type" | "not-interface-type" | "session-limit" | "target-source-limit";

/** A worker instance (or one of its ENIs) that gets no session, with the reason. */
export interface SkippedSource {
  /** `i-...` */
  instanceId: string;
  /** EC2 instance type. */
  instanceType: string;
  /** The ENI concerned, when the reason is about one ENI rather than the whole instance. */
  networkInterfaceId?: string;
  /** Machine-readable reason. */
  reason: SkipReason;
  /** One sentence a person can act on. */
  detail: string;
}

/** Result of looking at the fleet once. */
export interface FleetSnapshot {
  /** ENIs that should each have exactly one session of ours, sorted by instance then device index. */
  sources: MirrorSourceEni[];
  /** Instances/ENIs left out, with reasons. */
  skipped: SkippedSource[];
}
