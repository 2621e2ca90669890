// Calico's node and pod wiring, as calico-node (felix + BIRD) and the Calico CNI plugin program it with the
// iptables dataplane. Sources (projectcalico/calico at 87c15906, 2026-08-22):
// - pods: cni-plugin/pkg/dataplane/linux/dataplane_linux.go: veth, pod eth0 address /32, pod routes
//   "169.254.1.1 dev eth0 scope link" + "default via 169.254.1.1", host side MAC ee:ee:ee:ee:ee:ee with
//   route_localnet=1, proxy_delay=0, proxy_arp=1, forwarding=1 (configureSysctls), host route "<pod>/32 dev cali*".
// - BGP (no encapsulation): BIRD routes "<block> via <node> dev eth0 proto bird" and a blackhole for the own block.
// - IP-in-IP: felix/dataplane/linux/ipip_mgr.go (device tunl0 with the IPIP tunnel address; tunnelRoute:
//   "<block> via <node> dev tunl0 onlink"); the kernel here has no ipip module, see tunl0-relay.py.
// - VXLAN: felix/dataplane/linux/vxlan_mgr.go (device vxlan.calico: VNI 4096, port 4789, parent eth0, source the
//   node address, MAC and address from the node's VTEP; tunnelRoute: "<block> via <remote VTEP address> dev
//   vxlan.calico onlink") and felix/vxlanfdb/vxlan_fdb.go (per remote VTEP a permanent ARP entry and a permanent
//   NTF_SELF FDB entry to the remote node address).
import { nsSh } from "./netns";
import * as O from "./topology";

/** The MAC Calico gives every host-side veth (cni-plugin dataplane_linux.go, hostSideMAC). */
export const CALICO_HOST_VETH_MAC = "ee:ee:ee:ee:ee:ee";

/**
 * Node wiring that does not depend on a relay: forwarding, the tunnel device (IPIP: the TUN device the relay
 * attaches to; VXLAN: the real device with its neighbours), and for BGP and VXLAN the routes to the other nodes'
 * blocks. IPIP routes need the relay attached first: `routeIpipBlocks`.
 */
export function wireCalicoNode(nodeNs: string, t: O.OverlayTopology, n: O.OverlayNode): void {
  const others = t.nodes.filter((m) => m.key !== n.key);
  const lines = ["sysctl -qw net.ipv4.ip_forward=1", `ip route add blackhole ${n.block} proto bird`];
  if (t.datapath === "calico-bgp") {
    for (const m of others) {
      lines.push(`ip route add ${m.block} via ${m.ip} dev eth0 proto bird`);
    }
  } else if (t.datapath === "calico-ipip") {
    lines.push(
      "ip tuntap add dev tunl0 mode tun",
      `ip link set tunl0 mtu ${t.mtu} up`,
      `ip addr add ${n.tunnelIp}/32 dev tunl0`,
    );
  } else if (t.datapath === "calico-vxlan" && t.encapsulation?.kind === "vxlan") {
    lines.push(
      `ip link add vxlan.calico type vxlan id ${t.encapsulation.vni} local ${n.ip} dev eth0 dstport ${t.encapsulation.port} nolearning`,
      `ip link set vxlan.calico address ${n.vtepMac} mtu ${t.mtu} up`,
      `ip addr add ${n.tunnelIp}/32 dev vxlan.calico`,
    );
    for (const m of others) {
      lines.push(
        `ip neigh add ${m.tunnelIp} lladdr ${m.vtepMac} dev vxlan.calico nud permanent`,
        `bridge fdb add ${m.vtepMac} dev vxlan.calico dst ${m.ip} self permanent`,
        `ip route add ${m.block} via ${m.tunnelIp} dev vxlan.calico onlink`,
      );
    }
  }
  nsSh(nodeNs, lines.join("\n"));
}

/** IPIP: BIRD's routes to the other nodes' blocks through tunl0 (once the relay holds the TUN device). */
export function routeIpipBlocks(nodeNs: string, t: O.OverlayTopology, n: O.OverlayNode): void {
  nsSh(
    nodeNs,
    t.nodes
      .filter((m) => m.key !== n.key)
      .map((m) => `ip route add ${m.block} via ${m.ip} dev tunl0 onlink proto bird`)
      .join("\n"),
  );
}

/** IPIP: the relay's arguments: the device and, per other node, "<block>=<node address>". */
export function ipipRelayPeers(t: O.OverlayTopology, n: O.OverlayNode): string[] {
  return ["tunl0", ...t.nodes.filter((m) => m.key !== n.key).map((m) => `${m.block}=${m.ip}`)];
}

/** Wires a pod as the Calico CNI plugin does (the pod's namespace must exist). */
export function wireCalicoPod(nodeNs: string, podNs: string, t: O.OverlayTopology, p: O.OverlayPod): void {
  const cali = p.hostVeth;
  nsSh(nodeNs, `ip link add ${cali} mtu ${t.mtu} type veth peer name eth0 mtu ${t.mtu} netns ${podNs}`);
  nsSh(
    nodeNs,
    `ip link set ${cali} address ${CALICO_HOST_VETH_MAC}
     sysctl -qw net.ipv4.conf.${cali}.route_localnet=1 net.ipv4.neigh.${cali}.proxy_delay=0
     sysctl -qw net.ipv4.conf.${cali}.proxy_arp=1 net.ipv4.conf.${cali}.forwarding=1
     ip link set ${cali} up`,
  );
  nsSh(
    podNs,
    `ip addr add ${p.ip}/32 dev eth0
     ip link set eth0 up
     ip route add 169.254.1.1 dev eth0 scope link
     ip route add default via 169.254.1.1 dev eth0`,
  );
  nsSh(nodeNs, `ip route add ${p.ip}/32 dev ${cali} scope link`);
}
