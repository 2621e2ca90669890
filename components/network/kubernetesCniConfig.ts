/**
 * Pod ranges and the inter-node datapath as the network plugin's own configuration states them, read from API
 * objects: Calico `IPPool`s, Cilium's `cilium-config` ConfigMap (and `CiliumPodIPPool`s in multi-pool mode), and
 * Flannel's `kube-flannel-cfg` ConfigMap. Pure functions of the decoded objects. Field meanings:
 * - Calico: projectcalico/calico api/pkg/apis/projectcalico/v3/ippool.go (`cidr`, `disabled`, `ipipMode` and
 *   `vxlanMode` Always|CrossSubnet|Never, `allowedUses` Workload|Tunnel|LoadBalancer, default Workload+Tunnel);
 *   the `crd.projectcalico.org/v1` objects carry the same spec.
 * - Cilium: cilium/cilium install/kubernetes/cilium/templates/cilium-configmap.yaml (`ipam`, default
 *   `cluster-pool`; `cluster-pool-ipv4-cidr`, space-separated; `routing-mode` tunnel|native, default tunnel;
 *   `tunnel-protocol` vxlan|geneve, default vxlan; before 1.14 `tunnel` vxlan|geneve|disabled).
 * - Flannel: flannel-io/flannel pkg/subnet/config.go (`Network`, `EnableIPv4` default true, `Backend.Type`
 *   defaulting to `udp` when `Backend` is absent; keys are matched case-insensitively, as Go's JSON decoder does).
 */
import { findingFromList, type RangeFinding, type SourceReading } from "./kubernetesRanges";

/** How pod packets travel between nodes. `routed`: unencapsulated (Calico BGP, Flannel host-gw, Cilium native). */
export type InterNodeTransport = "ipip" | "vxlan" | "geneve" | "udp" | "wireguard" | "ipsec" | "routed";

/** The network plugin and its inter-node transports, as far as its configuration tells. */
export interface InferredDatapath {
  /** The agent's `DATAPATH` value. */
  datapath: "calico" | "flannel" | "cilium";
  /**
   * Transports in use; several for mixed pools or "cross-subnet" modes (encapsulated across subnets only); empty when
   * the configuration names a transport this module does not know.
   */
  transports: InterNodeTransport[];
  /** Where it was read, e.g. `Calico IPPool default-ipv4-ippool: ipipMode Always, vxlanMode Never`. */
  from: string;
}

/** What a plugin's configuration says: ranges and notes, plus the datapath when it can tell. */
export interface CniReading extends SourceReading {
  /** The datapath, when this configuration is in use. */
  datapath?: InferredDatapath;
}

type Dict = Record<string, unknown>;

function dict(value: unknown): Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Dict) : {};
}

function items(list: unknown): Dict[] {
  const found = dict(list).items;
  return Array.isArray(found) ? found.map(dict) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Calico IPPool collections: the CRDs every Calico install has, and the Calico API server's view when installed. */
export const CALICO_POOL_PATHS = [
  { path: "/apis/crd.projectcalico.org/v1/ippools", version: "crd.projectcalico.org/v1" },
  { path: "/apis/projectcalico.org/v3/ippools", version: "projectcalico.org/v3" },
] as const;

function calicoEncapsulation(mode: string | undefined, transport: InterNodeTransport): InterNodeTransport[] {
  if (mode === "Always") {
    return [transport];
  }
  // Encapsulated only towards nodes in another subnet; routed within the subnet.
  return mode === "CrossSubnet" ? [transport, "routed"] : [];
}

/** The `ipipMode` of a pool, reading the pre-3.x `ipip: {enabled, mode}` form that old CRDs still carry. */
function ipipModeOf(spec: Dict): string | undefined {
  const mode = text(spec.ipipMode);
  if (mode) {
    return mode;
  }
  const legacy = dict(spec.ipip);
  if (legacy.enabled === true) {
    return text(legacy.mode) === "cross-subnet" ? "CrossSubnet" : "Always";
  }
  return undefined;
}

/**
 * The enabled IPPools that give pods their addresses (`allowedUses` includes `Workload`), as one group of
 * statements, and the transports their encapsulation modes imply.
 * @param pools IPPool objects from both API versions (the same pool seen twice counts once, by name)
 */
export function readCalicoPools(pools: { object: unknown; version: string }[]): CniReading {
  const byName = new Map<string, { spec: Dict; version: string }>();
  for (const { object, version } of pools) {
    const name = text(dict(dict(object).metadata).name) ?? "?";
    if (!byName.has(name)) {
      byName.set(name, { spec: dict(dict(object).spec), version });
    }
  }
  const reading: CniReading = { findings: [], summary: "", notes: [] };
  const transports: InterNodeTransport[] = [];
  const modes: string[] = [];
  for (const [name, { spec, version }] of byName) {
    const from = `Calico IPPool ${name} (${version})`;
    const cidr = text(spec.cidr) ?? "";
    const uses =
      Array.isArray(spec.allowedUses) && spec.allowedUses.length ? spec.allowedUses : ["Workload", "Tunnel"];
    if (spec.disabled === true) {
      reading.notes.push(`${from} ${cidr}: disabled, left out (no new pod gets an address from it)`);
      continue;
    }
    if (!uses.includes("Workload")) {
      reading.notes.push(`${from} ${cidr}: allowedUses ${uses.join(", ")} (not pods), left out`);
      continue;
    }
    const { finding, notes } = findingFromList("pod", cidr, from, 1);
    reading.notes.push(...notes);
    if (!finding) {
      continue;
    }
    reading.findings.push({ ...finding, group: "Calico IPPools" });
    const ipip = ipipModeOf(spec);
    const vxlan = text(spec.vxlanMode);
    const encapsulated = [...calicoEncapsulation(ipip, "ipip"), ...calicoEncapsulation(vxlan, "vxlan")];
    transports.push(...(encapsulated.length ? encapsulated : ["routed" as const]));
    modes.push(`${name}: ipipMode ${ipip ?? "Never"}, vxlanMode ${vxlan ?? "Never"}`);
  }
  reading.summary = `${byName.size} pool(s), ${reading.findings.length} enabled for pods`;
  if (reading.findings.length) {
    reading.datapath = {
      datapath: "calico",
      transports: unique(transports),
      from: `Calico IPPool ${modes.join("; ")}`,
    };
  }
  return reading;
}

/** Cilium's agent configuration (Helm and cilium-cli install it in kube-system). */
export const CILIUM_CONFIG_PATH = "/api/v1/namespaces/kube-system/configmaps/cilium-config";

/** CiliumPodIPPool collections (multi-pool IPAM), newest API version first. */
export const CILIUM_POD_POOL_PATHS = [
  { path: "/apis/cilium.io/v2/ciliumpodippools", version: "cilium.io/v2" },
  { path: "/apis/cilium.io/v2alpha1/ciliumpodippools", version: "cilium.io/v2alpha1" },
] as const;

/** Cilium's IPAM mode (`ipam`, default `cluster-pool`), for deciding whether its pools must be read. */
export function ciliumIpamMode(configMap: unknown): string {
  return text(dict(dict(configMap).data).ipam) ?? "cluster-pool";
}

function ciliumTransports(data: Dict): { transports: InterNodeTransport[]; said: string } {
  const routingMode = text(data["routing-mode"]);
  const legacyTunnel = text(data.tunnel);
  let transports: InterNodeTransport[];
  let said: string;
  if (routingMode) {
    const protocol = text(data["tunnel-protocol"]) ?? "vxlan";
    transports = routingMode === "native" ? ["routed"] : [protocol === "geneve" ? "geneve" : "vxlan"];
    said = `routing-mode ${routingMode}${routingMode === "native" ? "" : `, tunnel-protocol ${protocol}`}`;
  } else if (legacyTunnel) {
    transports = legacyTunnel === "disabled" ? ["routed"] : [legacyTunnel === "geneve" ? "geneve" : "vxlan"];
    said = `tunnel ${legacyTunnel}`;
  } else {
    transports = ["vxlan"];
    said = "routing-mode not set (tunnel, vxlan by default)";
  }
  if (data["enable-wireguard"] === "true") {
    transports.push("wireguard");
  }
  if (data["enable-ipsec"] === "true") {
    transports.push("ipsec");
  }
  return { transports, said };
}

/**
 * The pod range of Cilium's `cluster-pool` IPAM (`cluster-pool-ipv4-cidr`) and the datapath of its routing mode.
 * Other IPAM modes take ranges from elsewhere: `kubernetes` from node podCIDRs, `multi-pool` from CiliumPodIPPools
 * ({@link readCiliumPodPools}), cloud modes (`eni`, `azure`, `alibabacloud`) from the cloud's subnets.
 * @param configMap the `cilium-config` ConfigMap as the API returns it
 */
export function readCiliumConfig(configMap: unknown): CniReading {
  const data = dict(dict(configMap).data);
  const from = "ConfigMap kube-system/cilium-config";
  const ipam = ciliumIpamMode(configMap);
  const chaining = text(data["cni-chaining-mode"]);
  const reading: CniReading = { findings: [], summary: `ipam ${ipam}`, notes: [] };
  if (chaining && chaining !== "none" && chaining !== "portmap") {
    reading.summary += `, chained to ${chaining}`;
    reading.notes.push(
      `${from}: cni-chaining-mode ${chaining}: another plugin wires pods, its ranges and datapath apply`,
    );
    return reading;
  }
  if (data["enable-ipv4"] === "false") {
    reading.notes.push(`${from}: enable-ipv4 false (IPv6-only pods; the agent forwards IPv4 only)`);
  } else if (ipam === "cluster-pool") {
    const value = text(data["cluster-pool-ipv4-cidr"]);
    if (value) {
      const { finding, notes } = findingFromList("pod", value, `${from} cluster-pool-ipv4-cidr`, 1);
      reading.findings.push(...(finding ? [finding] : []));
      reading.notes.push(...notes);
    } else {
      reading.notes.push(`${from}: ipam cluster-pool without cluster-pool-ipv4-cidr`);
    }
  } else if (ipam !== "kubernetes" && ipam !== "multi-pool") {
    reading.notes.push(
      `${from}: ipam ${ipam} gives pods addresses from the cloud provider's subnets; set podCidrs to those subnets`,
    );
  }
  const { transports, said } = ciliumTransports(data);
  reading.summary += `, ${said}`;
  reading.datapath = { datapath: "cilium", transports, from: `${from}: ${said}` };
  return reading;
}

/**
 * The IPv4 CIDRs of every CiliumPodIPPool (multi-pool IPAM), as one group of statements.
 * @param list a CiliumPodIPPoolList as the API returns it
 * @param version its API version, for the record
 */
export function readCiliumPodPools(list: unknown, version: string): SourceReading {
  const reading: SourceReading = { findings: [], summary: "", notes: [] };
  const pools = items(list);
  for (const pool of pools) {
    const name = text(dict(pool.metadata).name) ?? "?";
    const cidrs = dict(dict(pool.spec).ipv4).cidrs;
    const value = Array.isArray(cidrs) ? cidrs.filter((c) => typeof c === "string").join(",") : "";
    const { finding, notes } = findingFromList("pod", value, `CiliumPodIPPool ${name} (${version})`, 1);
    reading.findings.push(...(finding ? [{ ...finding, group: "CiliumPodIPPools" }] : []));
    reading.notes.push(...notes);
  }
  reading.summary = `${pools.length} pool(s)`;
  return reading;
}

/** Where Flannel's manifest puts its configuration: namespace `kube-flannel` today, `kube-system` before 0.20. */
export const FLANNEL_CONFIG_PATHS = [
  {
    path: "/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg",
    name: "kube-flannel/kube-flannel-cfg",
  },
  {
    path: "/api/v1/namespaces/kube-system/configmaps/kube-flannel-cfg",
    name: "kube-system/kube-flannel-cfg",
  },
] as const;

function field(object: Dict, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

/** Flannel backends by `Backend.Type`; host-gw and the cloud backends route pod ranges without encapsulation. */
const FLANNEL_BACKENDS: Record<string, InterNodeTransport> = {
  vxlan: "vxlan",
  udp: "udp",
  ipip: "ipip",
  wireguard: "wireguard",
  ipsec: "ipsec",
  "host-gw": "routed",
  "aws-vpc": "routed",
  gce: "routed",
  "ali-vpc": "routed",
  "tencent-vpc": "routed",
};

/**
 * Flannel's `Network` (the range node podCIDRs must come from) and its backend.
 * @param configMap the `kube-flannel-cfg` ConfigMap as the API returns it
 * @param name `namespace/name` it was read from
 */
export function readFlannelConfig(configMap: unknown, name: string): CniReading {
  const from = `ConfigMap ${name} net-conf.json`;
  const raw = text(dict(dict(configMap).data)["net-conf.json"]);
  if (!raw) {
    return { findings: [], summary: "no net-conf.json key", notes: [] };
  }
  let conf: Dict;
  try {
    conf = dict(JSON.parse(raw));
  } catch {
    return { findings: [], summary: "net-conf.json is not JSON", notes: [`${from} is not JSON, ignored`] };
  }
  const reading: CniReading = { findings: [], summary: "", notes: [] };
  const network = text(field(conf, "Network"));
  if (field(conf, "EnableIPv4") === false) {
    reading.notes.push(`${from}: EnableIPv4 false (IPv6-only pods; the agent forwards IPv4 only)`);
  } else if (network) {
    const { finding, notes } = findingFromList("pod", network, `${from} Network`, 2);
    reading.findings.push(...(finding ? [finding as RangeFinding] : []));
    reading.notes.push(...notes);
  }
  const backend = field(conf, "Backend");
  const type = (text(field(dict(backend), "Type")) ?? (backend === undefined ? "udp" : "")).toLowerCase();
  const direct = field(dict(backend), "DirectRouting") === true;
  // DirectRouting (vxlan, ipip): routed towards nodes on the same subnet, encapsulated beyond. An unknown backend
  // (extension, alloc) names no transport.
  const encapsulation = FLANNEL_BACKENDS[type];
  const transports: InterNodeTransport[] = encapsulation
    ? unique([encapsulation, ...(direct ? ["routed" as const] : [])])
    : [];
  const said = `Backend.Type ${type || "?"}${direct ? ", DirectRouting" : ""}`;
  reading.summary = `Network ${network ?? "not set"}, ${said}`;
  reading.datapath = { datapath: "flannel", transports, from: `${from}: ${said}` };
  return reading;
}
