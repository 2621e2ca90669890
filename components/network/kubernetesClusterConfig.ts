/**
 * Pod and service ranges as the cluster's own configuration states them, read from API objects: the
 * `kube-system/kubeadm-config` ConfigMap, the flags of the kube-controller-manager and kube-apiserver static pods,
 * node `spec.podCIDRs`, and the ServiceCIDR objects (networking.k8s.io, Kubernetes 1.31+). Pure functions of the
 * decoded objects.
 */
import * as YAML from "yaml";
import { collapseCidrs } from "../contract/cidr";
import { findingFromList, parseCidrList, type RangeFinding, type SourceReading } from "./kubernetesRanges";

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

/** Where kubeadm keeps the cluster configuration it was initialised with. */
export const KUBEADM_CONFIG_PATH = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config";

/**
 * `networking.podSubnet` and `networking.serviceSubnet` of the `ClusterConfiguration` document (YAML inside the
 * ConfigMap's data). kubeadm passes them to kube-controller-manager (`--cluster-cidr`) and kube-apiserver
 * (`--service-cluster-ip-range`); both are comma-separated for dual-stack clusters.
 * @param configMap the ConfigMap as the API returns it
 */
export function readKubeadmConfig(configMap: unknown): SourceReading {
  const from = "ConfigMap kube-system/kubeadm-config ClusterConfiguration";
  const document = text(dict(dict(configMap).data).ClusterConfiguration);
  if (!document) {
    return { findings: [], summary: "no ClusterConfiguration key", notes: [] };
  }
  let networking: Dict;
  try {
    networking = dict(dict(YAML.parse(document)).networking);
  } catch {
    return {
      findings: [],
      summary: "ClusterConfiguration is not YAML",
      notes: [`${from} is not YAML, ignored`],
    };
  }
  const reading: SourceReading = { findings: [], summary: "", notes: [] };
  const said: string[] = [];
  for (const [key, kind] of [
    ["podSubnet", "pod"],
    ["serviceSubnet", "service"],
  ] as const) {
    const value = text(networking[key]);
    said.push(`${key} ${value ?? "not set"}`);
    if (value) {
      const { finding, notes } = findingFromList(kind, value, `${from} networking.${key}`, 2);
      reading.findings.push(...(finding ? [finding] : []));
      reading.notes.push(...notes);
    }
  }
  reading.summary = said.join(", ");
  return reading;
}

/** Control-plane static pods (their mirror pods in the API): kubeadm and RKE2 label them `tier=control-plane`. */
export const CONTROL_PLANE_PODS_PATH =
  "/api/v1/namespaces/kube-system/pods?labelSelector=tier%3Dcontrol-plane";

/** The value of `--name=value` or `--name value` in a command line; the last occurrence wins, as with Go flags. */
export function flagValue(tokens: string[], name: string): string | undefined {
  let value: string | undefined;
  tokens.forEach((token, i) => {
    if (token.startsWith(`--${name}=`)) {
      value = token.slice(name.length + 3);
    } else if (token === `--${name}` && i + 1 < tokens.length) {
      value = tokens[i + 1];
    }
  });
  return value;
}

const COMPONENT_FLAGS: Record<string, { flag: string; kind: "pod" | "service"; authority: 1 | 2 }[]> = {
  "kube-controller-manager": [
    { flag: "cluster-cidr", kind: "pod", authority: 2 },
    { flag: "service-cluster-ip-range", kind: "service", authority: 2 },
  ],
  // The API server allocates ClusterIPs from this range: it is the allocator's own setting.
  "kube-apiserver": [{ flag: "service-cluster-ip-range", kind: "service", authority: 1 }],
};

function componentOf(container: Dict, tokens: string[]): string | undefined {
  const names = [text(container.name), ...tokens.slice(0, 2).map((t) => t.split("/").pop())];
  return Object.keys(COMPONENT_FLAGS).find((component) => names.includes(component));
}

/**
 * `--cluster-cidr` and `--service-cluster-ip-range` of every kube-controller-manager and kube-apiserver container
 * of the listed pods (one statement per pod, so that two control-plane nodes that disagree are caught).
 * @param podList a PodList as the API returns it
 */
export function readControlPlaneFlags(podList: unknown): SourceReading {
  const reading: SourceReading = { findings: [], summary: "", notes: [] };
  const seen: string[] = [];
  for (const pod of items(podList)) {
    const podName = `${text(dict(pod.metadata).namespace) ?? "kube-system"}/${text(dict(pod.metadata).name) ?? "?"}`;
    const containers = dict(pod.spec).containers;
    for (const container of Array.isArray(containers) ? containers.map(dict) : []) {
      const tokens = [container.command, container.args]
        .flatMap((part) => (Array.isArray(part) ? part : []))
        .filter((t): t is string => typeof t === "string");
      const component = componentOf(container, tokens);
      if (!component) {
        continue;
      }
      seen.push(podName);
      for (const { flag, kind, authority } of COMPONENT_FLAGS[component]) {
        const value = flagValue(tokens, flag);
        if (value) {
          const { finding, notes } = findingFromList(kind, value, `Pod ${podName} flag --${flag}`, authority);
          reading.findings.push(...(finding ? [finding] : []));
          reading.notes.push(...notes);
        }
      }
    }
  }
  reading.summary = seen.length
    ? `${seen.join(", ")}: ${reading.findings.length} range flag(s)`
    : "no kube-controller-manager or kube-apiserver pod";
  return reading;
}

/** Nodes, one page at a time. */
export const NODES_PATH = "/api/v1/nodes";

/**
 * The union of the nodes' `spec.podCIDRs` (or the older single `spec.podCIDR`), as one statement. It is a snapshot:
 * a node that joins later gets a range outside it, so it only ever decides when nothing else states a pod range.
 * @param nodes Node objects as the API returns them
 */
export function readNodePodCidrs(nodes: unknown[]): SourceReading {
  const ranges: string[] = [];
  const ipv6 = new Set<string>();
  let withRanges = 0;
  for (const node of nodes.map(dict)) {
    const spec = dict(node.spec);
    const listed = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [spec.podCIDR];
    const values = listed.filter((v): v is string => typeof v === "string" && v !== "");
    if (values.length) {
      withRanges++;
    }
    const parsed = parseCidrList(values.join(","));
    ranges.push(...parsed.ipv4);
    parsed.ipv6.forEach((v) => ipv6.add(v));
  }
  const from = `spec.podCIDRs of ${withRanges} of ${nodes.length} nodes`;
  const union = collapseCidrs(ranges);
  const finding: RangeFinding | undefined = union.length
    ? { kind: "pod", ranges: union, from, authority: 3 }
    : undefined;
  return {
    findings: finding ? [finding] : [],
    summary: `${nodes.length} nodes, ${withRanges} with podCIDRs${union.length ? ` (${union.join(", ")})` : ""}`,
    notes: ipv6.size ? [`${from}: IPv6 ranges left out (the agent forwards IPv4 only)`] : [],
  };
}

/** ServiceCIDR collections, newest API version first (v1 from Kubernetes 1.33, v1beta1 in 1.31 and 1.32). */
export const SERVICE_CIDR_PATHS = [
  { path: "/apis/networking.k8s.io/v1/servicecidrs", version: "networking.k8s.io/v1" },
  { path: "/apis/networking.k8s.io/v1beta1/servicecidrs", version: "networking.k8s.io/v1beta1" },
] as const;

/**
 * Every ServiceCIDR's `spec.cidrs`: the API server allocates ClusterIPs from all of them (the one named
 * `kubernetes` mirrors `--service-cluster-ip-range`; others extend the range). Objects being deleted still count:
 * a finalizer keeps them until no Service address is left in them.
 * @param list a ServiceCIDRList as the API returns it
 * @param version its API version, for the record
 */
export function readServiceCidrs(list: unknown, version: string): SourceReading {
  const reading: SourceReading = { findings: [], summary: "", notes: [] };
  const names: string[] = [];
  for (const object of items(list)) {
    const name = text(dict(object.metadata).name) ?? "?";
    names.push(name);
    const cidrs = dict(object.spec).cidrs;
    const value = Array.isArray(cidrs) ? cidrs.filter((c) => typeof c === "string").join(",") : "";
    const { finding, notes } = findingFromList("service", value, `ServiceCIDR ${name} (${version})`, 1);
    if (finding) {
      reading.findings.push({ ...finding, group: "ServiceCIDR objects" });
    }
    reading.notes.push(...notes);
  }
  reading.summary = names.length ? `${names.length} object(s): ${names.join(", ")}` : "none";
  return reading;
}
