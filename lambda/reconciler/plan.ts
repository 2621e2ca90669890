/**
 * The reconcile decision, as a pure function: given the fleet (desired ENIs) and every mirror session in the
 * account (actual), which of OUR sessions to keep or remove, which ENIs get a new session, which are skipped.
 * Sessions not tagged with our owner value are never touched; they only count against AWS's limits.
 */
import { createHash } from "node:crypto";
import type { TrafficMirrorSession } from "@aws-sdk/client-ec2";
import type { FleetSnapshot, MirrorSourceEni, SkippedSource } from "./fleet/types";
import { PACKET_LENGTH, SESSIONS_PER_ENI } from "../../components/contract/mirror";
import { OWNER_TAG_KEY, type ReconcilerConfig } from "./environment";

export { SESSIONS_PER_ENI };

/** PacketLength AWS sets on sessions to NLB targets when none is given. */
const AWS_DEFAULT_NLB_PACKET_LENGTH = PACKET_LENGTH.max;

/** Why an owned session is removed. */
export type RemoveReason = "eni-not-eligible" | "config-changed" | "duplicate" | "cleanup";

/** A session to create. */
export interface PlannedCreate {
  source: MirrorSourceEni;
  /** Deterministic idempotency token (<= 64 ASCII chars). */
  clientToken: string;
}

/** A session of ours to delete. */
export interface PlannedRemove {
  trafficMirrorSessionId: string;
  networkInterfaceId: string;
  reason: RemoveReason;
}

/** A session of ours that already matches. */
export interface PlannedKeep {
  trafficMirrorSessionId: string;
  networkInterfaceId: string;
}

/** The outcome of `planReconcile`. */
export interface ReconcilePlan {
  create: PlannedCreate[];
  remove: PlannedRemove[];
  keep: PlannedKeep[];
  /** Discovery's skips plus the limit skips decided here. */
  skipped: SkippedSource[];
}

/** True when the session carries our owner tag. */
export function isOwned(session: TrafficMirrorSession, owner: string): boolean {
  return (session.Tags ?? []).some((t) => t.Key === OWNER_TAG_KEY && t.Value === owner);
}

/**
 * The ClientToken of the session for `source` under `config`: the same ENI, attachment, instance start and
 * session parameters always give the same token, so SDK retries and concurrent reconciles create one session.
 * A re-attached ENI, a restarted instance or a config change gives a new token (a token replayed after its
 * session was deleted would make AWS answer with the deleted session and create nothing).
 */
export function clientToken(source: MirrorSourceEni, config: ReconcilerConfig): string {
  const material = [
    source.networkInterfaceId,
    source.attachmentId ?? "",
    source.launchTime ?? "",
    config.filterId,
    config.targetId,
    config.sessionNumber,
    config.packetLength ?? "",
    config.virtualNetworkId ?? "",
    config.owner,
  ].join("|");
  return `ppf-${createHash("sha256").update(material).digest("hex").slice(0, 56)}`;
}

function matchesConfig(s: TrafficMirrorSession, config: ReconcilerConfig): boolean {
  const packetLengthOk =
    config.packetLength !== undefined
      ? s.PacketLength === config.packetLength
      : s.PacketLength === undefined || s.PacketLength === AWS_DEFAULT_NLB_PACKET_LENGTH;
  return (
    s.TrafficMirrorFilterId === config.filterId &&
    s.TrafficMirrorTargetId === config.targetId &&
    s.SessionNumber === config.sessionNumber &&
    packetLengthOk &&
    (config.virtualNetworkId === undefined || s.VirtualNetworkId === config.virtualNetworkId)
  );
}

/**
 * Plans one reconcile.
 * @param fleet desired sources and discovery's skips
 * @param sessions every traffic mirror session visible to the account (ours and others')
 * @param config reconciler configuration
 * @param mode `reconcile` (converge) or `cleanup` (remove every session we own: stack deletion)
 */
export function planReconcile(
  fleet: FleetSnapshot,
  sessions: TrafficMirrorSession[],
  config: ReconcilerConfig,
  mode: "reconcile" | "cleanup",
): ReconcilePlan {
  const byId = (a: TrafficMirrorSession, b: TrafficMirrorSession) =>
    (a.TrafficMirrorSessionId ?? "").localeCompare(b.TrafficMirrorSessionId ?? "");
  const owned = sessions.filter((s) => isOwned(s, config.owner)).sort(byId);
  const others = sessions.filter((s) => !isOwned(s, config.owner));

  if (mode === "cleanup") {
    return {
      create: [],
      keep: [],
      skipped: [],
      remove: owned.map((s) => ({
        trafficMirrorSessionId: s.TrafficMirrorSessionId ?? "",
        networkInterfaceId: s.NetworkInterfaceId ?? "",
        reason: "cleanup",
      })),
    };
  }

  const desired = new Map(fleet.sources.map((s) => [s.networkInterfaceId, s]));
  const keep: PlannedKeep[] = [];
  const remove: PlannedRemove[] = [];
  const covered = new Set<string>();
  for (const s of owned) {
    const eni = s.NetworkInterfaceId ?? "";
    const item = { trafficMirrorSessionId: s.TrafficMirrorSessionId ?? "", networkInterfaceId: eni };
    if (!desired.has(eni)) {
      remove.push({ ...item, reason: "eni-not-eligible" });
    } else if (!matchesConfig(s, config)) {
      remove.push({ ...item, reason: "config-changed" });
    } else if (covered.has(eni)) {
      remove.push({ ...item, reason: "duplicate" });
    } else {
      covered.add(eni);
      keep.push(item);
    }
  }

  // Target capacity: distinct source ENIs on our target after the removals, from every owner.
  const removed = new Set(remove.map((r) => r.trafficMirrorSessionId));
  const onTarget = new Set(
    sessions
      .filter(
        (s) => s.TrafficMirrorTargetId === config.targetId && !removed.has(s.TrafficMirrorSessionId ?? ""),
      )
      .map((s) => s.NetworkInterfaceId ?? ""),
  );
  const othersPerEni = new Map<string, number>();
  for (const s of others) {
    othersPerEni.set(s.NetworkInterfaceId ?? "", (othersPerEni.get(s.NetworkInterfaceId ?? "") ?? 0) + 1);
  }

  const create: PlannedCreate[] = [];
  const skipped: SkippedSource[] = [...fleet.skipped];
  for (const source of fleet.sources) {
    if (covered.has(source.networkInterfaceId)) {
      continue;
    }
    const base = {
      instanceId: source.instanceId,
      instanceType: source.instanceType,
      networkInterfaceId: source.networkInterfaceId,
    };
    const othersHere = othersPerEni.get(source.networkInterfaceId) ?? 0;
    if (othersHere >= SESSIONS_PER_ENI) {
      skipped.push({
        ...base,
        reason: "session-limit",
        detail: `${source.networkInterfaceId} already has ${othersHere} traffic mirror sessions owned by others; AWS allows ${SESSIONS_PER_ENI} per source ENI. Remove one of them to mirror this ENI.`,
      });
      continue;
    }
    if (
      config.targetSourceLimit !== undefined &&
      !onTarget.has(source.networkInterfaceId) &&
      onTarget.size >= config.targetSourceLimit
    ) {
      skipped.push({
        ...base,
        reason: "target-source-limit",
        detail: `Target ${config.targetId} (${config.targetKind}) already receives ${onTarget.size} source ENIs, its limit is ${config.targetSourceLimit}. Use a Network Load Balancer (UDP 4789) or Gateway Load Balancer endpoint target, which have no source limit.`,
      });
      continue;
    }
    onTarget.add(source.networkInterfaceId);
    create.push({ source, clientToken: clientToken(source, config) });
  }
  return { create, remove, keep, skipped };
}
