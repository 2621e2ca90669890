/**
 * The reconciler's configuration, read from the Lambda environment (set by `MirrorReconciler`).
 * Every problem is reported with the variable's name, the value and what is allowed.
 */
import {
  ENI_TARGET_SOURCE_LIMIT,
  EKS_CLUSTER_NAME_PATTERN,
  OWNER_TAG_PATTERN,
  PACKET_LENGTH,
  SESSION_NUMBER,
  TARGET_KINDS,
  VIRTUAL_NETWORK_ID,
  type TargetKind,
} from "../../components/contract/mirror";
import { parseUnsupportedInstanceTypes } from "../../components/contract/mirrorableInstanceTypes";

export { OWNER_TAG_KEY, type TargetKind } from "../../components/contract/mirror";

/** Validated reconciler configuration. */
export interface ReconcilerConfig {
  /** `CLUSTER_NAME`: EKS cluster whose node ENIs are mirrored. */
  clusterName: string;
  /** `TRAFFIC_MIRROR_FILTER_ID`: `tmf-...` used by every session. */
  filterId: string;
  /** `TRAFFIC_MIRROR_TARGET_ID`: `tmt-...` receiving the copies. */
  targetId: string;
  /** `TRAFFIC_MIRROR_TARGET_KIND`: what the target points at. Default `network-interface`. */
  targetKind: TargetKind;
  /** `TARGET_SOURCE_LIMIT`: distinct source ENIs the target accepts (ENI targets: 10, or 100 on the largest sizes); undefined = no limit. */
  targetSourceLimit?: number;
  /** `SESSION_NUMBER`: 1-32766. */
  sessionNumber: number;
  /** `PACKET_LENGTH`: bytes mirrored per packet (1-8500); undefined = whole packet. */
  packetLength?: number;
  /** `VIRTUAL_NETWORK_ID`: VXLAN id (0-16777215); undefined = AWS picks one per session. */
  virtualNetworkId?: number;
  /** `UNSUPPORTED_INSTANCE_TYPES`: glob patterns (JSON array or comma list); absent = built-in list. */
  unsupportedInstanceTypes: readonly string[];
  /** `OWNER`: value of the `pod-packet-forwarding/owner` tag on every session this reconciler owns. */
  owner: string;
}

/**
 * Reads and validates the environment.
 * @throws Error listing every bad or missing variable
 */
export function readConfig(env: Record<string, string | undefined>): ReconcilerConfig {
  const problems: string[] = [];
  const required = (name: string, pattern: RegExp, hint: string): string => {
    const v = env[name];
    if (v === undefined || v === "") {
      problems.push(`${name} is required (${hint})`);
      return "";
    }
    if (!pattern.test(v)) {
      problems.push(`${name}=${JSON.stringify(v)} is invalid (${hint})`);
    }
    return v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = env[name];
    if (v === undefined || v === "") {
      return undefined;
    }
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(v)} must be an integer between ${min} and ${max}`);
      return undefined;
    }
    return n;
  };

  const clusterName = required("CLUSTER_NAME", EKS_CLUSTER_NAME_PATTERN, "an EKS cluster name");
  const filterId = required(
    "TRAFFIC_MIRROR_FILTER_ID",
    /^tmf-[0-9a-f]{8,17}$/,
    "expected tmf-0123456789abcdef0",
  );
  const targetId = required(
    "TRAFFIC_MIRROR_TARGET_ID",
    /^tmt-[0-9a-f]{8,17}$/,
    "expected tmt-0123456789abcdef0",
  );
  const owner = required(
    "OWNER",
    OWNER_TAG_PATTERN,
    "a tag value identifying this reconciler, e.g. project/stack/name",
  );
  const kind = (env.TRAFFIC_MIRROR_TARGET_KIND || "network-interface") as TargetKind;
  if (!TARGET_KINDS.includes(kind)) {
    problems.push(
      `TRAFFIC_MIRROR_TARGET_KIND=${JSON.stringify(kind)} must be one of ${TARGET_KINDS.join(", ")}`,
    );
  }
  const sessionNumber = int("SESSION_NUMBER", SESSION_NUMBER.min, SESSION_NUMBER.max);
  if (sessionNumber === undefined && !problems.some((p) => p.startsWith("SESSION_NUMBER"))) {
    problems.push(`SESSION_NUMBER is required (${SESSION_NUMBER.min}-${SESSION_NUMBER.max})`);
  }
  const packetLength = int("PACKET_LENGTH", PACKET_LENGTH.min, PACKET_LENGTH.max);
  const virtualNetworkId = int("VIRTUAL_NETWORK_ID", VIRTUAL_NETWORK_ID.min, VIRTUAL_NETWORK_ID.max);
  const explicitLimit = int("TARGET_SOURCE_LIMIT", 1, 100000);
  let unsupportedInstanceTypes: readonly string[] = [];
  try {
    unsupportedInstanceTypes = parseUnsupportedInstanceTypes(env.UNSUPPORTED_INSTANCE_TYPES);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length) {
    throw new Error(`Invalid reconciler environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return {
    clusterName,
    filterId,
    targetId,
    targetKind: kind,
    targetSourceLimit: explicitLimit ?? (kind === "network-interface" ? ENI_TARGET_SOURCE_LIMIT : undefined),
    sessionNumber: sessionNumber as number,
    packetLength,
    virtualNetworkId,
    unsupportedInstanceTypes,
    owner,
  };
}
