// What reached the sensor, decoded: every IPv4 packet of the agents' and sidecars' streams and of AWS's mirror
// copies, the observations of marked packets (which flow, request or reply), and any packet received twice.
import * as crypto from "crypto";
import { DLT_EN10MB, Frame, decodeIpv4 } from "./pcap";
import { SENSOR_IP } from "./topology";

export interface Observation {
  marker: string;
  kind: "req" | "rsp" | "err";
  src: string;
  dst: string;
  proto: number;
  totalLength: number;
  fragment: boolean;
  /**
   * Where the copy came from: a sensor file (one per rpcapd connection, `<sender IP>-<n>.pcap`), or an AWS mirror
   * copy (`mirror:<node>/<device>/<egress|ingress>`).
   */
  from: string;
  id: number;
  sport?: number;
  dport?: number;
}

export interface Capture {
  observations: Observation[];
  /** Frames whose link type is not Ethernet (must be none for our agent). */
  nonEthernet: number;
  /** Frames per pcap link type (1 = EN10MB, 113 = LINUX_SLL, 276 = LINUX_SLL2). */
  linkTypes: Record<number, number>;
  /** Frames to or from the sensor itself (the agent's own stream; must be none). */
  sensorFrames: number;
  /** Total frames received. */
  frames: number;
  /** Every IPv4 frame, in arrival order per file. */
  packets: {
    src: string;
    dst: string;
    id: number;
    proto: number;
    totalLength: number;
    fragment: boolean;
    from: string;
    frameLength: number;
    sport?: number;
    dport?: number;
    seq?: number;
    l4PayloadLength?: number;
  }[];
  /** Frames whose packet the sensor had already received (same IP ID and transport content, headers NAT
   * may rewrite ignored): any packet forwarded twice, marked or not. */
  duplicates: { src: string; dst: string; proto: number; from: string }[];
}

/** What identifies one packet across hops and NAT: IP ID, protocol, transport content minus ports and
 * checksums. TCP sequence numbers and payload markers make collisions between different packets unlikely. */
export function packetKey(ipId: number, proto: number, l4: Buffer): string {
  let inv: Buffer;
  if (proto === 6 && l4.length >= 20) {
    inv = Buffer.concat([l4.subarray(4, 16), l4.subarray(18)]);
  } else if (proto === 17 && l4.length >= 8) {
    inv = Buffer.concat([l4.subarray(4, 6), l4.subarray(8)]);
  } else if (proto === 1 && l4.length >= 4) {
    inv = Buffer.concat([l4.subarray(0, 2), l4.subarray(4)]);
  } else {
    inv = l4;
  }
  return `${ipId}/${proto}/${crypto.createHash("sha1").update(inv).digest("hex")}`;
}

export const MARKER_RE = /mk[0-9a-z]{14}/g;

/** True when an observation came from AWS's copies rather than an agent's stream. */
export function fromMirror(o: { from: string }): boolean {
  return o.from.startsWith("mirror:");
}

/**
 * Decodes frames from several sources (agent streams named by file, AWS's copies named `mirror:...`) into one
 * capture: observations per marker, every IPv4 packet, and any packet received twice.
 */
export function decodeCapture(sources: { from: string; frames: Frame[] }[]): Capture {
  const cap: Capture = {
    observations: [],
    nonEthernet: 0,
    linkTypes: {},
    sensorFrames: 0,
    frames: 0,
    duplicates: [],
    packets: [],
  };
  const seen = new Set<string>();
  for (const { from, frames } of sources) {
    const mirror = from.startsWith("mirror:");
    for (const fr of frames) {
      if (!mirror) {
        cap.frames++;
        cap.linkTypes[fr.linkType] = (cap.linkTypes[fr.linkType] ?? 0) + 1;
        if (fr.linkType !== DLT_EN10MB) {
          cap.nonEthernet++;
        }
      }
      const ip = decodeIpv4(fr);
      if (!ip) {
        continue;
      }
      if (!mirror && (ip.src === SENSOR_IP || ip.dst === SENSOR_IP)) {
        cap.sensorFrames++;
      }
      cap.packets.push({
        src: ip.src,
        dst: ip.dst,
        id: ip.id,
        proto: ip.proto,
        totalLength: ip.totalLength,
        fragment: ip.fragment,
        from,
        frameLength: fr.data.length,
        sport: ip.sport,
        dport: ip.dport,
        seq: ip.seq,
        l4PayloadLength: ip.l4PayloadLength,
      });
      const key = packetKey(ip.id, ip.proto, ip.payload);
      if (seen.has(key)) {
        cap.duplicates.push({ src: ip.src, dst: ip.dst, proto: ip.proto, from });
      }
      seen.add(key);
      const text = ip.payload.toString("latin1");
      const markers = new Set(text.match(MARKER_RE) ?? []);
      for (const m of markers) {
        let kind: Observation["kind"];
        if (ip.proto === 1 && ip.icmpType !== 8 && ip.icmpType !== 0) {
          kind = "err";
        } else if (ip.proto === 1) {
          kind = ip.icmpType === 8 ? "req" : "rsp";
        } else if (text.includes(`RSP ${m}`)) {
          kind = "rsp";
        } else {
          kind = "req";
        }
        cap.observations.push({
          marker: m,
          kind,
          src: ip.src,
          dst: ip.dst,
          proto: ip.proto,
          totalLength: ip.totalLength,
          fragment: ip.fragment,
          from,
          id: ip.id,
          sport: ip.sport,
          dport: ip.dport,
        });
      }
    }
  }
  return cap;
}
