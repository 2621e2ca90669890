// Flannel's VXLAN backend and the bridge CNI plugin it delegates to. Sources:
// - flannel-io/flannel at cdf76059 (2026-08-14): pkg/backend/vxlan/vxlan.go (device flannel.<VNI>, VNI 1, the
//   node's lease network address as a /32 on it, "so that no broadcast routes are created"), device.go (parent
//   and source = the external interface, learning off, port 0 = the kernel's default 8472), vxlan_network.go (per
//   remote lease: permanent ARP entry <lease network> -> VtepMAC, permanent NTF_SELF FDB entry VtepMAC -> public IP,
//   route "<lease> via <lease network> dev flannel.1 onlink").
// - flannel-io/cni-plugin at 092e6d26 (2026-05-18): flannel_linux.go delegates to "bridge" with isGateway=true,
//   ipMasq=false (flannel masquerades itself), mtu from subnet.env, host-local IPAM on the lease with a route to
//   the whole network; kube-flannel's cni-conf.json adds isDefaultGateway=true and hairpinMode=true.
// - containernetworking/plugins at 3d27709f (2026-04-13): plugins/main/bridge/bridge.go (bridge "cni0", gateway
//   address on the bridge, hairpin mode on the host port), pkg/ip/link_linux.go (RandomVethName "veth%x").
// kubeadm's preflight requires net.bridge.bridge-nf-call-iptables=1: bridged pod traffic crosses the IP hooks.
import { nsSh } from "./netns";
import * as O from "./topology";

/** Node wiring: forwarding, br_netfilter on, flannel.1 with its neighbours and routes, the cni0 bridge. */
export function wireFlannelNode(nodeNs: string, t: O.OverlayTopology, n: O.OverlayNode): void {
  if (t.encapsulation?.kind !== "vxlan") {
    throw new Error("flannel's wiring here is the vxlan backend");
  }
  const lines = [
    "sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1",
    `ip link add flannel.1 type vxlan id ${t.encapsulation.vni} local ${n.ip} dev eth0 dstport ${t.encapsulation.port} nolearning`,
    `ip link set flannel.1 address ${n.vtepMac} mtu ${t.mtu} up`,
    `ip addr add ${n.tunnelIp}/32 dev flannel.1`,
  ];
  for (const m of t.nodes.filter((x) => x.key !== n.key)) {
    lines.push(
      `ip neigh add ${m.tunnelIp} lladdr ${m.vtepMac} dev flannel.1 nud permanent`,
      `bridge fdb add ${m.vtepMac} dev flannel.1 dst ${m.ip} self permanent`,
      `ip route add ${m.block} via ${m.tunnelIp} dev flannel.1 onlink`,
    );
  }
  lines.push(
    "ip link add cni0 type bridge",
    `ip addr add ${O.nthAddress(n.block, 1)}/${n.block.split("/")[1]} dev cni0`,
    "ip link set cni0 up",
  );
  nsSh(nodeNs, lines.join("\n"));
}

/** Wires a pod as the bridge plugin does for flannel (the pod's namespace must exist). */
export function wireFlannelPod(
  nodeNs: string,
  podNs: string,
  t: O.OverlayTopology,
  n: O.OverlayNode,
  p: O.OverlayPod,
): void {
  const veth = p.hostVeth;
  const gateway = O.nthAddress(n.block, 1);
  nsSh(nodeNs, `ip link add ${veth} mtu ${t.mtu} type veth peer name eth0 mtu ${t.mtu} netns ${podNs}`);
  nsSh(
    nodeNs,
    `ip link set ${veth} master cni0
     bridge link set dev ${veth} hairpin on
     ip link set ${veth} up`,
  );
  nsSh(
    podNs,
    `ip addr add ${p.ip}/${n.block.split("/")[1]} dev eth0
     ip link set eth0 up
     ip route add default via ${gateway} dev eth0
     ip route add ${O.CLUSTER_CIDR} via ${gateway} dev eth0`,
  );
}
