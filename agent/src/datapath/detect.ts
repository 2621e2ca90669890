/**
 * Which pod network runs on this node, from its devices (`ip -d link`): each CNI leaves names and device kinds of
 * its own (see profiles.ts). Detection only escalates from the default: a node without any pod yet looks like the
 * Amazon VPC CNI, and a CNI's own device appearing later is a change the agent acts on.
 */
import type { Datapath } from "../../../components/contract/agentEnv";
import type { Link } from "../kernel/links";

/** What was detected and why. */
export interface DatapathDetection {
  /** The datapath. */
  datapath: Datapath;
  /** The devices that decided it; empty when nothing pointed anywhere (the default). */
  evidence: string[];
}

const has = (links: readonly Link[], test: (l: Link) => boolean): string[] =>
  links.filter(test).map((l) => `${l.name}${l.kind ? ` (${l.kind})` : ""}`);

/** Detects the datapath from the node's devices. */
export function detectDatapath(links: readonly Link[]): DatapathDetection {
  const cilium = has(
    links,
    (l) => l.name === "cilium_host" || l.name === "cilium_vxlan" || l.name.startsWith("lxc"),
  );
  if (cilium.length > 0) {
    return { datapath: "cilium", evidence: cilium };
  }
  const calico = has(
    links,
    (l) =>
      (l.name.startsWith("cali") && l.kind === "veth") ||
      l.name === "vxlan.calico" ||
      l.name === "wireguard.cali" ||
      // tunl0 exists whenever the ipip module is loaded; Calico gives it an address.
      (l.name === "tunl0" && l.ipv4.length > 0),
  );
  if (calico.length > 0) {
    return { datapath: "calico", evidence: calico };
  }
  const flannel = has(links, (l) => l.name.startsWith("flannel.") || l.name === "flannel-wg");
  if (flannel.length > 0) {
    return { datapath: "flannel", evidence: flannel };
  }
  const vpcCni = has(
    links,
    (l) => (l.name.startsWith("eni") && l.kind === "veth") || l.name.startsWith("vlan.eth."),
  );
  return { datapath: "vpc-cni", evidence: vpcCni };
}
