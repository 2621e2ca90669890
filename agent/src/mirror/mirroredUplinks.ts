/**
 * This node's ENI devices whose egress AWS mirrors (VPC_MIRRORING=true): none unless the node itself is
 * mirror-covered (membership: an `aws://` node, not Fargate, of a mirrorable instance type, older than
 * MIRROR_SETTLE). Then the device holding the node's own address (the primary ENI, there since boot) counts at once;
 * any other ENI device (a secondary ENI the VPC CNI attached) only once it has been seen for MIRROR_SETTLE seconds,
 * because the reconciler creates its session on the attach event or on its schedule. Devices that were already
 * there when the agent started are timed from the start: after a restart the agent reports what leaves secondary
 * ENIs for MIRROR_SETTLE seconds too (duplicates with AWS's copies, never a miss). VLAN sub-interfaces (branch ENIs)
 * and tunnels are never mirrored.
 */
import type { Link } from "../kernel/links";
import { matchesIfnamePattern } from "../kernel/links";
import { ENI_PATTERNS } from "../datapath/profiles";

/** This node as membership sees it. */
export interface SelfNode {
  /** AWS mirrors this node's ENIs (see the module comment). */
  mirrorCovered: boolean;
  /** The node's addresses. */
  addresses: string[];
}

/** The tracker's answer. */
export interface MirroredUplinks {
  /** Device names AWS mirrors, sorted. */
  names: string[];
  /** When a device still settling will count (ms epoch); undefined when none is settling. */
  nextChangeMs?: number;
}

/** Remembers when each ENI device was first seen. */
export class MirroredUplinkTracker {
  private readonly firstSeen = new Map<string, number>();

  /**
   * @param settleSeconds MIRROR_SETTLE
   * @param eniPatterns names of ENI devices
   */
  constructor(
    private readonly settleSeconds: number,
    private readonly eniPatterns: readonly string[] = ENI_PATTERNS,
  ) {}

  /** The mirrored ENI devices now. */
  update(links: readonly Link[], self: SelfNode | undefined, nowMs: number): MirroredUplinks {
    const enis = links.filter((l) => matchesIfnamePattern(l.name, this.eniPatterns));
    const present = new Set<string>();
    for (const l of enis) {
      const key = `${l.name}#${l.ifindex}`;
      present.add(key);
      if (!this.firstSeen.has(key)) {
        this.firstSeen.set(key, nowMs);
      }
    }
    for (const key of [...this.firstSeen.keys()]) {
      if (!present.has(key)) {
        this.firstSeen.delete(key);
      }
    }
    if (!self?.mirrorCovered) {
      return { names: [] };
    }
    const settleMs = this.settleSeconds * 1000;
    const names: string[] = [];
    let nextChangeMs: number | undefined;
    for (const l of enis) {
      const since = this.firstSeen.get(`${l.name}#${l.ifindex}`) as number;
      const primary = l.ipv4.some((a) => self.addresses.includes(a));
      if (primary || nowMs - since >= settleMs) {
        names.push(l.name);
      } else {
        nextChangeMs = Math.min(nextChangeMs ?? Infinity, since + settleMs);
      }
    }
    return { names: names.sort(), nextChangeMs };
  }
}
