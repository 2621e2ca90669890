// Datapath detection, uplinks and mirrored ENI devices, from device lists shaped like `ip -d -j addr show` output
// on each datapath (names and kinds as each CNI creates them; see agent/src/datapath/profiles.ts for the sources).
import * as assert from "assert";
import { detectDatapath } from "../../agent/src/datapath/detect";
import { datapathProfile } from "../../agent/src/datapath/profiles";
import { uplinkElements } from "../../agent/src/datapath/uplinks";
import { egressHookable } from "../../agent/src/kernel/egressHooks";
import { Link, matchesIfnamePattern, parseLinks } from "../../agent/src/kernel/links";
import { MirroredUplinkTracker } from "../../agent/src/mirror/mirroredUplinks";

let next = 1;
const link = (name: string, kind?: string, ipv4: string[] = []): Link => ({
  ifindex: next++,
  name,
  kind,
  up: true,
  ipv4,
});
const base = (): Link[] => [link("lo", undefined, ["127.0.0.1"]), link("eth0", undefined, ["10.0.1.23"])];

const NODES: Record<string, Link[]> = {
  "vpc-cni": [
    ...base(),
    link("eth1"),
    link("eni0a1b2c3d4e5", "veth"),
    link("vlan.eth.1", "vlan"),
    link("vlan9f8e7d6c5b4", "veth"),
  ],
  "vpc-cni without pods yet": [...base()],
  calico: [...base(), link("tunl0", "ipip", ["192.168.12.64"]), link("cali0123456789a", "veth")],
  "calico vxlan": [...base(), link("vxlan.calico", "vxlan", ["192.168.12.65"])],
  flannel: [
    ...base(),
    link("flannel.1", "vxlan", ["10.244.1.0"]),
    link("cni0", "bridge", ["10.244.1.1"]),
    link("veth3f2a1b0c", "veth"),
  ],
  cilium: [
    ...base(),
    link("cilium_net", "veth"),
    link("cilium_host", "veth"),
    link("cilium_vxlan", "vxlan"),
    link("lxc12ab34cd", "veth"),
  ],
  "a self-managed node": [
    link("lo"),
    link("enp0s3", undefined, ["192.168.5.10"]),
    link("bond0", "bond"),
    link("docker0", "bridge"),
    link("kube-ipvs0", "dummy"),
    link("tunl0", "ipip"),
  ],
};

describe("datapath detection from the node's devices", function () {
  const expected: Record<string, [string, string[]]> = {
    "vpc-cni": ["vpc-cni", ["eni0a1b2c3d4e5 (veth)", "vlan.eth.1 (vlan)"]],
    "vpc-cni without pods yet": ["vpc-cni", []],
    calico: ["calico", ["tunl0 (ipip)", "cali0123456789a (veth)"]],
    "calico vxlan": ["calico", ["vxlan.calico (vxlan)"]],
    flannel: ["flannel", ["flannel.1 (vxlan)"]],
    cilium: ["cilium", ["cilium_host (veth)", "cilium_vxlan (vxlan)", "lxc12ab34cd (veth)"]],
    "a self-managed node": ["vpc-cni", []],
  };
  for (const [what, [datapath, evidence]] of Object.entries(expected)) {
    it(`${what}: ${datapath}${evidence.length ? "" : " (assumed: no evidence)"}`, function () {
      assert.deepStrictEqual(detectDatapath(NODES[what]), { datapath, evidence });
    });
  }

  it("a tunl0 without an address is the ipip module's fallback device, not Calico", function () {
    assert.strictEqual(detectDatapath([...base(), link("tunl0", "ipip")]).datapath, "vpc-cni");
  });
});

describe("uplinks", function () {
  const up = (what: string, dp: Parameters<typeof datapathProfile>[0]): string[] =>
    uplinkElements(NODES[what], datapathProfile(dp), undefined, ["ehcap0"]);

  it("VPC CNI: ENIs and branch VLAN sub-interfaces; never pod veths (eni*, vlan*)", function () {
    const u = up("vpc-cni", "vpc-cni");
    assert.deepStrictEqual(u, ["ens*", "eth*", "vlan.eth.*"]);
    const isUplink = (n: string) => matchesIfnamePattern(n, u);
    assert.deepStrictEqual(
      ["eth0", "eth1", "ens5", "vlan.eth.1", "eni0a1b2c3d4e5", "vlan9f8e7d6c5b4", "lo"].map(isUplink),
      [true, true, true, true, false, false, false],
    );
  });

  it("Calico, Flannel, Cilium: their tunnel devices too; bridges and pod veths never", function () {
    assert.deepStrictEqual(up("calico", "calico"), [
      "ens*",
      "eth*",
      "tunl0",
      "vxlan.calico",
      "wireguard.cali",
    ]);
    const f = up("flannel", "flannel");
    assert.ok(
      matchesIfnamePattern("flannel.1", f) &&
        !matchesIfnamePattern("cni0", f) &&
        !matchesIfnamePattern("veth3f2a1b0c", f),
    );
    const c = up("cilium", "cilium");
    assert.ok(
      matchesIfnamePattern("cilium_vxlan", c) &&
        !matchesIfnamePattern("cilium_host", c) &&
        !matchesIfnamePattern("lxc12ab34cd", c),
    );
  });

  it("NICs named otherwise are uplinks by their kind (physical, bond, tunnel); bridges and dummies are not", function () {
    assert.deepStrictEqual(up("a self-managed node", "vpc-cni"), [
      "bond0",
      "enp0s3",
      "ens*",
      "eth*",
      "tunl0",
      "vlan.eth.*",
    ]);
  });

  it("UPLINK_IFNAMES replaces the detection", function () {
    assert.deepStrictEqual(uplinkElements(NODES.flannel, datapathProfile("flannel"), ["bond*", "eth0"], []), [
      "bond*",
      "eth0",
    ]);
  });
});

describe("mirrored ENI devices (VPC_MIRRORING=true)", function () {
  const SETTLE = 360;
  const self = { mirrorCovered: true, addresses: ["10.0.1.23"] };

  it("none unless the node is mirror-covered", function () {
    const t = new MirroredUplinkTracker(SETTLE);
    assert.deepStrictEqual(t.update(NODES["vpc-cni"], { ...self, mirrorCovered: false }, 0).names, []);
    assert.deepStrictEqual(t.update(NODES["vpc-cni"], undefined, 0).names, []);
  });

  it("the primary ENI (holds the node's address) at once; another ENI after MIRROR_SETTLE; never VLAN or tunnels", function () {
    const t = new MirroredUplinkTracker(SETTLE);
    let r = t.update(NODES["vpc-cni"], self, 1_000);
    assert.deepStrictEqual(r, { names: ["eth0"], nextChangeMs: 1_000 + SETTLE * 1000 });
    r = t.update(NODES["vpc-cni"], self, 1_000 + SETTLE * 1000 - 1);
    assert.deepStrictEqual(r.names, ["eth0"]);
    r = t.update(NODES["vpc-cni"], self, 1_000 + SETTLE * 1000);
    assert.deepStrictEqual(r, { names: ["eth0", "eth1"], nextChangeMs: undefined });
  });

  it("a device that is re-created starts settling again", function () {
    const t = new MirroredUplinkTracker(10);
    const links = [...base(), link("eth1")];
    assert.deepStrictEqual(t.update(links, self, 0).names, ["eth0"]);
    assert.deepStrictEqual(t.update(links, self, 10_000).names, ["eth0", "eth1"]);
    const again = links.map((l) => (l.name === "eth1" ? { ...l, ifindex: 999 } : l));
    assert.deepStrictEqual(t.update(again, self, 11_000).names, ["eth0"]);
    assert.deepStrictEqual(t.update(again, self, 21_000).names, ["eth0", "eth1"]);
  });
});

describe("device list parsing", function () {
  it("reads names, indexes, kinds, aliases and IPv4 addresses from ip -d -j addr show", function () {
    const json = JSON.stringify([
      {
        ifindex: 1,
        ifname: "lo",
        flags: ["LOOPBACK", "UP"],
        addr_info: [
          { family: "inet", local: "127.0.0.1" },
          { family: "inet6", local: "::1" },
        ],
      },
      {
        ifindex: 7,
        ifname: "ehcap0",
        flags: ["BROADCAST", "NOARP"],
        ifalias: "extrahop-rpcapd x",
        linkinfo: { info_kind: "ifb" },
      },
      {
        ifindex: 9,
        ifname: "veth3f2a",
        flags: ["UP"],
        master: "cni0",
        link_type: "ether",
        linkinfo: { info_kind: "veth" },
      },
    ]);
    assert.deepStrictEqual(parseLinks(json), [
      {
        ifindex: 1,
        name: "lo",
        kind: undefined,
        up: true,
        alias: undefined,
        master: undefined,
        linkType: undefined,
        ipv4: ["127.0.0.1"],
      },
      {
        ifindex: 7,
        name: "ehcap0",
        kind: "ifb",
        up: false,
        alias: "extrahop-rpcapd x",
        master: undefined,
        linkType: undefined,
        ipv4: [],
      },
      {
        ifindex: 9,
        name: "veth3f2a",
        kind: "veth",
        up: true,
        alias: undefined,
        master: "cni0",
        linkType: "ether",
        ipv4: [],
      },
    ]);
  });
});

describe("devices that get an egress clone chain", function () {
  const dev = (o: Partial<Link>): Link => ({ ifindex: 1, name: "x", up: true, ipv4: [], ...o });
  it("Ethernet devices only, and never a bridge, a bridge port or a bond slave", function () {
    const cases: [string, Partial<Link>, boolean][] = [
      ["an ENI", { name: "eth0", linkType: "ether" }, true],
      ["a pod veth", { name: "eni0a1b2c3d4e5", kind: "veth", linkType: "ether" }, true],
      ["a VXLAN device (carries Ethernet)", { name: "vxlan.calico", kind: "vxlan", linkType: "ether" }, true],
      ["tunl0 (IP-in-IP: no Ethernet header)", { name: "tunl0", kind: "ipip", linkType: "ipip" }, false],
      ["WireGuard (no link layer)", { name: "wireguard.cali", kind: "wireguard", linkType: "none" }, false],
      ["a bridge", { name: "cni0", kind: "bridge", linkType: "ether" }, false],
      ["a bridge port", { name: "veth3f2a", kind: "veth", linkType: "ether", master: "cni0" }, false],
      ["loopback", { name: "lo", linkType: "loopback" }, false],
    ];
    for (const [what, l, want] of cases) {
      assert.strictEqual(egressHookable(dev(l)), want, what);
    }
  });
});
