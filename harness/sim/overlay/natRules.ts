// The iptables rules a node of the overlay cluster carries: kube-proxy (iptables mode) and the CNI's own NAT,
// rendered as one iptables-restore input. The per-service chains (KUBE-SVC-*, KUBE-SEP-*) are flattened into
// KUBE-SERVICES (one backend per service: same matches, same targets, same order).
//
// kube-proxy (kubernetes/kubernetes pkg/proxy/iptables/proxier.go, syncProxyRules): ClusterIP DNAT, with
// "masquerade off-cluster traffic to a service VIP" (`! -s <cluster CIDR> -j KUBE-MARK-MASQ`, kubeadm sets the
// cluster CIDR), the hairpin mark of the endpoint chain, NodePorts (mark for masquerade, DNAT), KUBE-POSTROUTING
// (MASQUERADE what is marked 0x4000).
// Calico (projectcalico/calico felix/rules/static.go StaticNATPostroutingChains, felix/rules/nat.go
// NATOutgoingChain): cali-POSTROUTING first in POSTROUTING; cali-nat-outgoing masquerades pod traffic from a
// natOutgoing pool to outside all pools; traffic leaving through the tunnel device with a host address that is
// not the tunnel's own is masqueraded to the tunnel address (UDP with a port range that excludes the VXLAN port).
// Flannel (flannel-io/flannel pkg/trafficmngr/iptables/iptables.go masqRules, forwardRules): FLANNEL-POSTRTG.
// Filter rules for network policy are not modelled: every path is allowed.
import * as O from "./topology";

const MASQ_MARK = "0x4000";

function kubeProxyNat(t: O.OverlayTopology): { chains: string[]; postrouting: string; rules: string[] } {
  const svcRules: string[] = [];
  for (const [name, s] of Object.entries(t.services)) {
    const backend = O.podOf(t, s.backend).ip;
    for (const [proto, port] of [
      ["tcp", O.POD_TCP],
      ["udp", O.POD_UDP],
    ] as const) {
      const match = `-d ${s.ip}/32 -p ${proto} -m ${proto} --dport ${s.port}`;
      const comment = `-m comment --comment "default/${name} cluster IP"`;
      svcRules.push(
        `-A KUBE-SERVICES ${match} ${comment} ! -s ${O.CLUSTER_CIDR} -j KUBE-MARK-MASQ`,
        `-A KUBE-SERVICES ${match} -s ${backend}/32 -j KUBE-MARK-MASQ`,
        `-A KUBE-SERVICES ${match} -j DNAT --to-destination ${backend}:${port}`,
      );
    }
  }
  const np = O.podOf(t, t.nodePortBackend).ip;
  return {
    chains: [
      ":KUBE-SERVICES - [0:0]",
      ":KUBE-NODEPORTS - [0:0]",
      ":KUBE-MARK-MASQ - [0:0]",
      ":KUBE-POSTROUTING - [0:0]",
    ],
    postrouting: '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    rules: [
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      `-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`,
      `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
      `-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`,
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      ...svcRules,
      `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${O.NODEPORT_TCP} -j KUBE-MARK-MASQ`,
      `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${O.NODEPORT_TCP} -j DNAT --to-destination ${np}:${O.POD_TCP}`,
      `-A KUBE-NODEPORTS -p udp -m udp --dport ${O.NODEPORT_UDP} -j KUBE-MARK-MASQ`,
      `-A KUBE-NODEPORTS -p udp -m udp --dport ${O.NODEPORT_UDP} -j DNAT --to-destination ${np}:${O.POD_UDP}`,
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ],
  };
}

function calicoNat(t: O.OverlayTopology): { chains: string[]; postrouting: string; rules: string[] } {
  const rules = [
    "-A cali-POSTROUTING -j cali-fip-snat",
    "-A cali-POSTROUTING -j cali-nat-outgoing",
    `-A cali-nat-outgoing -s ${O.CLUSTER_CIDR} ! -d ${O.CLUSTER_CIDR} -j MASQUERADE`,
  ];
  if (t.tunnelDevice) {
    const tunnelMatch = `-o ${t.tunnelDevice} -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL`;
    if (t.encapsulation?.kind === "vxlan") {
      // felix masqPortRangeExcluding(4789): the wider side of the VXLAN port, 4790-65535.
      rules.push(
        `-A cali-POSTROUTING -p udp ${tunnelMatch} -j MASQUERADE --to-ports ${t.encapsulation.port + 1}-65535`,
      );
    }
    rules.push(`-A cali-POSTROUTING ${tunnelMatch} -j MASQUERADE`);
  }
  return {
    chains: [":cali-POSTROUTING - [0:0]", ":cali-fip-snat - [0:0]", ":cali-nat-outgoing - [0:0]"],
    postrouting: '-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING',
    rules,
  };
}

function flannelNat(n: O.OverlayNode): { chains: string[]; postrouting: string; rules: string[] } {
  const c = O.CLUSTER_CIDR;
  const pod = n.block;
  const cm = '-m comment --comment "flanneld masq"';
  return {
    chains: [":FLANNEL-POSTRTG - [0:0]"],
    postrouting: `-A POSTROUTING ${cm} -j FLANNEL-POSTRTG`,
    rules: [
      `-A FLANNEL-POSTRTG -m mark --mark ${MASQ_MARK}/${MASQ_MARK} ${cm} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${pod} -d ${c} ${cm} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${c} -d ${pod} ${cm} -j RETURN`,
      `-A FLANNEL-POSTRTG ! -s ${c} -d ${pod} ${cm} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${c} ! -d 224.0.0.0/4 ${cm} -j MASQUERADE --random-fully`,
      `-A FLANNEL-POSTRTG ! -s ${c} -d ${c} ${cm} -j MASQUERADE --random-fully`,
    ],
  };
}

/**
 * The iptables-restore input for one node. POSTROUTING order: Calico inserts its chain first (felix's default
 * ChainInsertMode=insert); kube-proxy prepends KUBE-POSTROUTING while flannel appends FLANNEL-POSTRTG.
 */
export function nodeIptablesRules(t: O.OverlayTopology, n: O.OverlayNode): string {
  const kp = kubeProxyNat(t);
  const cni = t.cni === "calico" ? calicoNat(t) : flannelNat(n);
  const postrouting =
    t.cni === "calico" ? [cni.postrouting, kp.postrouting] : [kp.postrouting, cni.postrouting];
  const nat = [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ...kp.chains,
    ...cni.chains,
    ...postrouting,
    ...kp.rules,
    ...cni.rules,
    "COMMIT",
  ];
  const filter =
    t.cni === "flannel"
      ? [
          "*filter",
          ":INPUT ACCEPT [0:0]",
          ":FORWARD ACCEPT [0:0]",
          ":OUTPUT ACCEPT [0:0]",
          ":FLANNEL-FWD - [0:0]",
          '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
          `-A FLANNEL-FWD -s ${O.CLUSTER_CIDR} -m comment --comment "flanneld forward" -j ACCEPT`,
          `-A FLANNEL-FWD -d ${O.CLUSTER_CIDR} -m comment --comment "flanneld forward" -j ACCEPT`,
          "COMMIT",
        ]
      : [];
  return [...nat, ...filter, ""].join("\n");
}
