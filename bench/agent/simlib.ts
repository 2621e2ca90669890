// What the benchmark takes from the harness (tests/agent/sim, read as a library), plus a decoder for the
// link types the vendor baseline on `any` produces (Linux cooked capture v1 and v2).
import { decodeEthernetIpv4, Frame, Ipv4 } from "../../tests/agent/sim/pcap";

export { AgentRunner, Capture, Cluster, MARKER_RE, packetKey, sleep } from "../../tests/agent/sim/cluster";
export { readPcapStreams } from "../../tests/agent/sim/pcap";

export const DLT_EN10MB = 1;
export const DLT_LINUX_SLL = 113;
export const DLT_LINUX_SLL2 = 276;

/** Decodes an IPv4 packet from an Ethernet, LINUX_SLL or LINUX_SLL2 frame (the cooked ones are re-framed as
 * Ethernet and handed to the harness's decoder); undefined for anything else. */
export function decodeEthernetIpv4Frame(f: Frame): Ipv4 | undefined {
  if (f.linkType === DLT_EN10MB) {
    return decodeEthernetIpv4(f);
  }
  let proto: number;
  let hdr: number;
  if (f.linkType === DLT_LINUX_SLL && f.data.length >= 16) {
    proto = f.data.readUInt16BE(14);
    hdr = 16;
  } else if (f.linkType === DLT_LINUX_SLL2 && f.data.length >= 20) {
    proto = f.data.readUInt16BE(0);
    hdr = 20;
  } else {
    return undefined;
  }
  if (proto !== 0x0800) {
    return undefined;
  }
  const eth = Buffer.alloc(14 + f.data.length - hdr);
  eth.writeUInt16BE(0x0800, 12);
  f.data.copy(eth, 14, hdr);
  return decodeEthernetIpv4({ linkType: DLT_EN10MB, data: eth });
}
