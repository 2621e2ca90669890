// Reading what the sensor received: every rpcapd stream the sensor saved, decoded to IPv4 and counted per
// marker. The same decoding and counting as `Cluster.collect` in harness/sim/cluster.ts (which is bound to the VPC
// topology's sensor address), with the sensor address as a parameter. A frame counts for a marker when the marker
// is anywhere in its IPv4 payload: an encapsulated copy (IP-in-IP, VXLAN) of a marked packet counts too, which is
// how an outer copy forwarded beside the inner one shows up as a duplicate.
import * as fs from "fs";
import * as path from "path";
import { Capture, MARKER_RE, Observation, packetKey } from "../cluster";
import { decodeIpv4, DLT_EN10MB, readPcapStreams } from "../pcap";

/** What the sensor (listening at `sensorIp`) saved in `sensorDir` so far. */
export function collectCapture(sensorDir: string, sensorIp: string): Capture {
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
  for (const f of fs.readdirSync(sensorDir)) {
    for (const fr of readPcapStreams(fs.readFileSync(path.join(sensorDir, f)))) {
      cap.frames++;
      cap.linkTypes[fr.linkType] = (cap.linkTypes[fr.linkType] ?? 0) + 1;
      if (fr.linkType !== DLT_EN10MB) {
        cap.nonEthernet++;
      }
      const ip = decodeIpv4(fr);
      if (!ip) {
        continue;
      }
      if (ip.src === sensorIp || ip.dst === sensorIp) {
        cap.sensorFrames++;
      }
      cap.packets.push({
        src: ip.src,
        dst: ip.dst,
        id: ip.id,
        proto: ip.proto,
        totalLength: ip.totalLength,
        fragment: ip.fragment,
        from: f,
        frameLength: fr.data.length,
        sport: ip.sport,
        dport: ip.dport,
        seq: ip.seq,
        l4PayloadLength: ip.l4PayloadLength,
      });
      const key = packetKey(ip.id, ip.proto, ip.payload);
      if (seen.has(key)) {
        cap.duplicates.push({ src: ip.src, dst: ip.dst, proto: ip.proto, from: f });
      }
      seen.add(key);
      const text = ip.payload.toString("latin1");
      for (const m of new Set(text.match(MARKER_RE) ?? [])) {
        const kind = markedKind(m, ip.proto, ip.icmpType, ip.payload, text);
        if (!kind) {
          continue;
        }
        cap.observations.push({
          marker: m,
          kind,
          src: ip.src,
          dst: ip.dst,
          proto: ip.proto,
          totalLength: ip.totalLength,
          fragment: ip.fragment,
          from: f,
          id: ip.id,
          sport: ip.sport,
          dport: ip.dport,
        });
      }
    }
  }
  return cap;
}

/**
 * Which marked packet a frame is: a request ("REQ m", ping echo request), a reply ("RSP m", echo reply) or an ICMP
 * error, looking through an encapsulation when there is one. The end of a bulk stream ("END m") and its
 * acknowledgement ("FIN m") carry the marker too but are not counted.
 */
function markedKind(
  m: string,
  proto: number,
  icmpType: number | undefined,
  payload: Buffer,
  text: string,
): Observation["kind"] | undefined {
  if (proto === 1) {
    return icmpType === 8 ? "req" : icmpType === 0 ? "rsp" : "err";
  }
  const inner = innerIcmpKind(proto, payload);
  if (inner) {
    return inner;
  }
  if (text.includes(`RSP ${m}`)) {
    return "rsp";
  }
  if (text.includes(`REQ ${m}`)) {
    return "req";
  }
  return undefined;
}

/**
 * The kind of an ICMP packet carried inside an encapsulated frame (IP-in-IP: right after the outer header;
 * VXLAN: after UDP 8 + VXLAN 8 + Ethernet 14 bytes), so that an outer copy of a ping reply counts as a reply.
 */
function innerIcmpKind(proto: number, payload: Buffer): Observation["kind"] | undefined {
  let inner: Buffer | undefined;
  if (proto === 4) {
    inner = payload;
  } else if (
    proto === 17 &&
    payload.length > 8 + 8 + 14 + 20 &&
    payload[8] === 0x08 && // VXLAN flags: VNI present
    payload.readUInt16BE(8 + 8 + 12) === 0x0800
  ) {
    inner = payload.subarray(8 + 8 + 14);
  }
  if (!inner || inner.length < 21 || inner[0] >> 4 !== 4 || inner[9] !== 1) {
    return undefined;
  }
  const type = inner[(inner[0] & 0x0f) * 4];
  return type === 8 ? "req" : type === 0 ? "rsp" : "err";
}
