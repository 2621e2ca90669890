/**
 * The VPC Traffic Mirroring contract shared by the component (validation, filter, outputs), the reconciler Lambda
 * (session parameters, ownership) and the agent (what the filter leaves to it). AWS's limits are quoted from
 * "Traffic Mirroring quotas and considerations" (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-limits.html)
 * and the CreateTrafficMirrorSession API reference
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTrafficMirrorSession.html).
 */

/** An inclusive integer range. */
export interface IntRange {
  /** Smallest allowed value. */
  min: number;
  /** Largest allowed value. */
  max: number;
}

/** Session number: "The session number determines the order in which sessions are evaluated" (1-32766). */
export const SESSION_NUMBER: IntRange = { min: 1, max: 32766 };
/**
 * Bytes mirrored per packet (after the VXLAN header). The API takes any positive length up to the 8500-byte jumbo
 * payload a session can carry (what AWS sets by default on sessions to NLB targets).
 */
export const PACKET_LENGTH: IntRange = { min: 1, max: 8500 };
/** VXLAN network identifier (24 bits). */
export const VIRTUAL_NETWORK_ID: IntRange = { min: 0, max: 16777215 };
/** Default session number. */
export const DEFAULT_SESSION_NUMBER = 10;
/** Sessions one source ENI can have (not adjustable). */
export const SESSIONS_PER_ENI = 3;
/** Source ENIs an ENI target accepts (100 on the largest sizes; the smaller limit is the safe default). */
export const ENI_TARGET_SOURCE_LIMIT = 10;
/** Rules per filter, both directions together (not adjustable). */
export const FILTER_RULE_QUOTA = 10;
/** Default EventBridge schedule of the healing full reconcile. */
export const DEFAULT_RECONCILE_SCHEDULE = "rate(5 minutes)";

/**
 * Kubernetes' default NodePort range (`--service-node-port-range`, fixed on EKS). The filter leaves packets with a
 * source port in it to the agent: a node that forwards a NodePort reply would otherwise be copied a second time.
 */
export const DEFAULT_NODEPORT_RANGE: IntRange = { min: 30000, max: 32767 };

/** Tag key that marks a mirror session as created (and owned) by a reconciler; the value identifies the deployment. */
export const OWNER_TAG_KEY = "pod-packet-forwarding/owner";
/** Owner tag values the reconciler and its IAM policy accept. */
export const OWNER_TAG_PATTERN = /^[\w .:/=+\-@]{1,256}$/;

/** What a mirror target points at: only ENI targets have a source limit. */
export type TargetKind = "network-interface" | "network-load-balancer" | "gateway-load-balancer-endpoint";
/** Every target kind, in documentation order. */
export const TARGET_KINDS: readonly TargetKind[] = [
  "network-interface",
  "network-load-balancer",
  "gateway-load-balancer-endpoint",
];

/** EventBridge schedule expressions (`rate(...)` or `cron(...)`). */
export const SCHEDULE_PATTERN = /^(rate|cron)\(.+\)$/;
/** EKS cluster names (CreateCluster: 1-100 characters, starting with a letter or digit). */
export const EKS_CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
