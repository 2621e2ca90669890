import * as assert from "node:assert/strict";
import { collapseCidrs } from "../../components/contract/cidr";
import {
  ClusterNetworkDiscoveryError,
  discoverClusterNetwork,
  type KubernetesClusterNetwork,
} from "../../components/network/kubernetesDiscovery";
import { fixtureApi, type FixtureCluster } from "../../harness/kube/discovery/fixtureCluster";
import { flavour } from "../../harness/kube/discovery/flavours";
import { SERVICE_RANGE_MESSAGE_STYLES } from "../../harness/kube/discovery/serviceRangeMessages";

function froms(
  result: KubernetesClusterNetwork,
  kind: "pod" | "service",
  list: "sources" | "agreeing",
): string[] {
  return [...new Set(result[list].filter((s) => s.kind === kind).map((s) => s.from))];
}

async function discoveryError(promise: Promise<unknown>): Promise<ClusterNetworkDiscoveryError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClusterNetworkDiscoveryError, `unexpected error: ${err}`);
    return err;
  }
  assert.fail("discovery succeeded where it must fail");
}

describe("discoverClusterNetwork over recorded clusters", () => {
  it("kubeadm + Calico IP-in-IP: the enabled pool decides, kubeadm, flags and nodes agree, ipip datapath", async () => {
    const api = fixtureApi(flavour("kubeadmCalicoIpip"));
    const result = await discoverClusterNetwork(api);
    assert.deepEqual(result.podCidrs, ["192.168.0.0/16"]);
    assert.deepEqual(result.serviceCidrs, ["10.96.0.0/12"]);
    assert.deepEqual(froms(result, "pod", "sources"), [
      "Calico IPPool default-ipv4-ippool (crd.projectcalico.org/v1)",
    ]);
    assert.deepEqual(froms(result, "pod", "agreeing"), [
      "ConfigMap kube-system/kubeadm-config ClusterConfiguration networking.podSubnet",
      "Pod kube-system/kube-controller-manager-cp-1 flag --cluster-cidr",
      "spec.podCIDRs of 3 of 3 nodes",
    ]);
    assert.deepEqual(froms(result, "service", "sources"), [
      "Pod kube-system/kube-apiserver-cp-1 flag --service-cluster-ip-range",
    ]);
    assert.deepEqual(froms(result, "service", "agreeing"), [
      "ConfigMap kube-system/kubeadm-config ClusterConfiguration networking.serviceSubnet",
      "Pod kube-system/kube-controller-manager-cp-1 flag --service-cluster-ip-range",
    ]);
    assert.deepEqual(result.datapath, {
      datapath: "calico",
      transports: ["ipip"],
      from: "Calico IPPool default-ipv4-ippool: ipipMode Always, vxlanMode Never",
    });
    assert.ok(result.notes.some((n) => n.includes("legacy-10-10") && n.includes("disabled")));
    assert.ok(result.notes.some((n) => n.includes("default-ipv6-ippool") && n.includes("IPv6")));
    assert.ok(
      result.tried.some(
        (t) => t.startsWith("Calico IPPools:") && t.includes("projectcalico.org/v3 not served"),
      ),
    );
    assert.ok(result.tried.some((t) => t.startsWith("ConfigMap kube-system/cilium-config: not found (404)")));
    // Other sources state the service range, so nothing is submitted to the API server.
    assert.equal(api.requests.filter((r) => r.method === "POST").length, 0);
  });

  it("kubeadm + Flannel VXLAN: cluster configuration decides, ServiceCIDR and kube-apiserver agree", async () => {
    const result = await discoverClusterNetwork(fixtureApi(flavour("kubeadmFlannel")));
    assert.deepEqual(result.podCidrs, ["10.244.0.0/16"]);
    assert.deepEqual(result.serviceCidrs, ["10.96.0.0/12"]);
    assert.deepEqual(froms(result, "pod", "sources"), [
      "ConfigMap kube-flannel/kube-flannel-cfg net-conf.json Network",
      "ConfigMap kube-system/kubeadm-config ClusterConfiguration networking.podSubnet",
      "Pod kube-system/kube-controller-manager-k8s-cp flag --cluster-cidr",
    ]);
    assert.deepEqual(froms(result, "pod", "agreeing"), ["spec.podCIDRs of 3 of 3 nodes"]);
    assert.deepEqual(froms(result, "service", "sources"), [
      "Pod kube-system/kube-apiserver-k8s-cp flag --service-cluster-ip-range",
      "ServiceCIDR kubernetes (networking.k8s.io/v1)",
    ]);
    assert.deepEqual(result.datapath, {
      datapath: "flannel",
      transports: ["vxlan"],
      from: "ConfigMap kube-flannel/kube-flannel-cfg net-conf.json: Backend.Type vxlan",
    });
  });

  it("Cilium cluster pool: the service range comes from the dry-run answer and is carved out of the pool", async () => {
    const api = fixtureApi(flavour("cilium"));
    const result = await discoverClusterNetwork(api);
    assert.deepEqual(result.serviceCidrs, ["10.96.0.0/12"]);
    assert.deepEqual(result.podCidrs, ["10.0.0.0/10", "10.64.0.0/11", "10.112.0.0/12", "10.128.0.0/9"]);
    assert.deepEqual(froms(result, "pod", "sources"), [
      "ConfigMap kube-system/cilium-config cluster-pool-ipv4-cidr (service range left out)",
    ]);
    const [serviceSource] = froms(result, "service", "sources");
    assert.match(serviceSource, /^API server answer to a dry-run Service with ClusterIP 1\.1\.1\.1 /);
    assert.match(serviceSource, /The range of valid IPs is 10\.96\.0\.0\/12/);
    assert.ok(result.notes.some((n) => n.includes("PODNET leaves it out")));
    assert.deepEqual(result.datapath?.transports, ["vxlan"]);
    assert.equal(result.datapath?.datapath, "cilium");
    // The probe is a dry run in the default namespace, sent once.
    assert.deepEqual(
      api.requests.filter((r) => r.method === "POST").map((r) => r.path),
      ["/api/v1/namespaces/default/services?dryRun=All"],
    );
  });

  it("conflicting sources: an error naming both, and the way out", async () => {
    const err = await discoveryError(discoverClusterNetwork(fixtureApi(flavour("conflicting"))));
    const podProblems = err.problems.filter((p) => p.startsWith("pod ranges:"));
    assert.ok(podProblems.length >= 1);
    assert.ok(
      podProblems.some(
        (p) =>
          p.includes("Calico IPPool default-ipv4-ippool (crd.projectcalico.org/v1) says 192.168.0.0/16") &&
          p.includes(
            "ConfigMap kube-system/kubeadm-config ClusterConfiguration networking.podSubnet says 10.244.0.0/16",
          ),
      ),
      podProblems.join("\n"),
    );
    assert.ok(podProblems.every((p) => p.endsWith("set podCidrs to the right ranges")));
    // The service sources agree: only the pod ranges are in question.
    assert.ok(!err.problems.some((p) => p.startsWith("service range")));
    assert.match(err.message, /Tried:\n {2}- Calico IPPools:/);
  });

  it("nothing found: an error listing every source tried and what it said", async () => {
    const api = fixtureApi(flavour("bare"));
    const err = await discoveryError(discoverClusterNetwork(api));
    assert.deepEqual(err.problems, [
      "pod ranges: no source states them; set podCidrs",
      "service range: no source states them; set serviceCidrs",
    ]);
    assert.deepEqual(err.tried, [
      "Calico IPPools: crd.projectcalico.org/v1 not served (404); projectcalico.org/v3 not served (404)",
      'ConfigMap kube-system/cilium-config: not found (404): configmaps "cilium-config" not found',
      'ConfigMap kube-flannel/kube-flannel-cfg: not found (404): configmaps "kube-flannel-cfg" not found; ' +
        'ConfigMap kube-system/kube-flannel-cfg: not found (404): configmaps "kube-flannel-cfg" not found',
      'ConfigMap kube-system/kubeadm-config: not found (404): configmaps "kubeadm-config" not found',
      "control-plane pods in kube-system (tier=control-plane): no kube-controller-manager or kube-apiserver pod",
      "ServiceCIDR objects: networking.k8s.io/v1 not served (404); networking.k8s.io/v1beta1 forbidden (403): " +
        'servicecidrs is forbidden: User "discovery" cannot list resource "servicecidrs" in API group "networking.k8s.io" at the cluster scope',
      "Node spec.podCIDRs: 1 nodes, 0 with podCIDRs",
      "dry-run Service with ClusterIP 1.1.1.1: forbidden (403): services is forbidden: " +
        'User "discovery" cannot create resource "services" in API group "" in the namespace "default"',
    ]);
    for (const line of err.tried) {
      assert.ok(err.message.includes(line));
    }
  });

  it("overrides win: a conflict becomes a note, the node list is not read", async () => {
    const api = fixtureApi(flavour("conflicting"));
    const result = await discoverClusterNetwork(api, { podCidrs: ["192.168.0.0/16"] });
    assert.deepEqual(result.podCidrs, ["192.168.0.0/16"]);
    assert.deepEqual(
      result.sources.filter((s) => s.kind === "pod"),
      [{ kind: "pod", range: "192.168.0.0/16", from: "override podCidrs" }],
    );
    assert.deepEqual(result.serviceCidrs, ["10.96.0.0/12"]);
    assert.ok(result.notes.some((n) => n.startsWith("pod ranges sources disagree, podCidrs decides:")));
    assert.ok(!api.requests.some((r) => r.path.startsWith("/api/v1/nodes")));
    assert.deepEqual(result.datapath?.transports, ["vxlan"]);
  });

  it("overrides win: both given on a cluster that states nothing, and no Service is submitted", async () => {
    const api = fixtureApi(flavour("bare"));
    const result = await discoverClusterNetwork(api, {
      podCidrs: ["10.1.0.0/16", "10.0.0.0/16"],
      serviceCidrs: ["172.20.0.0/16"],
    });
    assert.deepEqual(result.podCidrs, ["10.0.0.0/15"]);
    assert.deepEqual(result.serviceCidrs, ["172.20.0.0/16"]);
    assert.equal(result.datapath, undefined);
    assert.equal(api.requests.filter((r) => r.method === "POST").length, 0);
  });

  it("an override that differs from what the cluster states is noted", async () => {
    const result = await discoverClusterNetwork(fixtureApi(flavour("kubeadmFlannel")), {
      serviceCidrs: ["10.96.0.0/16"],
    });
    assert.ok(
      result.notes.some((n) =>
        n.startsWith("serviceCidrs 10.96.0.0/16 replaces the discovered service range 10.96.0.0/12"),
      ),
    );
  });

  it("overlapping pod and service ranges given as overrides are an error naming both", async () => {
    const err = await discoveryError(
      discoverClusterNetwork(fixtureApi(flavour("kubeadmFlannel")), { serviceCidrs: ["10.244.128.0/20"] }),
    );
    assert.deepEqual(err.problems, [
      "pod range 10.244.0.0/16 (ConfigMap kube-flannel/kube-flannel-cfg net-conf.json Network; " +
        "ConfigMap kube-system/kubeadm-config ClusterConfiguration networking.podSubnet; " +
        "Pod kube-system/kube-controller-manager-k8s-cp flag --cluster-cidr) overlaps service range 10.244.128.0/20 " +
        "(override serviceCidrs); the ranges must be disjoint",
    ]);
  });

  it("refused credentials stop discovery with one clear message", async () => {
    const api = fixtureApi(flavour("kubeadmFlannel"));
    const err = await discoveryError(
      discoverClusterNetwork({
        get: async () => ({ status: 401, body: { kind: "Status", message: "Unauthorized", code: 401 } }),
        createDryRun: api.createDryRun,
      }),
    );
    assert.deepEqual(err.problems, [
      "the API server refused the kubeconfig's credentials (unauthorized (401): Unauthorized)",
    ]);
  });

  it("two control-plane nodes whose flags disagree are a conflict", async () => {
    const cluster = flavour("kubeadmCalicoIpip");
    const key = "/api/v1/namespaces/kube-system/pods?labelSelector=tier%3Dcontrol-plane";
    const list = cluster.objects[key] as {
      items: { metadata: { name: string }; spec: { containers: { command: string[] }[] } }[];
    };
    const second = JSON.parse(
      JSON.stringify(list.items.find((p) => p.metadata.name.startsWith("kube-apiserver"))),
    );
    second.metadata.name = "kube-apiserver-cp-2";
    const command: string[] = second.spec.containers[0].command;
    command[command.findIndex((t) => t.startsWith("--service-cluster-ip-range="))] =
      "--service-cluster-ip-range=10.112.0.0/12";
    list.items.push(second);
    const err = await discoveryError(discoverClusterNetwork(fixtureApi(cluster)));
    assert.ok(
      err.problems.some(
        (p) =>
          p.startsWith(
            "service range: Pod kube-system/kube-apiserver-cp-1 flag --service-cluster-ip-range says 10.96.0.0/12",
          ) &&
          p.includes(
            "Pod kube-system/kube-apiserver-cp-2 flag --service-cluster-ip-range says 10.112.0.0/12",
          ),
      ),
      err.problems.join("\n"),
    );
  });

  it("reads every page of a large node list", async () => {
    const cluster: FixtureCluster = flavour("bare");
    const nodes = Array.from({ length: 1234 }, (_, i) => ({
      metadata: { name: `n${i}` },
      spec: {
        podCIDR: `10.${64 + Math.floor(i / 256)}.${i % 256}.0/24`,
        podCIDRs: [`10.${64 + Math.floor(i / 256)}.${i % 256}.0/24`],
      },
    }));
    cluster.objects["/api/v1/nodes"] = {
      kind: "NodeList",
      apiVersion: "v1",
      metadata: { resourceVersion: "1" },
      items: nodes,
    };
    const api = fixtureApi(cluster);
    const result = await discoverClusterNetwork(api, { serviceCidrs: ["10.96.0.0/12"] });
    // 1,234 consecutive /24s from 10.64.0.0: 10.64.0.0/14 (1,024) + 10.68.0.0/25 blocks up to 10.68.209.255.
    assert.deepEqual(result.podCidrs, [
      "10.64.0.0/14",
      "10.68.0.0/17",
      "10.68.128.0/18",
      "10.68.192.0/20",
      "10.68.208.0/23",
    ]);
    const covered = result.podCidrs.reduce((n, c) => n + 2 ** (32 - Number(c.split("/")[1])), 0);
    assert.equal(covered, 1234 * 256);
    assert.equal(api.requests.filter((r) => r.path.startsWith("/api/v1/nodes")).length, 3);
    assert.ok(api.requests.some((r) => r.path.startsWith("/api/v1/nodes?limit=500&continue=")));
  });
});

describe("the sources are the answer", () => {
  const cases: [string, FixtureCluster, { podCidrs?: string[]; serviceCidrs?: string[] }][] = [
    ["kubeadmCalicoIpip", flavour("kubeadmCalicoIpip"), {}],
    ["kubeadmFlannel", flavour("kubeadmFlannel"), {}],
    ["cilium", flavour("cilium"), {}],
    ["conflicting with podCidrs", flavour("conflicting"), { podCidrs: ["192.168.0.0/16"] }],
  ];
  for (const [title, cluster, overrides] of cases) {
    it(`${title}: the sources of each kind collapse to exactly the ranges`, async () => {
      const result = await discoverClusterNetwork(fixtureApi(cluster), overrides);
      for (const kind of ["pod", "service"] as const) {
        const stated = collapseCidrs(result.sources.filter((s) => s.kind === kind).map((s) => s.range));
        assert.deepEqual(stated, kind === "pod" ? result.podCidrs : result.serviceCidrs);
      }
    });
  }
});

describe("the service range from the API server's answer, across versions", () => {
  const found = new Set(["clusterIP", "clusterIPsAllocated", "clusterIPsAllocate"]);
  for (const style of SERVICE_RANGE_MESSAGE_STYLES) {
    it(`${style}: ${found.has(style) ? "range read" : "reported as not naming its range"}`, async () => {
      const cluster = flavour("cilium");
      cluster.serviceRange = { cidr: "10.43.0.0/16", style };
      const discovery = discoverClusterNetwork(fixtureApi(cluster));
      if (found.has(style)) {
        assert.deepEqual((await discovery).serviceCidrs, ["10.43.0.0/16"]);
      } else {
        const err = await discoveryError(discovery);
        assert.deepEqual(err.problems, ["service range: no source states them; set serviceCidrs"]);
        assert.ok(err.tried.at(-1)?.includes("refused ClusterIP 1.1.1.1 without naming its range"));
      }
    });
  }

  it("asks again with another address when the first lies inside the range", async () => {
    const cluster = flavour("cilium");
    cluster.serviceRange = { cidr: "1.0.0.0/8", style: "clusterIPsAllocate" };
    const api = fixtureApi(cluster);
    const result = await discoverClusterNetwork(api);
    assert.deepEqual(result.serviceCidrs, ["1.0.0.0/8"]);
    assert.deepEqual(result.podCidrs, ["10.0.0.0/8"]);
    assert.equal(api.requests.filter((r) => r.method === "POST").length, 2);
    assert.ok(result.tried.some((t) => t.includes("accepted ClusterIP 1.1.1.1")));
  });
});
