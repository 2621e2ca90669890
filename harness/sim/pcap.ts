// Minimal pcap reader for what the stand-in streams (classic pcap, any byte
// order, µs or ns timestamps) and an IPv4 decoder for the link types a capture
// can produce here: Ethernet (the agent's ehcap0, eth0) and Linux cooked
// capture v1/v2 (libpcap's `any` device, e.g. the vendor baseline in bench/agent).

export const DLT_EN10MB = 1;
export const DLT_LINUX_SLL = 113;
export const DLT_LINUX_SLL2 = 276;

export interface Frame {
  linkType: number;
  data: Buffer;
}

export interface Ipv4 {
  src: string;
  dst: string;
  proto: number;
  totalLength: number;
  id: number;
  /** More-fragments flag or non-zero offset. */
  fragment: boolean;
  ttl: number;
  /** ICMP type, when proto is 1. */
  icmpType?: number;
  /** TCP/UDP ports and TCP sequence number and payload length (first fragment or unfragmented only). */
  sport?: number;
  dport?: number;
  seq?: number;
  l4PayloadLength?: number;
  /** Bytes after the IPv4 header. */
  payload: Buffer;
}

/** Reads one file that holds one or more pcap streams back to back (a reconnect starts a new header). */
export function readPcapStreams(buf: Buffer): Frame[] {
  const frames: Frame[] = [];
  let off = 0;
  while (off + 24 <= buf.length) {
    const magicLE = buf.readUInt32LE(off);
    let le: boolean;
    if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
      le = true;
    } else if (buf.readUInt32BE(off) === 0xa1b2c3d4 || buf.readUInt32BE(off) === 0xa1b23c4d) {
      le = false;
    } else {
      throw new Error(`bad pcap magic at offset ${off}`);
    }
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const linkType = u32(off + 20) & 0x0fffffff;
    off += 24;
    while (off + 16 <= buf.length) {
      const m = buf.readUInt32LE(off);
      if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || buf.readUInt32BE(off) === 0xa1b2c3d4) {
        break; // next stream
      }
      const incl = u32(off + 8);
      if (off + 16 + incl > buf.length) {
        off = buf.length; // truncated last record (capture still running)
        break;
      }
      frames.push({ linkType, data: buf.subarray(off + 16, off + 16 + incl) });
      off += 16 + incl;
    }
  }
  return frames;
}

const ip = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** Decodes an Ethernet (DLT_EN10MB = 1) frame carrying IPv4; undefined otherwise. */
export function decodeEthernetIpv4(f: Frame): Ipv4 | undefined {
  if (f.linkType !== DLT_EN10MB || f.data.length < 34 || f.data.readUInt16BE(12) !== 0x0800) {
    return undefined;
  }
  return decodeIpv4At(f.data, 14);
}

/**
 * Decodes IPv4 from an Ethernet, LINUX_SLL (16-byte cooked header, protocol at offset 14) or LINUX_SLL2
 * (20-byte header, protocol at offset 0) frame, to the same shape; undefined for other link types and for
 * frames that do not carry IPv4.
 */
export function decodeIpv4(f: Frame): Ipv4 | undefined {
  let proto: number;
  let hdr: number;
  if (f.linkType === DLT_EN10MB) {
    return decodeEthernetIpv4(f);
  } else if (f.linkType === DLT_LINUX_SLL && f.data.length >= 16) {
    proto = f.data.readUInt16BE(14);
    hdr = 16;
  } else if (f.linkType === DLT_LINUX_SLL2 && f.data.length >= 20) {
    proto = f.data.readUInt16BE(0);
    hdr = 20;
  } else {
    return undefined;
  }
  if (proto !== 0x0800 || f.data.length < hdr + 20) {
    return undefined;
  }
  return decodeIpv4At(f.data, hdr);
}

/** Decodes the IPv4 packet that starts at offset `o` of `d` (the link-layer header is the caller's). */
function decodeIpv4At(d: Buffer, o: number): Ipv4 {
  const ihl = (d[o] & 0x0f) * 4;
  const fragWord = d.readUInt16BE(o + 6);
  const proto = d[o + 9];
  const payload = d.subarray(o + ihl);
  const totalLength = d.readUInt16BE(o + 2);
  const first = (fragWord & 0x1fff) === 0;
  let l4: Pick<Ipv4, "sport" | "dport" | "seq" | "l4PayloadLength"> = {};
  if (first && proto === 6 && payload.length >= 20) {
    l4 = {
      sport: payload.readUInt16BE(0),
      dport: payload.readUInt16BE(2),
      seq: payload.readUInt32BE(4),
      l4PayloadLength: totalLength - ihl - (payload[12] >> 4) * 4,
    };
  } else if (first && proto === 17 && payload.length >= 8) {
    l4 = {
      sport: payload.readUInt16BE(0),
      dport: payload.readUInt16BE(2),
      l4PayloadLength: payload.readUInt16BE(4) - 8,
    };
  }
  return {
    ...l4,
    src: ip(d, o + 12),
    dst: ip(d, o + 16),
    proto,
    totalLength: d.readUInt16BE(o + 2),
    id: d.readUInt16BE(o + 4),
    fragment: (fragWord & 0x2000) !== 0 || (fragWord & 0x1fff) !== 0,
    ttl: d[o + 8],
    icmpType: proto === 1 && payload.length > 0 ? payload[0] : undefined,
    payload,
  };
}
