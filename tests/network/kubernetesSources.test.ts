import * as assert from "node:assert/strict";
import fc from "fast-check";
import { collapseCidrs, intToIp } from "../../components/contract/cidr";
import {
  readCalicoPools,
  readCiliumConfig,
  readCiliumPodPools,
  readFlannelConfig,
} from "../../components/network/kubernetesCniConfig";
import {
  flagValue,
  readControlPlaneFlags,
  readKubeadmConfig,
  readServiceCidrs,
} from "../../components/network/kubernetesClusterConfig";
import {
  canonicalIpv4Cidr,
  covers,
  parseCidrList,
  reconcileRanges,
  subtractCidrs,
  type RangeFinding,
} from "../../components/network/kubernetesRanges";
import { serviceRangeFromProbeAnswer } from "../../components/network/kubernetesServiceRangeProbe";

function pool(name: string, spec: Record<string, unknown>, version = "crd.projectcalico.org/v1") {
  return { object: { metadata: { name }, spec }, version };
}

function configMap(data: Record<string, string>) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "kube-system" }, data };
}

describe("Calico IPPools", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["IP-in-IP always", { cidr: "10.1.0.0/16", ipipMode: "Always", vxlanMode: "Never" }, ["ipip"]],
    [
      "VXLAN across subnets only",
      { cidr: "10.1.0.0/16", ipipMode: "Never", vxlanMode: "CrossSubnet" },
      ["vxlan", "routed"],
    ],
    ["BGP (no encapsulation)", { cidr: "10.1.0.0/16", ipipMode: "Never", vxlanMode: "Never" }, ["routed"]],
    ["modes absent default to Never", { cidr: "10.1.0.0/16" }, ["routed"]],
    [
      "pre-3.x ipip field",
      { cidr: "10.1.0.0/16", ipip: { enabled: true, mode: "cross-subnet" } },
      ["ipip", "routed"],
    ],
  ];
  for (const [title, spec, transports] of cases) {
    it(`${title}: ${transports.join(" + ")}`, () => {
      const reading = readCalicoPools([pool("p", spec)]);
      assert.deepEqual(reading.datapath?.transports, transports);
      assert.deepEqual(
        reading.findings.map((f) => f.ranges),
        [["10.1.0.0/16"]],
      );
    });
  }

  it("only enabled pools for workloads count; the same pool from both API versions counts once", () => {
    const reading = readCalicoPools([
      pool("a", { cidr: "10.1.0.0/16", ipipMode: "Always" }),
      pool("a", { cidr: "10.1.0.0/16", ipipMode: "Always" }, "projectcalico.org/v3"),
      pool("b", { cidr: "10.2.0.0/16", vxlanMode: "Always" }),
      pool("lb", { cidr: "203.0.113.0/24", allowedUses: ["LoadBalancer"] }),
      pool("tunnels", { cidr: "10.9.0.0/24", allowedUses: ["Tunnel"] }),
      pool("old", { cidr: "10.3.0.0/16", disabled: true }),
    ]);
    assert.deepEqual(
      reading.findings.map((f) => [f.from, f.ranges[0], f.group]),
      [
        ["Calico IPPool a (crd.projectcalico.org/v1)", "10.1.0.0/16", "Calico IPPools"],
        ["Calico IPPool b (crd.projectcalico.org/v1)", "10.2.0.0/16", "Calico IPPools"],
      ],
    );
    assert.deepEqual(reading.datapath?.transports, ["ipip", "vxlan"]);
    assert.equal(reading.notes.length, 3);
    assert.equal(reading.summary, "5 pool(s), 2 enabled for pods");
  });

  it("no enabled pool: no datapath claimed", () => {
    assert.equal(readCalicoPools([pool("old", { cidr: "10.3.0.0/16", disabled: true })]).datapath, undefined);
  });
});

describe("Flannel net-conf.json", () => {
  const cases: [string, unknown, string[]][] = [
    ["vxlan", { Network: "10.244.0.0/16", Backend: { Type: "vxlan" } }, ["vxlan"]],
    [
      "vxlan with DirectRouting",
      { Network: "10.244.0.0/16", Backend: { Type: "vxlan", DirectRouting: true } },
      ["vxlan", "routed"],
    ],
    ["host-gw", { Network: "10.244.0.0/16", Backend: { Type: "host-gw" } }, ["routed"]],
    ["no Backend: udp, flannel's default", { Network: "10.244.0.0/16" }, ["udp"]],
    [
      "keys in any case, as Go decodes them",
      { network: "10.244.0.0/16", backend: { type: "wireguard" } },
      ["wireguard"],
    ],
    [
      "an unknown backend names no transport",
      { Network: "10.244.0.0/16", Backend: { Type: "extension" } },
      [],
    ],
  ];
  for (const [title, conf, transports] of cases) {
    it(title, () => {
      const reading = readFlannelConfig(
        configMap({ "net-conf.json": JSON.stringify(conf) }),
        "kube-flannel/kube-flannel-cfg",
      );
      assert.deepEqual(reading.datapath?.transports, transports);
      assert.deepEqual(reading.findings[0].ranges, ["10.244.0.0/16"]);
      assert.equal(reading.findings[0].authority, 2);
    });
  }

  it("IPv6-only and unreadable configurations state no range", () => {
    const v6 = readFlannelConfig(
      configMap({ "net-conf.json": JSON.stringify({ EnableIPv4: false, IPv6Network: "fd00::/56" }) }),
      "n/x",
    );
    assert.deepEqual(v6.findings, []);
    assert.match(v6.notes[0], /EnableIPv4 false/);
    const broken = readFlannelConfig(configMap({ "net-conf.json": "{ not json" }), "n/x");
    assert.deepEqual(broken.findings, []);
    assert.equal(broken.datapath, undefined);
  });
});

describe("Cilium configuration", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ["tunnel, vxlan", { "routing-mode": "tunnel", "tunnel-protocol": "vxlan" }, ["vxlan"]],
    ["tunnel, geneve", { "routing-mode": "tunnel", "tunnel-protocol": "geneve" }, ["geneve"]],
    ["native routing", { "routing-mode": "native" }, ["routed"]],
    ["before 1.14: tunnel disabled", { tunnel: "disabled" }, ["routed"]],
    ["nothing set: vxlan tunnel by default", {}, ["vxlan"]],
    ["with WireGuard", { "routing-mode": "native", "enable-wireguard": "true" }, ["routed", "wireguard"]],
  ];
  for (const [title, data, transports] of cases) {
    it(title, () => {
      const reading = readCiliumConfig(
        configMap({ ipam: "cluster-pool", "cluster-pool-ipv4-cidr": "10.0.0.0/16", ...data }),
      );
      assert.deepEqual(reading.datapath?.transports, transports);
    });
  }

  it("cluster-pool: a space-separated list of CIDRs", () => {
    const reading = readCiliumConfig(configMap({ "cluster-pool-ipv4-cidr": "10.10.0.0/16 10.20.0.0/16" }));
    assert.deepEqual(reading.findings[0].ranges, ["10.10.0.0/16", "10.20.0.0/16"]);
    assert.equal(reading.findings[0].authority, 1);
  });

  it("other IPAM modes state no range of their own", () => {
    for (const ipam of ["kubernetes", "multi-pool", "eni"]) {
      const reading = readCiliumConfig(configMap({ ipam, "cluster-pool-ipv4-cidr": "10.0.0.0/8" }));
      assert.deepEqual(reading.findings, [], ipam);
      assert.equal(reading.datapath?.datapath, "cilium");
    }
    assert.match(readCiliumConfig(configMap({ ipam: "eni" })).notes[0], /cloud provider's subnets/);
  });

  it("chained to another plugin: neither range nor datapath", () => {
    const reading = readCiliumConfig(
      configMap({ "cni-chaining-mode": "aws-cni", "cluster-pool-ipv4-cidr": "10.0.0.0/8" }),
    );
    assert.deepEqual(reading.findings, []);
    assert.equal(reading.datapath, undefined);
  });

  it("multi-pool: every CiliumPodIPPool as one group", () => {
    const reading = readCiliumPodPools(
      {
        items: [
          { metadata: { name: "default" }, spec: { ipv4: { cidrs: ["10.10.0.0/16"], maskSize: 24 } } },
          {
            metadata: { name: "gpu" },
            spec: { ipv4: { cidrs: ["10.30.0.0/20"] }, ipv6: { cidrs: ["fd00::/104"] } },
          },
        ],
      },
      "cilium.io/v2alpha1",
    );
    assert.deepEqual(
      reading.findings.map((f) => [f.ranges, f.group]),
      [
        [["10.10.0.0/16"], "CiliumPodIPPools"],
        [["10.30.0.0/20"], "CiliumPodIPPools"],
      ],
    );
  });
});

describe("cluster configuration", () => {
  it("flags as one or two tokens; the last occurrence wins", () => {
    assert.equal(flagValue(["x", "--cluster-cidr", "10.1.0.0/16"], "cluster-cidr"), "10.1.0.0/16");
    assert.equal(
      flagValue(["--cluster-cidr=10.1.0.0/16", "--cluster-cidr=10.2.0.0/16"], "cluster-cidr"),
      "10.2.0.0/16",
    );
    assert.equal(flagValue(["--cluster-cidrs=10.1.0.0/16"], "cluster-cidr"), undefined);
  });

  it("finds the components by binary path or container name, dual-stack flags keep IPv4", () => {
    const reading = readControlPlaneFlags({
      items: [
        {
          metadata: { name: "kube-apiserver-a", namespace: "kube-system" },
          spec: {
            containers: [
              {
                name: "apiserver",
                command: [
                  "/usr/local/bin/kube-apiserver",
                  "--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112",
                ],
              },
            ],
          },
        },
        {
          metadata: { name: "kcm-a", namespace: "kube-system" },
          spec: {
            containers: [
              { name: "kube-controller-manager", image: "x", args: ["--cluster-cidr", "10.42.0.0/16"] },
            ],
          },
        },
        { metadata: { name: "etcd-a" }, spec: { containers: [{ name: "etcd", command: ["etcd"] }] } },
      ],
    });
    assert.deepEqual(
      reading.findings.map((f) => [f.kind, f.ranges, f.authority]),
      [
        ["service", ["10.96.0.0/16"], 1],
        ["pod", ["10.42.0.0/16"], 2],
      ],
    );
    assert.match(reading.notes[0], /IPv6 fd00:10:96::\/112 left out/);
  });

  it("kubeadm-config without podSubnet states only the service range", () => {
    const reading = readKubeadmConfig(
      configMap({
        ClusterConfiguration:
          "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/12\n",
      }),
    );
    assert.deepEqual(
      reading.findings.map((f) => f.kind),
      ["service"],
    );
    assert.equal(reading.summary, "podSubnet not set, serviceSubnet 10.96.0.0/12");
  });

  it("ServiceCIDR objects form one group: an extension and the primary", () => {
    const reading = readServiceCidrs(
      {
        items: [
          { metadata: { name: "kubernetes" }, spec: { cidrs: ["10.96.0.0/16"] } },
          { metadata: { name: "extra" }, spec: { cidrs: ["10.97.0.0/16", "fd00::/108"] } },
        ],
      },
      "networking.k8s.io/v1",
    );
    const flag: RangeFinding = { kind: "service", ranges: ["10.96.0.0/16"], from: "flag", authority: 1 };
    const reconciled = reconcileRanges([...reading.findings, flag]);
    assert.deepEqual(reconciled, { ranges: ["10.96.0.0/15"], conflicts: [] });
  });
});

describe("range arithmetic", () => {
  it("canonical CIDRs clear host bits as Go's net.ParseCIDR does", () => {
    assert.equal(canonicalIpv4Cidr("10.244.3.7/16"), "10.244.0.0/16");
    assert.equal(canonicalIpv4Cidr("10.244.0.0/33"), undefined);
    assert.deepEqual(parseCidrList("10.1.0.0/16, fd00::/64 nonsense"), {
      ipv4: ["10.1.0.0/16"],
      ipv6: ["fd00::/64"],
      invalid: ["nonsense"],
    });
  });

  it("nested statements agree and the most authoritative decide; disjoint ones conflict", () => {
    const f = (ranges: string[], from: string, authority: 1 | 2 | 3): RangeFinding => ({
      kind: "pod",
      ranges,
      from,
      authority,
    });
    assert.deepEqual(reconcileRanges([f(["10.0.0.0/8"], "wide", 2), f(["10.1.0.0/16"], "pool", 1)]), {
      ranges: ["10.1.0.0/16"],
      conflicts: [],
    });
    assert.deepEqual(
      reconcileRanges([f(["10.0.0.0/16"], "a", 1), f(["10.0.128.0/17", "10.1.0.0/16"], "b", 2)]).conflicts,
      ["a says 10.0.0.0/16 but b says 10.0.128.0/17, 10.1.0.0/16 (neither contains the other)"],
    );
  });

  const cidr = fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 32 }))
    .map(([base, prefix]) => canonicalIpv4Cidr(`${intToIp(base)}/${prefix}`) as string);
  const size = (cidrs: string[]) =>
    collapseCidrs(cidrs).reduce((n, c) => n + 2 ** (32 - Number(c.split("/")[1])), 0);

  it("subtraction keeps exactly the addresses outside the holes", () => {
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 4 }), fc.array(cidr, { maxLength: 4 }), (from, remove) => {
        const rest = subtractCidrs(from, remove);
        const both = size(from) + size(remove) - size([...from, ...remove]);
        assert.equal(size(rest), size(from) - both);
        assert.ok(covers(from, rest));
        assert.equal(size([...rest, ...remove]), size(rest) + size(remove));
      }),
    );
  });
});

describe("the probe answer", () => {
  it("reads the range from a cause when the top message is generic", () => {
    const outcome = serviceRangeFromProbeAnswer(
      {
        status: 422,
        body: {
          kind: "Status",
          message: "Service is invalid",
          details: {
            causes: [
              { field: "spec.clusterIPs", message: "failed. The range of valid IPs is 172.20.0.0/16" },
            ],
          },
        },
      },
      "1.1.1.1",
    );
    assert.deepEqual(outcome, {
      found: true,
      ranges: ["172.20.0.0/16"],
      message: "failed. The range of valid IPs is 172.20.0.0/16",
    });
  });

  it("an admission webhook's refusal is reported as it is", () => {
    const outcome = serviceRangeFromProbeAnswer(
      {
        status: 400,
        body: { kind: "Status", message: 'admission webhook "validate.kyverno.svc" denied the request' },
      },
      "1.1.1.1",
    );
    assert.deepEqual(outcome, {
      found: false,
      reason: 'failed (400): admission webhook "validate.kyverno.svc" denied the request',
    });
  });
});
