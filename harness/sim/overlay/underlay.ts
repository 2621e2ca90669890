// The underlay: one L2 segment (a Linux bridge in the `lan` namespace) for the nodes, an outside host, the sensor
// and the API server; the `lan` namespace is also the segment's router (192.168.56.1) towards the internet host.
//
//   inet 198.51.100.10 ── lan: br0 192.168.56.1/24 (router) ── eth0 of nodes A, B, C, outside host, sensor, API
//
// The router knows each node's pod range (as a top-of-rack router peering with the nodes, or with static routes),
// so that a host outside the cluster can reach pods directly: that is the "enters from a non-member" case.
import { nsSh } from "./netns";
import * as O from "./topology";

/** A host attached to the segment: namespace key and address. */
export interface SegmentHost {
  key: string;
  ip: string;
}

/** Namespace keys of the underlay itself (the hosts attached to it are created by the caller). */
export const UNDERLAY_KEYS = ["lan", "inet"];

/**
 * Builds the bridge, the router and the internet host, and plugs every host's eth0 into the bridge.
 * `ns` maps a namespace key to its name. Redirects are off on the router: a host sending to a pod range through it
 * must keep doing so (an ICMP redirect would make the sender talk to the node directly, which hides nothing here,
 * but keeps every path the same from run to run).
 */
export function buildUnderlay(ns: (key: string) => string, hosts: SegmentHost[], t: O.OverlayTopology): void {
  const lan = ns("lan");
  nsSh(
    lan,
    `ip link add br0 type bridge
     sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.ipv4.ip_forward=1
     sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
     ip addr add ${O.ROUTER_IP}/${O.UNDERLAY_PREFIX} dev br0
     ip link set br0 up
     sysctl -qw net.ipv4.conf.br0.send_redirects=0`,
  );
  for (const h of hosts) {
    const port = `p${h.key}`.slice(0, 15);
    nsSh(
      lan,
      `ip link add ${port} type veth peer name eth0 netns ${ns(h.key)}
       ip link set ${port} master br0
       ip link set ${port} up`,
    );
    nsSh(
      ns(h.key),
      `ip addr add ${h.ip}/${O.UNDERLAY_PREFIX} dev eth0
       ip link set eth0 up
       ip route add default via ${O.ROUTER_IP}
       sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.default.accept_redirects=0`,
    );
  }
  for (const n of t.nodes) {
    nsSh(lan, `ip route add ${n.block} via ${n.ip} dev br0`);
  }
  nsSh(
    lan,
    `ip link add vinet type veth peer name eth0 netns ${ns("inet")}
     ip addr add ${O.INET_ROUTER_IP}/24 dev vinet
     ip link set vinet up`,
  );
  nsSh(
    ns("inet"),
    `ip addr add ${O.INET_IP}/24 dev eth0
     ip link set eth0 up
     ip route add default via ${O.INET_ROUTER_IP}`,
  );
}
