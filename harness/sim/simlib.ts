// What the benchmark takes from the harness (harness/sim, read as a library). The harness's collect and
// decodeIpv4 handle the link types the vendor baseline on `any` produces (Linux cooked capture v1 and v2).
export { AgentRunner, Capture, Cluster, MARKER_RE, packetKey, sleep } from "./cluster";
export { decodeIpv4, DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, readPcapStreams } from "./pcap";
