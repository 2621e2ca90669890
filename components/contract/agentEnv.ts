/**
 * The agent's environment, declared once: every variable the agent program reads, its default, what values are
 * allowed, and the parser that turns the strings into typed settings. The agent program validates its own
 * environment with {@link parseAgentEnv}; the Pulumi component renders the DaemonSet's and the Fargate sidecar's env
 * with {@link nodeAgentEnvironment} and {@link sidecarEnvironment}, which run the same parser, so a value the agent
 * would refuse fails the deployment at preview with the same message.
 *
 * Every problem names the variable, quotes the bad value and says what is allowed. Empty strings count as unset (a
 * templated `value: ""` is common). Imports only contract modules, so the component can use it without pulling the
 * agent program in.
 */
import { isIpv4Address, isIpv4Cidr } from "./cidr";
import { DEFAULT_NODEPORT_RANGE, type IntRange } from "./mirror";
import { parseUnsupportedInstanceTypes } from "./mirrorableInstanceTypes";

/** What an agent process does: `node` = the DaemonSet on a node, `sidecar` = a container in a Fargate pod. */
export type AgentRole = "node" | "sidecar";
/** The pod networks whose node datapath the agent knows (uplink devices, overlay encapsulation). */
export type Datapath = "vpc-cni" | "calico" | "flannel" | "cilium";
/** `DATAPATH`: a datapath, or `auto` = detected from the node's devices. */
export type DatapathSetting = "auto" | Datapath;
/**
 * `CLONE_PATH`: how a selected packet is cloned onto the capture device. `egress` = marked at the L3 decision and
 * cloned at the device's egress hook (nft netdev family), with `dup` where no egress hook exists yet; `dup` = the
 * nft `dup` statement at the L3 hook only; `auto` = `egress` when the kernel has netdev egress hooks.
 */
export type ClonePath = "auto" | "egress" | "dup";
/** `CAPTURE_DEVICE_KIND`: the capture device's link type; `auto` = `ifb` when the kernel has it, else `veth`. */
export type CaptureDeviceKind = "auto" | "ifb" | "veth";
/** `HOST_LOCAL_POD_CIDRS`: whether a node's `spec.podCIDRs` are its own addresses; `auto` = by datapath. */
export type HostLocalPodCidrsSetting = "auto" | "true" | "false";
/** `LOG_LEVEL`. */
export type LogLevel = "info" | "debug";

/** Settings both roles share. */
export interface CommonAgentSettings {
  /** `EXTRAHOP_SENSOR_IP`: sensor addresses, deduplicated, in order (1-10). */
  sensors: string[];
  /** `RPCAPD_TARGET_PORT`: the sensors' RPCAP port. */
  sensorPort: number;
  /** `RPCAPD_BIN`: the rpcapd executable. */
  rpcapdBin: string;
  /** `STATE_DIR`: where rpcapd.ini and the rendered ruleset are written. */
  stateDir: string;
  /** `READY_FILE`: exists while the agent is ready (exec readiness probes). */
  readyFile: string;
  /** `SHUTDOWN_DELAY`: seconds of capture after the first TERM. */
  shutdownDelaySeconds: number;
  /** `SENSOR_GRACE`: seconds a sensor's connection may be missing before it counts as lost. */
  sensorGraceSeconds: number;
  /** `SENSOR_CHECK_INTERVAL`: seconds between sensor-connection checks. */
  sensorCheckIntervalSeconds: number;
  /** `METRICS_PORT`: TCP port of `/metrics`, `/healthz`, `/readyz`; 0 = no endpoint. */
  metricsPort: number;
  /** `LOG_LEVEL`. */
  logLevel: LogLevel;
}

/** Settings of the node agent (`AGENT_ROLE=node`). */
export interface NodeAgentSettings extends CommonAgentSettings {
  /** Discriminant. */
  role: "node";
  /** `SVCNET`: service ranges; packets still addressed to a service IP are never reported. */
  serviceCidrs: string[];
  /** `PODNET`: pod ranges, informational (a CIDR cannot tell a pod from a VPC host; membership decides). */
  podCidrs: string[];
  /** `VPC_MIRRORING`: VPC Traffic Mirroring copies what leaves mirrored node ENIs. */
  vpcMirroring: boolean;
  /** `NODE_NAME`: this node (downward API `spec.nodeName`). */
  nodeName: string;
  /** `AGENT_NAMESPACE`: namespace of the agent pods. */
  agentNamespace: string;
  /** `AGENT_SELECTOR`: label of the agent pods, as `key=value`. */
  agentSelector: string;
  /** `SIDECAR_CONTAINER_NAME`: name of the capture sidecar container in Fargate pods. */
  sidecarContainerName: string;
  /** `KUBE_API_URL`: base URL of the Kubernetes API. */
  kubeApiUrl: string;
  /** `KUBE_TOKEN_FILE`: ServiceAccount token (re-read per request). */
  kubeTokenFile: string;
  /** `KUBE_CA_FILE`: CA bundle of the API server. */
  kubeCaFile: string;
  /** `DATAPATH`. */
  datapath: DatapathSetting;
  /** `UPLINK_IFNAMES`: interface names or `prefix*` patterns that replace the detected uplinks; undefined = detect. */
  uplinkIfnames?: string[];
  /** `HOST_LOCAL_POD_CIDRS`. */
  hostLocalPodCidrs: HostLocalPodCidrsSetting;
  /** `MIRROR_SETTLE`: seconds a node (by age) or an ENI device (since seen) needs before it counts as mirrored. */
  mirrorSettleSeconds: number;
  /** `NODEPORT_RANGE`: the cluster's NodePort range (what the mirror filter leaves to the agent by source port). */
  nodePortRange: IntRange;
  /** `MIRROR_EXCLUDED_CIDRS`: destinations the mirror filter never copies. */
  mirrorExcludedCidrs: string[];
  /** `AMAZON_DNS_IPS`: the VPC resolver's addresses (the primary VPC CIDR's base + 2, 169.254.169.253). */
  amazonDnsIps: string[];
  /** `MIRROR_AMAZON_DNS`: the amazon-dns network service is on: AWS mirrors DNS with the resolver both ways. */
  mirrorAmazonDns: boolean;
  /** `UNSUPPORTED_INSTANCE_TYPES`: instance-type patterns AWS cannot mirror (same value as the reconciler's). */
  unsupportedInstanceTypes: readonly string[];
  /** `CAPTURE_DEV`: the capture device's name. */
  captureDevice: string;
  /** `CAPTURE_PEER`: the peer's name when the capture device is a veth pair. */
  capturePeer: string;
  /** `CAPTURE_DEVICE_KIND`. */
  captureDeviceKind: CaptureDeviceKind;
  /** `CLONE_PATH`. */
  clonePath: ClonePath;
  /** `CAPTURE_MARK`: the one packet-mark bit that carries "clone this" from the L3 decision to the egress hook. */
  captureMark: number;
}

/** Settings of the Fargate capture sidecar (`AGENT_ROLE=sidecar`). */
export interface SidecarAgentSettings extends CommonAgentSettings {
  /** Discriminant. */
  role: "sidecar";
  /** `POD_IP`: the pod's own address (downward API `status.podIP`). */
  podIp: string;
  /** `POD_INTERFACE`: the pod's interface rpcapd captures. */
  podInterface: string;
  /** `FARGATE_CIDRS`: subnets only Fargate pods use; what they send is left to the sending pod's sidecar. */
  fargateCidrs: string[];
}

/** Validated settings of either role. */
export type AgentSettings = NodeAgentSettings | SidecarAgentSettings;

/** One documented variable of the contract. */
export interface AgentEnvVariable {
  /** Variable name. */
  name: string;
  /** Roles that read it. */
  roles: readonly AgentRole[];
  /** Must be set (non-empty) for those roles. */
  required: boolean;
  /** Value used when unset, as the string the agent would parse; undefined = none. */
  default?: string;
  /** What is allowed, in words (quoted in error messages). */
  allowed: string;
  /** What it does. */
  description: string;
}

/** Raised with every problem found, each naming its variable. */
export class AgentEnvError extends Error {
  /** One message per problem. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.name = "AgentEnvError";
    this.problems = problems;
  }
}

/** Default `AGENT_NAMESPACE`. */
export const DEFAULT_AGENT_NAMESPACE = "extrahop";
/** Default `AGENT_SELECTOR`: the DaemonSet's pod label. */
export const DEFAULT_AGENT_SELECTOR = "component=extrahop-rpcapd";
/** Default `SIDECAR_CONTAINER_NAME`. */
export const DEFAULT_SIDECAR_CONTAINER_NAME = "extrahop-rpcapd";
/** Default `METRICS_PORT`. */
export const DEFAULT_METRICS_PORT = 9477;
/** Default `READY_FILE` (what an exec readiness probe tests). */
export const DEFAULT_READY_FILE = "/tmp/ready";
/**
 * Default `MIRROR_SETTLE`: the reconciler's default schedule (5 minutes) plus a minute for its run. A node or ENI
 * younger than this may not have its session yet, so the agents still report what leaves it (duplicates, no loss).
 */
export const DEFAULT_MIRROR_SETTLE_SECONDS = 360;
/**
 * Default `CAPTURE_MARK`: bit 12. Outside the bits kube-proxy (0x4000, 0x8000), the Amazon VPC CNI (0x80), Calico
 * (its default mask 0xffff0000), Cilium (0x0f00 and the upper half) and Istio (0x539) are documented to use. Set
 * only between the agent's postrouting decision and the device's egress hook, where the agent clears it again.
 */
export const DEFAULT_CAPTURE_MARK = 0x1000;
/** The VPC resolver's link-local address, on every VPC (its other address is the primary CIDR's base + 2). */
export const AMAZON_LINK_LOCAL_DNS = "169.254.169.253";
/** rpcapd's `ActiveClient` limit. */
export const MAX_SENSORS = 10;
/** Where a Fargate pod's downward API gives the agent its address. */
export const SIDECAR_FIELD_REFS: Readonly<Record<string, string>> = Object.freeze({ POD_IP: "status.podIP" });
/** Where the DaemonSet's downward API gives the agent its node. */
export const NODE_AGENT_FIELD_REFS: Readonly<Record<string, string>> = Object.freeze({
  NODE_NAME: "spec.nodeName",
});

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

interface Spec<T> extends AgentEnvVariable {
  parse(value: string): Parsed<T>;
}

const BOTH: readonly AgentRole[] = ["node", "sidecar"];
const NODE: readonly AgentRole[] = ["node"];
const SIDECAR: readonly AgentRole[] = ["sidecar"];

/** Splits a comma list, trimming blanks; undefined when an item is empty. */
function splitList(value: string): string[] | undefined {
  const items = value.split(",").map((s) => s.trim());
  return items.some((s) => s === "") ? undefined : items;
}

function list(
  what: string,
  test: (item: string) => boolean,
  opts: { min?: number; max?: number } = {},
): (value: string) => Parsed<string[]> {
  return (value) => {
    if (value === "" && !opts.min) {
      return ok([]);
    }
    const items = splitList(value);
    if (!items) {
      return bad("has an empty item");
    }
    const wrong = items.find((i) => !test(i));
    if (wrong !== undefined) {
      return bad(`has ${JSON.stringify(wrong)}, which is not ${what}`);
    }
    const unique = [...new Set(items)];
    if (opts.max !== undefined && unique.length > opts.max) {
      return bad(`has ${unique.length} items, more than ${opts.max}`);
    }
    if (opts.min !== undefined && unique.length < opts.min) {
      return bad(`has fewer than ${opts.min} items`);
    }
    return ok(unique);
  };
}

function integer(min: number, max: number): (value: string) => Parsed<number> {
  return (value) => {
    if (!/^(0|[1-9][0-9]{0,8})$/.test(value)) {
      return bad("is not a whole number");
    }
    const n = Number(value);
    return n < min || n > max ? bad(`is out of range`) : ok(n);
  };
}

function oneOf<T extends string>(values: readonly T[]): (value: string) => Parsed<T> {
  return (value) => ((values as readonly string[]).includes(value) ? ok(value as T) : bad("is not allowed"));
}

/** RFC 1123 subdomain (node names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label (namespaces, container names). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Linux interface name as the agent accepts it: 1-15 characters, no blanks, quotes or slashes. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** A label key (optional DNS-subdomain prefix and `/`) and value, as `key=value`. */
const LABEL_SELECTOR =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

const ifnamePattern = (p: string): boolean => IFNAME.test(p.endsWith("*") ? p.slice(0, -1) : p);
const absolutePath = (value: string): Parsed<string> =>
  value.startsWith("/") && !value.includes("\0") ? ok(value) : bad("is not an absolute path");

function portRange(value: string): Parsed<IntRange> {
  const m = /^([1-9][0-9]{0,4})-([1-9][0-9]{0,4})$/.exec(value);
  if (!m) {
    return bad("is not a port range");
  }
  const [min, max] = [Number(m[1]), Number(m[2])];
  return min > max || max > 65535 ? bad("is not a port range") : ok({ min, max });
}

function markBit(value: string): Parsed<number> {
  if (!/^0x[0-9a-fA-F]{1,8}$/.test(value)) {
    return bad("is not a hexadecimal mark");
  }
  const n = parseInt(value.slice(2), 16);
  return n !== 0 && (n & (n - 1)) === 0 ? ok(n) : bad("is not a single bit");
}

function kubeApiUrl(value: string): Parsed<string> {
  try {
    const u = new URL(value);
    return (u.protocol === "https:" || u.protocol === "http:") && u.search === "" && u.hash === ""
      ? ok(value.replace(/\/+$/, ""))
      : bad("is not an http(s) base URL");
  } catch {
    return bad("is not a URL");
  }
}

const SPECS = {
  role: {
    name: "AGENT_ROLE",
    roles: BOTH,
    required: false,
    default: "node",
    allowed: "node or sidecar",
    description: "node = the DaemonSet agent on a node; sidecar = the capture container of a Fargate pod",
    parse: oneOf(["node", "sidecar"] as const),
  },
  sensors: {
    name: "EXTRAHOP_SENSOR_IP",
    roles: BOTH,
    required: true,
    allowed: `a comma list of 1-${MAX_SENSORS} IPv4 addresses (dotted quads)`,
    description: "sensors; each gets a full copy of the capture (rpcapd ActiveClient)",
    parse: list("an IPv4 address", isIpv4Address, { min: 1, max: MAX_SENSORS }),
  },
  sensorPort: {
    name: "RPCAPD_TARGET_PORT",
    roles: BOTH,
    required: true,
    allowed: "a port number 1-65535",
    description: "the sensors' RPCAP port",
    parse: integer(1, 65535),
  },
  rpcapdBin: {
    name: "RPCAPD_BIN",
    roles: BOTH,
    required: false,
    default: "/usr/local/bin/rpcapd",
    allowed: "an absolute path",
    description: "the rpcapd executable",
    parse: absolutePath,
  },
  stateDir: {
    name: "STATE_DIR",
    roles: BOTH,
    required: false,
    default: "/tmp/extrahop-agent",
    allowed: "an absolute path",
    description: "where rpcapd.ini and the rendered nft ruleset are written",
    parse: absolutePath,
  },
  readyFile: {
    name: "READY_FILE",
    roles: BOTH,
    required: false,
    default: DEFAULT_READY_FILE,
    allowed: "an absolute path",
    description: "exists while the agent is ready (a sensor is connected)",
    parse: absolutePath,
  },
  shutdownDelaySeconds: {
    name: "SHUTDOWN_DELAY",
    roles: BOTH,
    required: false,
    default: "5",
    allowed: "whole seconds 0-3600",
    description: "seconds of capture after the first TERM while the other agents take over",
    parse: integer(0, 3600),
  },
  sensorGraceSeconds: {
    name: "SENSOR_GRACE",
    roles: BOTH,
    required: false,
    default: "90",
    allowed: "whole seconds 1-99999999",
    description:
      "a sensor's connection may be missing this long; with none connected that long, the agent exits 1",
    parse: integer(1, 99_999_999),
  },
  sensorCheckIntervalSeconds: {
    name: "SENSOR_CHECK_INTERVAL",
    roles: BOTH,
    required: false,
    default: "5",
    allowed: "whole seconds 1-99999999, at most SENSOR_GRACE",
    description: "seconds between sensor-connection checks (every second until ready)",
    parse: integer(1, 99_999_999),
  },
  metricsPort: {
    name: "METRICS_PORT",
    roles: BOTH,
    required: false,
    default: String(DEFAULT_METRICS_PORT),
    allowed: "a port number 1-65535, or 0 for no endpoint",
    description: "TCP port of /metrics (Prometheus text), /healthz (liveness) and /readyz",
    parse: integer(0, 65535),
  },
  logLevel: {
    name: "LOG_LEVEL",
    roles: BOTH,
    required: false,
    default: "info",
    allowed: "info or debug",
    description: "debug adds one line per kernel update",
    parse: oneOf(["info", "debug"] as const),
  },
  serviceCidrs: {
    name: "SVCNET",
    roles: NODE,
    required: true,
    allowed: "a comma list of IPv4 CIDRs without host bits (a.b.c.d/len)",
    description: "service ranges; a packet still addressed to a service IP (IPVS) is never reported",
    parse: list("an IPv4 CIDR without host bits", isIpv4Cidr, { min: 1 }),
  },
  podCidrs: {
    name: "PODNET",
    roles: NODE,
    required: false,
    default: "",
    allowed: "a comma list of IPv4 CIDRs without host bits",
    description: "pod ranges, logged only: membership, not a CIDR, decides what is a pod",
    parse: list("an IPv4 CIDR without host bits", isIpv4Cidr),
  },
  vpcMirroring: {
    name: "VPC_MIRRORING",
    roles: NODE,
    required: true,
    allowed: "true or false",
    description: "VPC Traffic Mirroring copies what leaves mirrored node ENIs (egress-only filter)",
    parse: (v: string): Parsed<boolean> =>
      v === "true" ? ok(true) : v === "false" ? ok(false) : bad("is not allowed"),
  },
  nodeName: {
    name: "NODE_NAME",
    roles: NODE,
    required: true,
    allowed: "a Kubernetes node name (lower-case RFC 1123 subdomain, at most 253 characters)",
    description: "this node (downward API spec.nodeName)",
    parse: (v: string): Parsed<string> =>
      DNS_SUBDOMAIN.test(v) && v.length <= 253 ? ok(v) : bad("is not a node name"),
  },
  agentNamespace: {
    name: "AGENT_NAMESPACE",
    roles: NODE,
    required: false,
    default: DEFAULT_AGENT_NAMESPACE,
    allowed: "a namespace name (RFC 1123 label)",
    description: "namespace of the agent pods",
    parse: (v: string): Parsed<string> => (DNS_LABEL.test(v) ? ok(v) : bad("is not a namespace name")),
  },
  agentSelector: {
    name: "AGENT_SELECTOR",
    roles: NODE,
    required: false,
    default: DEFAULT_AGENT_SELECTOR,
    allowed: "one label as key=value",
    description: "label of the agent pods",
    parse: (v: string): Parsed<string> => (LABEL_SELECTOR.test(v) ? ok(v) : bad("is not key=value")),
  },
  sidecarContainerName: {
    name: "SIDECAR_CONTAINER_NAME",
    roles: NODE,
    required: false,
    default: DEFAULT_SIDECAR_CONTAINER_NAME,
    allowed: "a container name (RFC 1123 label)",
    description: "the capture sidecar's container name in Fargate pods (a ready one covers its pod)",
    parse: (v: string): Parsed<string> => (DNS_LABEL.test(v) ? ok(v) : bad("is not a container name")),
  },
  kubeApiUrl: {
    name: "KUBE_API_URL",
    roles: NODE,
    required: false,
    allowed: "an http(s) base URL",
    description: "Kubernetes API; default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT",
    parse: kubeApiUrl,
  },
  kubeTokenFile: {
    name: "KUBE_TOKEN_FILE",
    roles: NODE,
    required: false,
    default: "/var/run/secrets/kubernetes.io/serviceaccount/token",
    allowed: "an absolute path",
    description: "ServiceAccount token, re-read for every request (rotation)",
    parse: absolutePath,
  },
  kubeCaFile: {
    name: "KUBE_CA_FILE",
    roles: NODE,
    required: false,
    default: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    allowed: "an absolute path",
    description: "CA bundle of the API server",
    parse: absolutePath,
  },
  datapath: {
    name: "DATAPATH",
    roles: NODE,
    required: false,
    default: "auto",
    allowed: "auto, vpc-cni, calico, flannel or cilium",
    description: "the pod network: decides the uplink devices and the overlay encapsulation to skip",
    parse: oneOf(["auto", "vpc-cni", "calico", "flannel", "cilium"] as const),
  },
  uplinkIfnames: {
    name: "UPLINK_IFNAMES",
    roles: NODE,
    required: false,
    allowed: "a comma list of interface names or prefix* patterns",
    description: "replaces the detected uplinks (interfaces through which other hosts' packets arrive)",
    parse: list("an interface name or prefix*", ifnamePattern, { min: 1 }),
  },
  hostLocalPodCidrs: {
    name: "HOST_LOCAL_POD_CIDRS",
    roles: NODE,
    required: false,
    default: "auto",
    allowed: "auto, true or false",
    description: "a node's spec.podCIDRs are its addresses (host-local IPAM); auto = true for flannel",
    parse: oneOf(["auto", "true", "false"] as const),
  },
  mirrorSettleSeconds: {
    name: "MIRROR_SETTLE",
    roles: NODE,
    required: false,
    default: String(DEFAULT_MIRROR_SETTLE_SECONDS),
    allowed: "whole seconds 0-86400",
    description: "age before a node, or an ENI device of this node, counts as mirrored",
    parse: integer(0, 86400),
  },
  nodePortRange: {
    name: "NODEPORT_RANGE",
    roles: NODE,
    required: false,
    default: `${DEFAULT_NODEPORT_RANGE.min}-${DEFAULT_NODEPORT_RANGE.max}`,
    allowed: "a port range low-high within 1-65535",
    description: "the NodePort range; the mirror filter does not copy TCP/UDP with a source port in it",
    parse: portRange,
  },
  mirrorExcludedCidrs: {
    name: "MIRROR_EXCLUDED_CIDRS",
    roles: NODE,
    required: false,
    default: "",
    allowed: "a comma list of IPv4 CIDRs without host bits",
    description: "destinations the mirror filter does not copy (e.g. Fargate-only subnets)",
    parse: list("an IPv4 CIDR without host bits", isIpv4Cidr),
  },
  amazonDnsIps: {
    name: "AMAZON_DNS_IPS",
    roles: NODE,
    required: false,
    default: AMAZON_LINK_LOCAL_DNS,
    allowed: "a comma list of IPv4 addresses",
    description: "the VPC resolver's addresses: the primary VPC CIDR's base + 2, and 169.254.169.253",
    parse: list("an IPv4 address", isIpv4Address),
  },
  mirrorAmazonDns: {
    name: "MIRROR_AMAZON_DNS",
    roles: NODE,
    required: false,
    default: "true",
    allowed: "true or false",
    description:
      "the mirror filter has the amazon-dns network service (AWS then copies DNS with the resolver both ways)",
    parse: (v: string): Parsed<boolean> =>
      v === "true" ? ok(true) : v === "false" ? ok(false) : bad("is not allowed"),
  },
  unsupportedInstanceTypes: {
    name: "UNSUPPORTED_INSTANCE_TYPES",
    roles: NODE,
    required: false,
    allowed: "a JSON array or comma list of instance-type patterns (* = any characters)",
    description:
      "instance types AWS cannot mirror; default the built-in list (same value as the reconciler's)",
    parse: (v: string): Parsed<readonly string[]> => {
      try {
        const patterns = parseUnsupportedInstanceTypes(v);
        const wrong = patterns.find((p) => !/^[A-Za-z0-9.*-]+$/.test(p));
        return wrong === undefined
          ? ok(patterns)
          : bad(`has ${JSON.stringify(wrong)}, not an instance-type pattern`);
      } catch {
        return bad("is not a JSON array of strings");
      }
    },
  },
  captureDevice: {
    name: "CAPTURE_DEV",
    roles: NODE,
    required: false,
    default: "ehcap0",
    allowed: "an interface name (1-15 of A-Z a-z 0-9 _ . -)",
    description: "the capture device rpcapd reads",
    parse: (v: string): Parsed<string> => (IFNAME.test(v) ? ok(v) : bad("is not an interface name")),
  },
  capturePeer: {
    name: "CAPTURE_PEER",
    roles: NODE,
    required: false,
    default: "ehcap1",
    allowed: "an interface name different from CAPTURE_DEV",
    description: "the veth peer when the capture device is a veth pair (no ifb in the kernel)",
    parse: (v: string): Parsed<string> => (IFNAME.test(v) ? ok(v) : bad("is not an interface name")),
  },
  captureDeviceKind: {
    name: "CAPTURE_DEVICE_KIND",
    roles: NODE,
    required: false,
    default: "auto",
    allowed: "auto, ifb or veth",
    description: "ifb (clones dropped right after the capture tap) or a veth pair; auto = ifb when available",
    parse: oneOf(["auto", "ifb", "veth"] as const),
  },
  clonePath: {
    name: "CLONE_PATH",
    roles: NODE,
    required: false,
    default: "auto",
    allowed: "auto, egress or dup",
    description: "egress = clone at the device's egress hook (nft netdev), dup = nft dup at the L3 hook",
    parse: oneOf(["auto", "egress", "dup"] as const),
  },
  captureMark: {
    name: "CAPTURE_MARK",
    roles: NODE,
    required: false,
    default: `0x${DEFAULT_CAPTURE_MARK.toString(16)}`,
    allowed: "one bit as hexadecimal (0x1, 0x2, ... 0x80000000)",
    description: "packet-mark bit from the L3 decision to the egress clone; pick one no other component uses",
    parse: markBit,
  },
  podIp: {
    name: "POD_IP",
    roles: SIDECAR,
    required: true,
    allowed: "an IPv4 address",
    description: "the pod's address (downward API status.podIP)",
    parse: (v: string): Parsed<string> => (isIpv4Address(v) ? ok(v) : bad("is not an IPv4 address")),
  },
  podInterface: {
    name: "POD_INTERFACE",
    roles: SIDECAR,
    required: false,
    default: "eth0",
    allowed: "an interface name",
    description: "the pod's interface rpcapd captures",
    parse: (v: string): Parsed<string> => (IFNAME.test(v) ? ok(v) : bad("is not an interface name")),
  },
  fargateCidrs: {
    name: "FARGATE_CIDRS",
    roles: SIDECAR,
    required: false,
    default: "",
    allowed: "a comma list of IPv4 CIDRs without host bits (subnets only Fargate pods use)",
    description: "packets from these to the pod are left to the sender's sidecar; empty = none (duplicates)",
    parse: list("an IPv4 CIDR without host bits", isIpv4Cidr),
  },
} satisfies Record<string, Spec<unknown>>;

type SpecKey = keyof typeof SPECS;
type ValueOf<K extends SpecKey> = (typeof SPECS)[K] extends Spec<infer T> ? T : never;

/** Every variable of the contract, in documentation order. */
export const AGENT_ENV_VARIABLES: readonly AgentEnvVariable[] = Object.freeze(
  (Object.values(SPECS) as Spec<unknown>[]).map(
    ({ name, roles, required, default: d, allowed, description }): AgentEnvVariable => ({
      name,
      roles,
      required,
      default: d,
      allowed,
      description,
    }),
  ),
);

/** The environment as the process sees it. */
export type Environment = Readonly<Record<string, string | undefined>>;

function describeValue(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

/**
 * Validates the agent's environment; returns the settings of the role `AGENT_ROLE` names, or throws an
 * {@link AgentEnvError} listing every problem.
 */
export function parseAgentEnv(env: Environment): AgentSettings {
  const problems: string[] = [];
  const get = <K extends SpecKey>(key: K): ValueOf<K> | undefined => {
    const spec = SPECS[key] as Spec<ValueOf<K>>;
    const raw = env[spec.name];
    const value = raw === undefined || raw === "" ? spec.default : raw;
    if (value === undefined) {
      if (spec.required) {
        problems.push(`${spec.name} is required but not set; allowed: ${spec.allowed}`);
      }
      return undefined;
    }
    const r = spec.parse(value);
    if (!r.ok) {
      problems.push(`${spec.name}: ${describeValue(value)} ${r.reason}; allowed: ${spec.allowed}`);
      return undefined;
    }
    return r.value;
  };
  const role = get("role");
  if (role === undefined) {
    throw new AgentEnvError(problems);
  }
  const common = {
    sensors: get("sensors"),
    sensorPort: get("sensorPort"),
    rpcapdBin: get("rpcapdBin"),
    stateDir: get("stateDir"),
    readyFile: get("readyFile"),
    shutdownDelaySeconds: get("shutdownDelaySeconds"),
    sensorGraceSeconds: get("sensorGraceSeconds"),
    sensorCheckIntervalSeconds: get("sensorCheckIntervalSeconds"),
    metricsPort: get("metricsPort"),
    logLevel: get("logLevel"),
  };
  if (
    common.sensorCheckIntervalSeconds !== undefined &&
    common.sensorGraceSeconds !== undefined &&
    common.sensorCheckIntervalSeconds > common.sensorGraceSeconds
  ) {
    problems.push(
      `SENSOR_CHECK_INTERVAL: "${common.sensorCheckIntervalSeconds}" exceeds SENSOR_GRACE (${common.sensorGraceSeconds}); ` +
        `allowed: ${SPECS.sensorCheckIntervalSeconds.allowed}`,
    );
  }
  let settings: Record<string, unknown>;
  if (role === "node") {
    const host = env.KUBERNETES_SERVICE_HOST;
    const defaultApi = host
      ? `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || "443"}`
      : "https://kubernetes.default.svc";
    const node = {
      role,
      ...common,
      serviceCidrs: get("serviceCidrs"),
      podCidrs: get("podCidrs"),
      vpcMirroring: get("vpcMirroring"),
      nodeName: get("nodeName"),
      agentNamespace: get("agentNamespace"),
      agentSelector: get("agentSelector"),
      sidecarContainerName: get("sidecarContainerName"),
      kubeApiUrl: get("kubeApiUrl") ?? defaultApi,
      kubeTokenFile: get("kubeTokenFile"),
      kubeCaFile: get("kubeCaFile"),
      datapath: get("datapath"),
      uplinkIfnames: get("uplinkIfnames"),
      hostLocalPodCidrs: get("hostLocalPodCidrs"),
      mirrorSettleSeconds: get("mirrorSettleSeconds"),
      nodePortRange: get("nodePortRange"),
      mirrorExcludedCidrs: get("mirrorExcludedCidrs"),
      amazonDnsIps: get("amazonDnsIps"),
      mirrorAmazonDns: get("mirrorAmazonDns"),
      unsupportedInstanceTypes: get("unsupportedInstanceTypes") ?? parseUnsupportedInstanceTypes(undefined),
      captureDevice: get("captureDevice"),
      capturePeer: get("capturePeer"),
      captureDeviceKind: get("captureDeviceKind"),
      clonePath: get("clonePath"),
      captureMark: get("captureMark"),
    };
    if (node.captureDevice !== undefined && node.captureDevice === node.capturePeer) {
      problems.push(
        `CAPTURE_PEER: ${describeValue(node.capturePeer)} equals CAPTURE_DEV; allowed: ${SPECS.capturePeer.allowed}`,
      );
    }
    settings = node;
  } else {
    settings = {
      role,
      ...common,
      podIp: get("podIp"),
      podInterface: get("podInterface"),
      fargateCidrs: get("fargateCidrs"),
    };
  }
  if (problems.length > 0) {
    throw new AgentEnvError(problems);
  }
  return settings as unknown as AgentSettings;
}

/** Inputs the component has for the node agents' env (the DaemonSet). */
export interface NodeAgentEnvInputs {
  /** Sensor addresses. */
  sensorIps: string[];
  /** Sensor RPCAP port. */
  sensorPort: number;
  /** Service ranges. */
  serviceCidrs: string[];
  /** Pod ranges (informational). */
  podCidrs?: string[];
  /** Whether VPC Traffic Mirroring is configured. */
  vpcMirroring: boolean;
  /** Namespace of the agent pods. Default {@link DEFAULT_AGENT_NAMESPACE}. */
  agentNamespace?: string;
  /** Seconds before a node or ENI counts as mirrored. Default {@link DEFAULT_MIRROR_SETTLE_SECONDS}. */
  mirrorSettleSeconds?: number;
  /** NodePort range the filter uses. Default 30000-32767. */
  nodePortRange?: IntRange;
  /** The filter's excluded destinations. */
  mirrorExcludedCidrs?: string[];
  /** The VPC resolver's addresses (the primary VPC CIDR's base + 2 and 169.254.169.253). */
  amazonDnsIps?: string[];
  /** Whether the filter has the amazon-dns network service. Default true. */
  mirrorAmazonDns?: boolean;
  /** The reconciler's unsupported instance-type patterns; absent = the built-in list. */
  unsupportedInstanceTypes?: readonly string[];
  /** Datapath, when known at deploy time. Default detected by the agent. */
  datapath?: DatapathSetting;
  /** Metrics port. Default {@link DEFAULT_METRICS_PORT}. */
  metricsPort?: number;
}

/** Inputs the component has for a Fargate sidecar's env. */
export interface SidecarEnvInputs {
  /** Sensor addresses. */
  sensorIps: string[];
  /** Sensor RPCAP port. */
  sensorPort: number;
  /** Subnets only Fargate pods use. */
  fargateCidrs?: string[];
  /** Metrics port inside the pod (must not collide with the workload's ports). Default {@link DEFAULT_METRICS_PORT}. */
  metricsPort?: number;
}

function validated(role: AgentRole, values: Record<string, string>, fieldRefs: Record<string, string>): void {
  const placeholders: Record<string, string> = { NODE_NAME: "node.placeholder", POD_IP: "192.0.2.1" };
  const probe: Record<string, string> = { ...values, AGENT_ROLE: role };
  for (const name of Object.keys(fieldRefs)) {
    probe[name] = placeholders[name];
  }
  parseAgentEnv(probe);
}

/**
 * The literal env values of the node agents (the downward-API ones are {@link NODE_AGENT_FIELD_REFS}); throws an
 * {@link AgentEnvError} naming each variable the agent would refuse.
 */
export function nodeAgentEnvironment(inputs: NodeAgentEnvInputs): Record<string, string> {
  const values: Record<string, string> = {
    EXTRAHOP_SENSOR_IP: inputs.sensorIps.join(","),
    RPCAPD_TARGET_PORT: String(inputs.sensorPort),
    PODNET: (inputs.podCidrs ?? []).join(","),
    SVCNET: inputs.serviceCidrs.join(","),
    VPC_MIRRORING: inputs.vpcMirroring ? "true" : "false",
    AGENT_NAMESPACE: inputs.agentNamespace ?? DEFAULT_AGENT_NAMESPACE,
  };
  const optional: [string, string | undefined][] = [
    ["MIRROR_SETTLE", inputs.mirrorSettleSeconds?.toString()],
    ["NODEPORT_RANGE", inputs.nodePortRange && `${inputs.nodePortRange.min}-${inputs.nodePortRange.max}`],
    ["MIRROR_EXCLUDED_CIDRS", inputs.mirrorExcludedCidrs?.join(",")],
    ["AMAZON_DNS_IPS", inputs.amazonDnsIps?.join(",")],
    ["MIRROR_AMAZON_DNS", inputs.mirrorAmazonDns === undefined ? undefined : String(inputs.mirrorAmazonDns)],
    [
      "UNSUPPORTED_INSTANCE_TYPES",
      inputs.unsupportedInstanceTypes && JSON.stringify(inputs.unsupportedInstanceTypes),
    ],
    ["DATAPATH", inputs.datapath],
    ["METRICS_PORT", inputs.metricsPort?.toString()],
  ];
  for (const [name, value] of optional) {
    if (value !== undefined && value !== "") {
      values[name] = value;
    }
  }
  if (values.PODNET === "") {
    delete values.PODNET;
  }
  validated("node", values, { ...NODE_AGENT_FIELD_REFS });
  return values;
}

/**
 * The literal env values of a Fargate capture sidecar (`POD_IP` comes from {@link SIDECAR_FIELD_REFS}); throws an
 * {@link AgentEnvError} naming each variable the agent would refuse.
 */
export function sidecarEnvironment(inputs: SidecarEnvInputs): Record<string, string> {
  const values: Record<string, string> = {
    AGENT_ROLE: "sidecar",
    EXTRAHOP_SENSOR_IP: inputs.sensorIps.join(","),
    RPCAPD_TARGET_PORT: String(inputs.sensorPort),
  };
  if (inputs.fargateCidrs && inputs.fargateCidrs.length > 0) {
    values.FARGATE_CIDRS = inputs.fargateCidrs.join(",");
  }
  if (inputs.metricsPort !== undefined) {
    values.METRICS_PORT = String(inputs.metricsPort);
  }
  validated("sidecar", values, { ...SIDECAR_FIELD_REFS });
  return values;
}
