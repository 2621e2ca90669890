// The Amazon VPC CNI's node datapath, as shell scripts for the simulation's namespaces, written from
// aws/amazon-vpc-cni-k8s v1.23.1:
//   - cmd/routed-eni-cni-plugin/driver/driver.go: pod veths (host `eni<hash>` or, for branch ENIs in strict mode,
//     `vlan<hash>`; pod `eth0` /32, default via 169.254.1.1 with a permanent neighbour), the `to <pod> lookup main`
//     rule (512), `from <pod> lookup <table>` (1536) for pods on secondary ENIs; branch ENIs: VLAN link
//     `vlan.eth.<id>`, table id+100 with the gateway and a default route, strict mode `iif vlan.eth.<id>` and
//     `iif <host veth>` rules (10), standard mode IP rules as for secondary ENIs;
//   - pkg/networkutils/network.go: the local rule moved from 0 to 20 in strict mode, `fwmark 0x80/0x80 lookup main`
//     (1024), the nat AWS-SNAT-CHAIN-0 (`-d <VPC CIDR> RETURN`, `! -o vlan+ ... SNAT --to-source <primary IP>
//     --random-fully`), the mangle connmark rules for NodePort traffic entering the primary ENI;
//   - pkg/networkutils/iptables_connmark.go: nat AWS-CONNMARK-CHAIN-0 marking pod connections to outside the VPC,
//     so they leave through the primary ENI where they are SNATed;
//   - pkg/networkutils/names.go: host veth names.
// This kernel has no 8021q module: a branch ENI's VLAN sub-interface is modelled as its own link (a veth) to the
// VPC fabric, named like the real one. Netfilter sees interfaces and routes, not VLAN tags, so what the hooks see
// is what they would see with a tagged sub-interface of the trunk ENI.
import { NodeSpec, PodSpec, SimTopology, hostVethName, vlanLinkName, vlanTable } from "./topology";

/** The pod's gateway on its veth (driver.go). */
export const POD_GATEWAY = "169.254.1.1";
/** The connmark the VPC CNI uses (AWS_VPC_K8S_CNI_CONNMARK default). */
export const CONNMARK = "0x80";
/** Rule priorities of pkg/networkutils/network.go. */
export const RULE_PRIORITY = { vlan: 10, local: 20, toContainer: 512, mainEni: 1024, fromPod: 1536 } as const;

/** Name of the VPC fabric's side of a node ENI link. */
export function fabricEniLink(n: NodeSpec, dev: string): string {
  return `vn${n.key}${dev.replace("eth", "")}`;
}

/** Name of the VPC fabric's side of a branch ENI's VLAN link. */
export function fabricVlanLink(n: NodeSpec, vlanId: number): string {
  return `vb${n.key}${vlanId}`;
}

/** Route table of a secondary ENI (the VPC CNI uses device index + 1). */
export function eniTable(deviceIndex: number): number {
  return deviceIndex + 1;
}

/** The host veth of a pod: `vlan<hash>` for branch pods in strict mode, `eni<hash>` otherwise. */
export function podHostVeth(t: SimTopology, p: PodSpec): string {
  const strictBranch = p.vlanId !== undefined && t.layout.sgpp === "strict";
  return hostVethName(p.name, "default", strictBranch ? "vlan" : "eni");
}

/** Node-wide routing the CNI sets up once (ipamd): ENI tables, the NodePort mark rule, the strict local rule. */
export function nodeRoutingScript(t: SimTopology, n: NodeSpec): string {
  const lines = ["sysctl -qw net.ipv4.ip_forward=1"];
  for (const e of n.enis.filter((x) => x.deviceIndex > 0)) {
    const table = eniTable(e.deviceIndex);
    lines.push(
      `ip route add ${e.gateway} dev ${e.dev} scope link table ${table}`,
      `ip route add default via ${e.gateway} dev ${e.dev} table ${table}`,
      // FromPrimaryIPofENIRulePriority: the ENI's own address answers through the ENI.
      `ip rule add pref 32765 from ${e.ip} lookup ${table}`,
    );
  }
  lines.push(`ip rule add pref ${RULE_PRIORITY.mainEni} fwmark ${CONNMARK}/${CONNMARK} lookup main`);
  const branchPods = n.pods.some((p) => p.vlanId !== undefined);
  if (t.layout.sgpp === "strict" && branchPods) {
    lines.push(`ip rule add pref ${RULE_PRIORITY.local} lookup local`, "ip rule del pref 0 lookup local");
  }
  if (branchPods) {
    // DISABLE_TCP_EARLY_DEMUX=true, which the EKS guide asks for with security groups for pods so that kubelet's
    // TCP probes reach branch-ENI pods (cmd/aws-vpc-cni-init/main.go writes it; without it, in strict mode, the
    // answer to the node's SYN, coming back through the VPC, is lost: reproduced here).
    lines.push("sysctl -qw net.ipv4.tcp_early_demux=0");
  }
  return lines.join("\n");
}

/** The pod side of a pod's veth (same for every kind). */
export function podSideScript(p: PodSpec, hostVethMac: string): string {
  return [
    `ip addr add ${p.ip}/32 dev eth0`,
    "ip link set eth0 up",
    `ip route add ${POD_GATEWAY} dev eth0 scope link`,
    `ip route add default via ${POD_GATEWAY} dev eth0`,
    `ip neigh add ${POD_GATEWAY} lladdr ${hostVethMac} dev eth0 nud permanent`,
  ].join("\n");
}

/** The node side of a regular pod (its address on the primary or a secondary ENI). */
export function regularPodNodeScript(n: NodeSpec, p: PodSpec, veth: string, podMac: string): string {
  const eni = n.enis.find((e) => e.dev === (p.eni ?? "eth0"));
  if (!eni) {
    throw new Error(`pod ${p.key}: node ${n.key} has no ${p.eni}`);
  }
  const lines = [
    `ip link set ${veth} up`,
    `ip route add ${p.ip}/32 dev ${veth} scope link`,
    `ip neigh add ${p.ip} lladdr ${podMac} dev ${veth} nud permanent`,
    `ip rule add pref ${RULE_PRIORITY.toContainer} to ${p.ip} lookup main`,
  ];
  if (eni.deviceIndex > 0) {
    lines.push(`ip rule add pref ${RULE_PRIORITY.fromPod} from ${p.ip} lookup ${eniTable(eni.deviceIndex)}`);
  }
  return lines.join("\n");
}

/**
 * The node side of a branch-ENI pod: the VLAN link's table, then strict (interface rules, pod route only in the
 * VLAN table) or standard (pod route in main, IP rules).
 */
export function branchPodNodeScript(
  t: SimTopology,
  p: PodSpec,
  veth: string,
  podMac: string,
  gateway: string,
): string {
  const vlanId = p.vlanId as number;
  const vlan = vlanLinkName(vlanId);
  const table = vlanTable(vlanId);
  const lines = [
    `ip link set ${vlan} up`,
    `ip route add ${gateway} dev ${vlan} scope link table ${table}`,
    `ip route add default via ${gateway} dev ${vlan} table ${table}`,
    `ip link set ${veth} up`,
    `ip neigh add ${p.ip} lladdr ${podMac} dev ${veth} nud permanent`,
  ];
  if (t.layout.sgpp === "strict") {
    lines.push(
      `ip route add ${p.ip}/32 dev ${veth} scope link table ${table}`,
      `ip rule add pref ${RULE_PRIORITY.vlan} iif ${vlan} lookup ${table}`,
      `ip rule add pref ${RULE_PRIORITY.vlan} iif ${veth} lookup ${table}`,
    );
  } else {
    lines.push(
      `ip route add ${p.ip}/32 dev ${veth} scope link`,
      `ip rule add pref ${RULE_PRIORITY.toContainer} to ${p.ip} lookup main`,
      `ip rule add pref ${RULE_PRIORITY.fromPod} from ${p.ip} lookup ${table}`,
    );
  }
  return lines.join("\n");
}

/** Extra services of kube-proxy for the simulation: a NodePort whose backend is on a third node. */
export interface KubeProxyServices {
  /** ClusterIP services: address, port, backend address. */
  clusterIps: { ip: string; port: number; backend: string }[];
  /** NodePorts: port, protocol, backend address and port. */
  nodePorts: { port: number; proto: "tcp" | "udp"; backend: string; backendPort: number }[];
}

/**
 * iptables-restore input for a node: kube-proxy (iptables mode, ClusterIP and NodePort DNAT, KUBE-MARK-MASQ and
 * MASQUERADE --random-fully) and the VPC CNI's nat and mangle rules. `extraSnat` are SNAT rules placed before the
 * CNI's generic one (the simulation uses one to make a SNAT source port fall in the NodePort range on purpose).
 */
export function nodeIptablesRules(
  t: SimTopology,
  n: NodeSpec,
  svc: KubeProxyServices,
  podPort: { tcp: number; udp: number },
  extraSnat: string[],
): string {
  const dnat = (dst: string, port: number, backend: string, bport: number, proto: string): string =>
    `-A KUBE-SERVICES -d ${dst}/32 -p ${proto} -m ${proto} --dport ${port} -j DNAT --to-destination ${backend}:${bport}`;
  const rules: string[] = [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ":KUBE-SERVICES - [0:0]",
    ":KUBE-NODEPORTS - [0:0]",
    ":KUBE-MARK-MASQ - [0:0]",
    ":KUBE-POSTROUTING - [0:0]",
    ":AWS-SNAT-CHAIN-0 - [0:0]",
    ":AWS-CONNMARK-CHAIN-0 - [0:0]",
    '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
    `-A PREROUTING -m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask ${CONNMARK} --ctmask ${CONNMARK}`,
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
    "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
    "-A KUBE-POSTROUTING -j MASQUERADE --random-fully",
  ];
  for (const s of svc.clusterIps) {
    rules.push(
      dnat(s.ip, s.port, s.backend, podPort.tcp, "tcp"),
      dnat(s.ip, s.port, s.backend, podPort.udp, "udp"),
    );
  }
  rules.push("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
  for (const np of svc.nodePorts) {
    rules.push(
      `-A KUBE-NODEPORTS -p ${np.proto} -m ${np.proto} --dport ${np.port} -j KUBE-MARK-MASQ`,
      `-A KUBE-NODEPORTS -p ${np.proto} -m ${np.proto} --dport ${np.port} -j DNAT --to-destination ${np.backend}:${np.backendPort}`,
    );
  }
  for (const cidr of t.vpcCidrs) {
    rules.push(
      `-A AWS-CONNMARK-CHAIN-0 -d ${cidr} -m comment --comment "AWS CONNMARK CHAIN, VPC CIDR" -j RETURN`,
      `-A AWS-SNAT-CHAIN-0 -d ${cidr} -m comment --comment "AWS SNAT CHAIN" -j RETURN`,
    );
  }
  rules.push(
    `-A AWS-CONNMARK-CHAIN-0 -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark ${CONNMARK}/${CONNMARK}`,
    ...extraSnat,
    `-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${n.ip} --random-fully`,
    "COMMIT",
    "*mangle",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    `-A PREROUTING -i eth0 -m comment --comment "AWS, primary ENI" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark ${CONNMARK}/${CONNMARK}`,
    `-A PREROUTING -i eni+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask ${CONNMARK} --ctmask ${CONNMARK}`,
    "COMMIT",
    "",
  );
  return rules.join("\n");
}
