/**
 * The peers of the node's established TCP connections, from `ss -tnH state established` (iproute2). With a state
 * filter, ss prints no state column: `Recv-Q Send-Q Local:Port Peer:Port [Process]`. An AF_INET6 socket shows an
 * IPv4 peer as `[::ffff:a.b.c.d]:port`; those are returned as `a.b.c.d:port`.
 */

/** `host:port` of every peer in ss's output. */
export function establishedPeers(ssOutput: string): string[] {
  const peers: string[] = [];
  for (const line of ssOutput.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) {
      continue;
    }
    const peer = cols[3];
    const mapped = /^\[::ffff:(\d+\.\d+\.\d+\.\d+)\]:(\d+)$/.exec(peer);
    peers.push(mapped ? `${mapped[1]}:${mapped[2]}` : peer);
  }
  return peers;
}
