/**
 * What the agent must know about each pod network's node datapath: which devices bring other hosts' packets in
 * (uplinks), which host-side devices lead to pods, which UDP ports carry its overlay encapsulation between nodes,
 * and whether its IPAM gives each node its `spec.podCIDRs`. Device names and ports are the projects' defaults:
 * - Amazon VPC CNI: host veths `eni<hash>` (`AWS_VPC_K8S_CNI_VETHPREFIX`), security groups for pods: host veths
 *   `vlan<hash>` and VLAN sub-interfaces `vlan.eth.<vlan id>` of the trunk ENI (the names Cilium's AWS ENI support
 *   also relies on, cilium/cilium pkg/datapath/linux/...: `awsCNIIfacePrefixVLAN = "vlan.eth."`); no overlay.
 * - Calico: host veths `cali*` (felix `InterfacePrefix`), `tunl0` (IP-in-IP), `vxlan.calico` (VXLAN, felix
 *   `VXLANPort` default 4789), `wireguard.cali` (WireGuard); IPAM blocks, not podCIDRs
 *   (https://docs.tigera.io/calico/latest/reference/felix/configuration).
 * - Flannel: `flannel.<VNI>` (VXLAN, `Port` default 8472, the kernel's default), `flannel-wg` (WireGuard), bridge
 *   `cni0` with `veth*` ports; host-local IPAM from the node's podCIDR
 *   (https://github.com/flannel-io/flannel/blob/master/Documentation/backends.md).
 * - Cilium: host veths `lxc*`, `cilium_host`/`cilium_net`, `cilium_vxlan` (`tunnel-port` default 8472),
 *   `cilium_geneve` (6081), `cilium_wg0` (https://docs.cilium.io/en/stable/network/concepts/routing/).
 */
import type { Datapath } from "../../../components/contract/agentEnv";

/** A datapath's facts. */
export interface DatapathProfile {
  /** The datapath. */
  datapath: Datapath;
  /** Uplink name patterns (nft `prefix*` wildcards), effective for devices that appear later too. */
  uplinkPatterns: string[];
  /** Host-side pod device patterns: never uplinks whatever their kind. */
  podSidePatterns: string[];
  /** Destination UDP ports of the overlay's outer packets between nodes. */
  overlayUdpPorts: number[];
  /** The overlay may encapsulate in IP-in-IP between nodes. */
  overlayIpip: boolean;
  /** The node's `spec.podCIDRs` belong to the node (cni0's .1, flannel.1's .0, pods). */
  hostLocalPodCidrs: boolean;
  /** What an operator must know about running the agent on this datapath. */
  caveats: string[];
}

/** Names an ENI device has on EKS AMIs (Amazon Linux: eth*, Bottlerocket and Ubuntu: ens*). */
export const ENI_PATTERNS: readonly string[] = ["eth*", "ens*"];

const PROFILES: Record<Datapath, DatapathProfile> = {
  "vpc-cni": {
    datapath: "vpc-cni",
    uplinkPatterns: [...ENI_PATTERNS, "vlan.eth.*"],
    podSidePatterns: ["eni*", "vlan*"],
    overlayUdpPorts: [],
    overlayIpip: false,
    hostLocalPodCidrs: false,
    caveats: [],
  },
  calico: {
    datapath: "calico",
    uplinkPatterns: [...ENI_PATTERNS, "tunl0", "vxlan.calico", "wireguard.cali"],
    podSidePatterns: ["cali*"],
    overlayUdpPorts: [4789],
    overlayIpip: true,
    hostLocalPodCidrs: false,
    caveats: [
      "Calico's eBPF dataplane bypasses netfilter: the agent needs the iptables or nftables dataplane",
    ],
  },
  flannel: {
    datapath: "flannel",
    uplinkPatterns: [...ENI_PATTERNS, "flannel.*", "flannel-wg"],
    podSidePatterns: ["veth*", "cni0"],
    overlayUdpPorts: [8472],
    overlayIpip: false,
    hostLocalPodCidrs: true,
    caveats: [],
  },
  cilium: {
    datapath: "cilium",
    uplinkPatterns: [...ENI_PATTERNS, "cilium_vxlan", "cilium_geneve", "cilium_wg0"],
    podSidePatterns: ["lxc*", "cilium_host", "cilium_net"],
    overlayUdpPorts: [8472, 6081],
    overlayIpip: false,
    hostLocalPodCidrs: false,
    caveats: [
      "Cilium's BPF host routing and kube-proxy replacement forward packets without netfilter: set " +
        "bpf.hostLegacyRouting=true so pod traffic crosses the hooks the agent selects at",
    ],
  },
};

/** The facts of one datapath. */
export function datapathProfile(datapath: Datapath): DatapathProfile {
  return PROFILES[datapath];
}
