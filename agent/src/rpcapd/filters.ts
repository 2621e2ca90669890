/**
 * The capture filters rpcapd applies (`-F`), in pcap-filter syntax. pcap-filter gives `not` the tightest binding and
 * `and`/`or` equal precedence, left to right, so every group is parenthesized.
 *
 * Node role: the selection is the nft table's; the filter is a second line of defence (IPv4 only, never a packet to
 * or from a sensor, i.e. never the agent's own stream). Sidecar role: the filter is the whole selection: every IPv4
 * packet the pod sends or receives, except the sensors' and what another Fargate pod sent to this one (that pod's
 * sidecar reported it when it left).
 */

function hosts(sensors: readonly string[]): string {
  return sensors.map((s) => `host ${s}`).join(" or ");
}

/** The node agent's filter on the capture device. */
export function nodeCaptureFilter(sensors: readonly string[]): string {
  return `ip and not (${hosts(sensors)})`;
}

/** The Fargate sidecar's filter on the pod's own interface. */
export function sidecarCaptureFilter(
  sensors: readonly string[],
  podIp: string,
  fargateCidrs: readonly string[],
): string {
  const base = nodeCaptureFilter(sensors);
  if (fargateCidrs.length === 0) {
    return base;
  }
  const nets = fargateCidrs.map((c) => `src net ${c}`).join(" or ");
  return `${base} and not (dst host ${podIp} and (${nets}))`;
}
