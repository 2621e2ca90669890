/**
 * Discovers a self-managed cluster's pod ranges (`PODNET`), service range (`SVCNET`) and datapath (`DATAPATH`)
 * through the Kubernetes API, from every place the cluster states them, and insists that they agree.
 *
 * Verified against recorded API objects and an HTTPS stand-in of the API server (harness/kube/discovery), not
 * against a live cluster; object shapes follow the upstream sources cited in each reader module.
 */
import { collapseCidrs, overlappingPairs } from "../contract/cidr";
import { describeFailure, type KubernetesAnswer, type KubernetesReadApi } from "./kubernetesApi";
import {
  CALICO_POOL_PATHS,
  CILIUM_CONFIG_PATH,
  CILIUM_POD_POOL_PATHS,
  FLANNEL_CONFIG_PATHS,
  ciliumIpamMode,
  readCalicoPools,
  readCiliumConfig,
  readCiliumPodPools,
  readFlannelConfig,
  type InferredDatapath,
} from "./kubernetesCniConfig";
import {
  CONTROL_PLANE_PODS_PATH,
  KUBEADM_CONFIG_PATH,
  NODES_PATH,
  SERVICE_CIDR_PATHS,
  readControlPlaneFlags,
  readKubeadmConfig,
  readNodePodCidrs,
  readServiceCidrs,
} from "./kubernetesClusterConfig";
import {
  covers,
  reconcileRanges,
  subtractCidrs,
  type RangeFinding,
  type RangeKind,
  type SourceReading,
} from "./kubernetesRanges";
import {
  PROBE_CLUSTER_IPS,
  PROBE_PATH,
  serviceRangeFromProbeAnswer,
  serviceRangeProbe,
} from "./kubernetesServiceRangeProbe";

export type { InferredDatapath, InterNodeTransport } from "./kubernetesCniConfig";
export type { RangeKind } from "./kubernetesRanges";

/** Ranges given in configuration; each replaces discovery of its kind. Validated IPv4 CIDRs. */
export interface ClusterNetworkOverrides {
  /** Pod ranges (`podCidrs`). */
  podCidrs?: string[];
  /** Service ranges (`serviceCidrs`). */
  serviceCidrs?: string[];
}

/** One range and where it was stated. */
export interface NetworkRangeSource {
  /** Pod or service range. */
  kind: RangeKind;
  /** IPv4 CIDR. */
  range: string;
  /** The object and field, e.g. `Calico IPPool default-ipv4-ippool (crd.projectcalico.org/v1)`, or `override podCidrs`. */
  from: string;
}

/** The cluster's networking as discovered. */
export interface KubernetesClusterNetwork {
  /** Every address a pod can get (`PODNET`): collapsed, sorted. */
  podCidrs: string[];
  /** The service range(s) (`SVCNET`): collapsed, sorted. */
  serviceCidrs: string[];
  /**
   * The ranges that make up `podCidrs` and `serviceCidrs`, each with its source (overrides included): the ranges of
   * each kind collapse to exactly `podCidrs` or `serviceCidrs`.
   */
  sources: NetworkRangeSource[];
  /**
   * Ranges other sources state that agree with the answer without deciding it: a cluster CIDR around the CNI's
   * pools, the node podCIDRs inside it.
   */
  agreeing: NetworkRangeSource[];
  /** The network plugin and transports its configuration names; absent when none or several plugins are configured. */
  datapath?: InferredDatapath;
  /** Every source consulted and what it said, e.g. `ConfigMap kube-system/cilium-config: not found (404)`. */
  tried: string[];
  /** What was seen and left out, and why (IPv6, disabled pools, overridden ranges). */
  notes: string[];
}

/** Discovery found nothing, or found sources that disagree. */
export class ClusterNetworkDiscoveryError extends Error {
  /** One line per problem; a conflict names both sources. */
  readonly problems: string[];
  /** Every source consulted and what it said. */
  readonly tried: string[];
  constructor(problems: string[], tried: string[]) {
    super(
      "Cluster network discovery through the Kubernetes API failed:\n" +
        problems.map((p) => `  - ${p}`).join("\n") +
        (tried.length ? `\nTried:\n${tried.map((t) => `  - ${t}`).join("\n")}` : ""),
    );
    this.name = "ClusterNetworkDiscoveryError";
    this.problems = problems;
    this.tried = tried;
  }
}

/** Nodes per page: a 5,000-node cluster is read in ten requests without holding one huge answer. */
const PAGE_SIZE = 500;

interface Step {
  /** One line for `tried`. */
  tried: string;
  reading?: SourceReading & { datapath?: InferredDatapath };
}

function failIfUnauthorized(answer: KubernetesAnswer): void {
  if (answer.status === 401) {
    throw new ClusterNetworkDiscoveryError(
      [`the API server refused the kubeconfig's credentials (${describeFailure(answer)})`],
      [],
    );
  }
}

async function getOne(api: KubernetesReadApi, path: string): Promise<KubernetesAnswer> {
  const answer = await api.get(path);
  failIfUnauthorized(answer);
  return answer;
}

/** Every item of a list, page by page; starts over once if the continue token expires (410 Gone). */
async function listAll(
  api: KubernetesReadApi,
  path: string,
): Promise<{ items: unknown[] } | KubernetesAnswer> {
  for (let attempt = 0; ; attempt++) {
    const collected: unknown[] = [];
    let token: string | undefined;
    let expired = false;
    do {
      const query = `limit=${PAGE_SIZE}${token ? `&continue=${encodeURIComponent(token)}` : ""}`;
      const answer = await getOne(api, `${path}${path.includes("?") ? "&" : "?"}${query}`);
      if (answer.status === 410 && token && attempt === 0) {
        expired = true;
        break;
      }
      if (answer.status !== 200) {
        return answer;
      }
      const page = answer.body as { items?: unknown[]; metadata?: { continue?: string } };
      for (const item of page.items ?? []) {
        // Keep only what discovery reads: a page of Node objects is megabytes.
        const spec = (item as { spec?: { podCIDR?: unknown; podCIDRs?: unknown } }).spec;
        collected.push({ spec: { podCIDR: spec?.podCIDR, podCIDRs: spec?.podCIDRs } });
      }
      token = page.metadata?.continue || undefined;
    } while (token);
    if (!expired) {
      return { items: collected };
    }
  }
}

async function calicoStep(api: KubernetesReadApi): Promise<Step> {
  const pools: { object: unknown; version: string }[] = [];
  const said: string[] = [];
  for (const { path, version } of CALICO_POOL_PATHS) {
    const answer = await getOne(api, path);
    if (answer.status === 200) {
      const items = (answer.body as { items?: unknown[] }).items ?? [];
      items.forEach((object) => pools.push({ object, version }));
      said.push(`${version} ${items.length} pool(s)`);
    } else {
      said.push(`${version} ${answer.status === 404 ? "not served (404)" : describeFailure(answer)}`);
    }
  }
  if (!pools.length) {
    return { tried: `Calico IPPools: ${said.join("; ")}` };
  }
  const reading = readCalicoPools(pools);
  return { tried: `Calico IPPools: ${said.join("; ")}; ${reading.summary}`, reading };
}

async function objectStep(
  api: KubernetesReadApi,
  path: string,
  label: string,
  read: (body: unknown) => SourceReading & { datapath?: InferredDatapath },
): Promise<Step & { body?: unknown }> {
  const answer = await getOne(api, path);
  if (answer.status !== 200) {
    return { tried: `${label}: ${describeFailure(answer)}` };
  }
  const reading = read(answer.body);
  return { tried: `${label}: ${reading.summary}`, reading, body: answer.body };
}

async function firstServedStep(
  api: KubernetesReadApi,
  paths: readonly { path: string; version: string }[],
  label: string,
  read: (body: unknown, version: string) => SourceReading,
): Promise<Step> {
  const said: string[] = [];
  for (const { path, version } of paths) {
    const answer = await getOne(api, path);
    if (answer.status === 200) {
      const reading = read(answer.body, version);
      return { tried: `${label} (${version}): ${reading.summary}`, reading };
    }
    said.push(`${version} ${answer.status === 404 ? "not served (404)" : describeFailure(answer)}`);
  }
  return { tried: `${label}: ${said.join("; ")}` };
}

async function flannelStep(api: KubernetesReadApi): Promise<Step> {
  const said: string[] = [];
  for (const { path, name } of FLANNEL_CONFIG_PATHS) {
    const step = await objectStep(api, path, `ConfigMap ${name}`, (body) => readFlannelConfig(body, name));
    if (step.reading) {
      return step;
    }
    said.push(step.tried);
  }
  return { tried: said.join("; ") };
}

async function nodesStep(api: KubernetesReadApi): Promise<Step> {
  const listed = await listAll(api, NODES_PATH);
  if (!("items" in listed)) {
    return { tried: `Node spec.podCIDRs: ${describeFailure(listed)}` };
  }
  const reading = readNodePodCidrs(listed.items);
  return { tried: `Node spec.podCIDRs: ${reading.summary}`, reading };
}

async function probeStep(api: KubernetesReadApi): Promise<Step> {
  const said: string[] = [];
  for (const clusterIP of PROBE_CLUSTER_IPS) {
    const answer = await api.createDryRun(PROBE_PATH, serviceRangeProbe(clusterIP));
    failIfUnauthorized(answer);
    const outcome = serviceRangeFromProbeAnswer(answer, clusterIP);
    if (outcome.found) {
      const from = `API server answer to a dry-run Service with ClusterIP ${clusterIP} ("${outcome.message}")`;
      const finding: RangeFinding = { kind: "service", ranges: outcome.ranges, from, authority: 3 };
      return {
        tried: [...said, `dry-run Service with ClusterIP ${clusterIP}: ${outcome.ranges.join(", ")}`].join(
          "; ",
        ),
        reading: { findings: [finding], summary: outcome.ranges.join(", "), notes: [] },
      };
    }
    said.push(`dry-run Service with ClusterIP ${clusterIP}: ${outcome.reason}`);
    if (!outcome.reason.includes("accepted")) {
      break;
    }
  }
  return { tried: said.join("; ") };
}

function rangesOf(findings: RangeFinding[], kind: RangeKind): NetworkRangeSource[] {
  return findings.flatMap((f) => f.ranges.map((range) => ({ kind, range, from: f.from })));
}

interface KindOutcome {
  ranges: string[];
  sources: NetworkRangeSource[];
  agreeing: NetworkRangeSource[];
  notes: string[];
  problems: string[];
}

function decideKind(
  kind: RangeKind,
  findings: RangeFinding[],
  override: string[] | undefined,
  overrideKey: string,
): KindOutcome {
  const { ranges, conflicts } = reconcileRanges(findings);
  const best = Math.min(...findings.map((f) => f.authority));
  const deciding = findings.filter((f) => f.authority === best);
  const label = kind === "pod" ? "pod ranges" : "service range";
  if (override) {
    const collapsed = collapseCidrs(override);
    const notes =
      ranges.length && ranges.join(",") !== collapsed.join(",")
        ? [
            `${overrideKey} ${collapsed.join(", ")} replaces the discovered ${label} ${ranges.join(", ")} ` +
              `(${deciding.map((f) => f.from).join("; ")})`,
          ]
        : [];
    return {
      ranges: collapsed,
      sources: collapsed.map((range) => ({ kind, range, from: `override ${overrideKey}` })),
      agreeing: [],
      notes: [...notes, ...conflicts.map((c) => `${label} sources disagree, ${overrideKey} decides: ${c}`)],
      problems: [],
    };
  }
  if (conflicts.length) {
    return {
      ranges: [],
      sources: [],
      agreeing: [],
      notes: [],
      problems: conflicts.map((c) => `${label}: ${c}; set ${overrideKey} to the right ranges`),
    };
  }
  if (!ranges.length) {
    return {
      ranges: [],
      sources: [],
      agreeing: [],
      notes: [],
      problems: [`${label}: no source states them; set ${overrideKey}`],
    };
  }
  return {
    ranges,
    sources: rangesOf(deciding, kind),
    agreeing: rangesOf(
      findings.filter((f) => f.authority !== best),
      kind,
    ),
    notes: [],
    problems: [],
  };
}

/**
 * Discovers the pod ranges, the service range and the datapath of a self-managed cluster through its API.
 *
 * Pod ranges come from the network plugin's pools (Calico IPPools enabled for workloads, Cilium
 * `cluster-pool-ipv4-cidr` or CiliumPodIPPools), else the cluster configuration (kube-controller-manager
 * `--cluster-cidr`, kubeadm-config `podSubnet`, Flannel `Network`), else the union of node `spec.podCIDRs`. The
 * service range comes from the ServiceCIDR objects or kube-apiserver's `--service-cluster-ip-range`, else
 * kube-controller-manager's flag or kubeadm-config `serviceSubnet`, else the API server's answer to a dry-run
 * Service with an out-of-range ClusterIP (sent only when nothing else states it). Every source must agree with
 * every other (one covers the other). A pool stated around the service range (Cilium's default 10.0.0.0/8 around
 * kubeadm's 10.96.0.0/12) keeps its addresses but the service range's, with a note.
 *
 * Requests: GETs of the objects above (RBAC `list` on nodes, `list` on pods and `get` on configmaps in kube-system,
 * `get` on configmaps in kube-flannel, `list` on ippools, servicecidrs and ciliumpodippools), and possibly one or
 * two dry-run creates of a Service in `default` (`create` on services). A forbidden or absent source is recorded in
 * `tried` and skipped.
 *
 * @param api the Kubernetes API (see `kubernetesClientFromKubeconfig`)
 * @param overrides ranges from configuration: each replaces discovery of its kind (the other sources are still
 *   read, for the datapath and the notes)
 * @returns the ranges, every source behind them, the datapath, and what was tried
 * @throws ClusterNetworkDiscoveryError when a kind has no source, when sources disagree (naming both), when the
 *   pod and service ranges overlap, or when the API refuses the credentials; transport errors propagate
 */
export async function discoverClusterNetwork(
  api: KubernetesReadApi,
  overrides: ClusterNetworkOverrides = {},
): Promise<KubernetesClusterNetwork> {
  const [calico, cilium, flannel, kubeadm, controlPlane, serviceCidrs, nodes] = await Promise.all([
    calicoStep(api),
    objectStep(api, CILIUM_CONFIG_PATH, "ConfigMap kube-system/cilium-config", readCiliumConfig),
    flannelStep(api),
    objectStep(api, KUBEADM_CONFIG_PATH, "ConfigMap kube-system/kubeadm-config", readKubeadmConfig),
    objectStep(
      api,
      CONTROL_PLANE_PODS_PATH,
      "control-plane pods in kube-system (tier=control-plane)",
      (body) => readControlPlaneFlags(body),
    ),
    firstServedStep(api, SERVICE_CIDR_PATHS, "ServiceCIDR objects", readServiceCidrs),
    // A pod override makes the node list (the biggest read) pointless.
    overrides.podCidrs
      ? Promise.resolve<Step>({ tried: "Node spec.podCIDRs: not read (podCidrs given)" })
      : nodesStep(api),
  ]);
  const steps: Step[] = [calico, cilium, flannel, kubeadm, controlPlane, serviceCidrs, nodes];
  if (cilium.body !== undefined && ciliumIpamMode(cilium.body) === "multi-pool") {
    steps.push(await firstServedStep(api, CILIUM_POD_POOL_PATHS, "CiliumPodIPPools", readCiliumPodPools));
  }
  const serviceFound = steps.some((s) => s.reading?.findings.some((f) => f.kind === "service"));
  if (!serviceFound && !overrides.serviceCidrs) {
    steps.push(await probeStep(api));
  }

  const findings = steps.flatMap((s) => s.reading?.findings ?? []);
  const pods = decideKind(
    "pod",
    findings.filter((f) => f.kind === "pod"),
    overrides.podCidrs,
    "podCidrs",
  );
  const services = decideKind(
    "service",
    findings.filter((f) => f.kind === "service"),
    overrides.serviceCidrs,
    "serviceCidrs",
  );
  const tried = steps.map((s) => s.tried);
  const problems = [...pods.problems, ...services.problems];
  const notes = [...steps.flatMap((s) => s.reading?.notes ?? []), ...pods.notes, ...services.notes];
  const overlaps = overlappingPairs(pods.ranges, services.ranges);
  const carved = subtractCidrs(pods.ranges, services.ranges);
  if (
    overlaps.length &&
    !overrides.podCidrs &&
    !overrides.serviceCidrs &&
    covers(pods.ranges, services.ranges) &&
    carved.length
  ) {
    // A pool declared wider than what is handed out (Cilium's default 10.0.0.0/8 around kubeadm's 10.96.0.0/12):
    // no pod can hold a service address, so PODNET leaves the service range out.
    notes.push(
      `pod ranges ${pods.ranges.join(", ")} contain the service range ${services.ranges.join(", ")}; ` +
        `PODNET leaves it out: ${carved.join(", ")}`,
    );
    pods.ranges = carved;
    // Keep the sources exactly the answer: each stated range minus the service range, still naming its source.
    pods.sources = pods.sources.flatMap((s) =>
      subtractCidrs([s.range], services.ranges).map((range) => ({
        ...s,
        range,
        from: `${s.from} (service range left out)`,
      })),
    );
  } else {
    for (const [pod, svc] of overlaps) {
      const podFrom = pods.sources.filter((s) => s.range === pod).map((s) => s.from);
      const svcFrom = services.sources.filter((s) => s.range === svc).map((s) => s.from);
      problems.push(
        `pod range ${pod} (${podFrom.join("; ")}) overlaps service range ${svc} (${svcFrom.join("; ")}); ` +
          "the ranges must be disjoint",
      );
    }
  }
  if (problems.length) {
    throw new ClusterNetworkDiscoveryError(problems, tried);
  }

  const datapaths = steps.flatMap((s) => (s.reading?.datapath ? [s.reading.datapath] : []));
  if (datapaths.length > 1) {
    notes.push(
      `several network plugins are configured (${datapaths.map((d) => d.from).join("; ")}); ` +
        "DATAPATH is left to the agent's detection",
    );
  }
  return {
    podCidrs: pods.ranges,
    serviceCidrs: services.ranges,
    sources: [...pods.sources, ...services.sources],
    agreeing: [...pods.agreeing, ...services.agreeing],
    datapath: datapaths.length === 1 ? datapaths[0] : undefined,
    tried,
    notes,
  };
}
